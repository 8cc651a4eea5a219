# Made by carry bench; render with: gnuplot plots.gp (in this folder)
$throughput0 << EOD
1 210113
16 2.97435e+06
256 4.5149e+06
4096 7.7746e+06
16384 1.05189e+07
65536 7.9045e+06
EOD
$throughput1 << EOD
1 2474.32
16 34411.3
256 211559
4096 249573
16384 160252
65536 241962
EOD
$throughput2 << EOD
1 363253
16 357763
256 392540
4096 383002
16384 394687
65536 390315
EOD
$target0 << EOD
1 0.0111215
16 0.00247567
256 0.020941
4096 0.178594
16384 0.516114
65536 2.20213
EOD
$target1 << EOD
1 0.00524323
16 0.0163269
256 0.204936
4096 3.39053
16384 13.458
EOD
set terminal pngcairo size 1000,640 font 'sans,11' noenhanced
set logscale xy
set grid xtics ytics mxtics mytics lc rgb '#dddddd'
set key top left box opaque
set format x '2^{%L}'
set xtics 4
set format x '%.0f'
set xlabel 'batch size (problems per step)'
set output 'throughput.png'
set title 'Training throughput: AMD EPYC (2 cores)'
set ylabel 'samples per second'
set format y '%.0e'
plot $throughput0 using 1:2 with linespoints lw 2 pt 5 title 'cpu (float32-avx512)', \
     $throughput1 using 1:2 with linespoints lw 2 pt 6 title 'pytorch (torch 1.13.0a0)', \
     $throughput2 using 1:2 with linespoints lw 2 pt 7 title 'reference (float64)'
set output 'time_to_accuracy.png'
set title 'Training time to 100% exact match on all 8-bit sums: AMD EPYC (2 cores)'
set ylabel 'seconds of training (evaluation excluded)'
set format y '%g'
plot $target0 using 1:2 with linespoints lw 2 pt 5 title 'cpu (float32-avx512)', \
     $target1 using 1:2 with linespoints lw 2 pt 6 title 'reference (float64)'
