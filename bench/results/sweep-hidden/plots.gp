# Made by carry sweep; render with: gnuplot plots.gp (in this folder)
set terminal pngcairo size 1000,640 font 'sans,11' noenhanced
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
$rate0 << EOD
0.970874 0 0 3.69935
1.94175 0 0 3.69935
2.91262 0 0 3.69935
3.8835 0 0 3.69935
4.85437 8 4.10935 14.9981
5.82524 40 30.9401 49.7997
7.76699 95 88.825 97.8456
11.6505 99 94.5514 99.8233
15.534 98 92.9988 99.4498
EOD
$rate1 << EOD
1 0 0 3.69935
2 0 0 3.69935
3 0 0 3.69935
4 2 0.550197 7.00118
5 41 31.8673 50.7986
6 65 55.2544 73.6358
8 100 96.3007 100
12 100 96.3007 100
16 100 96.3007 100
EOD
$rate2 << EOD
1.03 0 0 3.69935
2.06 0 0 3.69935
3.09 0 0 3.69935
4.12 17 10.8936 25.548
5.15 59 49.2014 68.1327
6.18 85 76.7164 90.694
8.24 100 96.3007 100
12.36 100 96.3007 100
16.48 100 96.3007 100
EOD
set output 'success_rate.png'
set title "Runs reaching the target (95% Wilson intervals)\n8-bit addition until 100% exact, up to 10000 steps, checked every 10, cpu backend"
set logscale x 2
unset logscale y
set xlabel 'hidden units H'
set ylabel 'runs reaching the target (%)'
set yrange [-2:102]
set xrange [0.8:20]
set xtics (1, 2, 3, 4, 5, 6, 8, 12, 16)
set format y '%g'
set key top left box opaque
plot $rate0 using 1:2:3:4 with yerrorlines lw 2 pt 5 title 'B 1, lr auto (1)', \
     $rate1 using 1:2:3:4 with yerrorlines lw 2 pt 6 title 'B 16, lr auto (4)', \
     $rate2 using 1:2:3:4 with yerrorlines lw 2 pt 7 title 'B 256, lr auto (4)'
unset yrange
$steps0 << EOD
14.8603 2505 2432.5 2577.5
237.764 1150 940 3680
EOD
$steps1 << EOD
0.95663 3980 3015 6550
15.3061 1290 860 2990
244.897 670 475 1650
EOD
$steps2 << EOD
0.985329 2250 1775 3510
15.7653 450 390 590
252.244 420 330 580
EOD
$steps3 << EOD
1.01489 1980 1585 2500
16.2382 390 330 510
259.812 330 280 382.5
EOD
$steps4 << EOD
1.04534 1460 1255 1715
16.7254 330 310 390
267.606 290 267.5 322.5
EOD
$steps5 << EOD
1.0767 1400 1197.5 1650
17.2271 350 320 380
275.634 315 280 350
EOD
set output 'steps_to_target.png'
set title "Steps to target: median and quartiles of the runs that reached it\n8-bit addition until 100% exact, up to 10000 steps, checked every 10, cpu backend"
set logscale x 2
set logscale y
set xlabel 'batch size B'
set ylabel 'steps to target'
set xrange [0.8:320]
set xtics (1, 16, 256)
set format y '%g'
unset yrange
set key top right box opaque
plot $steps0 using 1:2:3:4 with yerrorlines lw 2 pt 5 title 'H 4, lr auto', \
     $steps1 using 1:2:3:4 with yerrorlines lw 2 pt 6 title 'H 5, lr auto', \
     $steps2 using 1:2:3:4 with yerrorlines lw 2 pt 7 title 'H 6, lr auto', \
     $steps3 using 1:2:3:4 with yerrorlines lw 2 pt 8 title 'H 8, lr auto', \
     $steps4 using 1:2:3:4 with yerrorlines lw 2 pt 9 title 'H 12, lr auto', \
     $steps5 using 1:2:3:4 with yerrorlines lw 2 pt 10 title 'H 16, lr auto'
$distribution << EOD
1 2360 2432.5 2505 2577.5 2650 "H4 B16 auto (2/100)"
2 620 940 1150 3680 6410 "H4 B256 auto (17/100)"
3 2600 3015 3980 6550 9940 "H5 B1 auto (8/100)"
4 320 860 1290 2990 9730 "H5 B16 auto (41/100)"
5 280 475 670 1650 9090 "H5 B256 auto (59/100)"
6 820 1775 2250 3510 5970 "H6 B1 auto (40/100)"
7 270 390 450 590 5770 "H6 B16 auto (65/100)"
8 230 330 420 580 7370 "H6 B256 auto (85/100)"
9 1030 1585 1980 2500 6600 "H8 B1 auto (95/100)"
10 240 330 390 510 3020 "H8 B16 auto (100/100)"
11 220 280 330 382.5 690 "H8 B256 auto (100/100)"
12 950 1255 1460 1715 3410 "H12 B1 auto (99/100)"
13 230 310 330 390 690 "H12 B16 auto (100/100)"
14 220 267.5 290 322.5 490 "H12 B256 auto (100/100)"
15 930 1197.5 1400 1650 4100 "H16 B1 auto (98/100)"
16 230 320 350 380 770 "H16 B16 auto (100/100)"
17 240 280 315 350 620 "H16 B256 auto (100/100)"
EOD
set output 'steps_distribution.png'
set title "Steps to target per setting (runs that reached it of all runs): quartile box, median, extremes\n8-bit addition until 100% exact, up to 10000 steps, checked every 10, cpu backend"
unset logscale x
set logscale y
set xlabel ''
set ylabel 'steps to target'
set bmargin 7
set rmargin 8
set xrange [0:18]
set xtics rotate by -45 font 'sans,9'
set format y '%g'
set boxwidth 0.6
unset key
plot $distribution using 1:3:2:6:5:xtic(7) with candlesticks whiskerbars 0.5 lw 1.5 lc rgb '#3060a0', \
     $distribution using 1:4:4:4:4 with candlesticks lw 2 lc rgb '#000000'
