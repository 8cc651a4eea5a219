// plots.cpp: see plots.hpp.
#include "carry/sweep/plots.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "carry/bench.hpp"

namespace carry::sweep {

namespace {
std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string rate_label(const SettingSummary& r) {
  return r.lr_auto ? "lr auto" : "lr " + number(r.lr);
}

// Rows grouped into named series (map: sorted by name), each kept in row order.
template <typename Name>
std::map<std::string, std::vector<const SettingSummary*>> series_of(
    const std::vector<SettingSummary>& rows, Name name, bool needs_steps) {
  std::map<std::string, std::vector<const SettingSummary*>> series;
  for (const SettingSummary& r : rows) {
    if (!needs_steps || r.steps_to_target) series[name(r)].push_back(&r);
  }
  return series;
}

// Series names sort as text; pad numbers so that "B 16" comes after "B 2".
std::string padded(std::int64_t value) {
  char text[32];
  std::snprintf(text, sizeof text, "%9lld", static_cast<long long>(value));
  return text;
}

// Series k of n drawn a little to the side of the true x (a factor on a logarithmic axis), so
// that error bars at the same x do not hide each other.
double spread(int k, std::size_t n) {
  return std::pow(1.03, k - (static_cast<double>(n) - 1) / 2);
}

// Logarithmic axis `name` with a tic at each value and some room beyond the extremes.
std::string axis(const std::string& name, std::vector<double> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  std::ostringstream text;
  text << "set " << name << "range [" << values.front() / 1.25 << ":" << values.back() * 1.25
       << "]\nset " << name << "tics (";
  for (std::size_t k = 0; k < values.size(); ++k) text << (k ? ", " : "") << values[k];
  text << ")\n";
  return text.str();
}

void success_rate_plot(std::ostringstream& gp, const std::vector<SettingSummary>& rows,
                       const std::string& title) {
  const auto series = series_of(
      rows, [](const SettingSummary& r) { return padded(r.batch) + "|" + rate_label(r); }, false);
  std::vector<std::string> titles;
  int k = 0;
  for (const auto& [name, points] : series) {
    const double shift = spread(k, series.size());
    gp << "$rate" << k++ << " << EOD\n";
    for (const SettingSummary* r : points) {
      gp << r->hidden * shift << " " << 100 * r->success_rate << " "
         << 100 * r->success_interval.low << " " << 100 * r->success_interval.high << "\n";
    }
    gp << "EOD\n";
    // One batch: an automatic rate is one value here, so say which.
    const SettingSummary& first = *points[0];
    titles.push_back("B " + std::to_string(first.batch) + ", " + rate_label(first) +
                     (first.lr_auto ? " (" + number(first.lr) + ")" : ""));
  }
  std::vector<double> hidden;
  for (const SettingSummary& r : rows) hidden.push_back(r.hidden);
  gp << "set output 'success_rate.png'\n"
     << "set title \"Runs reaching the target (95% Wilson intervals)\\n"
     << title << "\"\n"
     << "set logscale x 2\nunset logscale y\nset xlabel 'hidden units H'\n"
     << "set ylabel 'runs reaching the target (%)'\nset yrange [-2:102]\n"
     << axis("x", hidden) << "set format y '%g'\nset key top left box opaque\n";
  gp << "plot ";
  for (std::size_t i = 0; i < titles.size(); ++i) {
    gp << (i ? ", \\\n     " : "") << "$rate" << i << " using 1:2:3:4 with yerrorlines lw 2 pt "
       << 5 + static_cast<int>(i) << " title '" << titles[i] << "'";
  }
  gp << "\nunset yrange\n";
}

void steps_plot(std::ostringstream& gp, const std::vector<SettingSummary>& rows,
                const std::string& title) {
  const auto series = series_of(
      rows,
      [](const SettingSummary& r) {
        return padded(r.hidden) + "|" + (r.lr_auto ? "auto" : number(r.lr));
      },
      true);
  if (series.empty()) return;
  std::vector<std::string> titles;
  int k = 0;
  for (const auto& [name, points] : series) {
    const double shift = spread(k, series.size());
    gp << "$steps" << k++ << " << EOD\n";
    for (const SettingSummary* r : points) {
      const Quartiles& q = *r->steps_to_target;
      gp << static_cast<double>(r->batch) * shift << " " << q.median << " " << q.q1 << " " << q.q3
         << "\n";
    }
    gp << "EOD\n";
    titles.push_back("H " + std::to_string(points[0]->hidden) + ", " + rate_label(*points[0]));
  }
  std::vector<double> batches;
  for (const SettingSummary& r : rows) batches.push_back(static_cast<double>(r.batch));
  gp << "set output 'steps_to_target.png'\n"
     << "set title \"Steps to target: median and quartiles of the runs that reached it\\n"
     << title << "\"\nset logscale x 2\nset logscale y\nset xlabel 'batch size B'\n"
     << "set ylabel 'steps to target'\n"
     << axis("x", batches) << "set format y '%g'\nunset yrange\nset key top right box opaque\n";
  gp << "plot ";
  for (std::size_t i = 0; i < titles.size(); ++i) {
    gp << (i ? ", \\\n     " : "") << "$steps" << i << " using 1:2:3:4 with yerrorlines lw 2 pt "
       << 5 + static_cast<int>(i % 10) << " title '" << titles[i] << "'";
  }
  gp << "\n";
}

void distribution_plot(std::ostringstream& gp, const std::vector<SettingSummary>& rows,
                       const std::string& title) {
  std::ostringstream data;
  int x = 0;
  for (const SettingSummary& r : rows) {
    if (!r.steps_to_target) continue;
    const Quartiles& q = *r.steps_to_target;
    data << ++x << " " << q.min << " " << q.q1 << " " << q.median << " " << q.q3 << " " << q.max
         << " \"H" << r.hidden << " B" << r.batch << " " << (r.lr_auto ? "auto" : number(r.lr))
         << " (" << r.successes << "/" << r.runs << ")\"\n";
  }
  if (x == 0) return;
  gp << "$distribution << EOD\n"
     << data.str() << "EOD\n"
     << "set output 'steps_distribution.png'\n"
     << "set title \"Steps to target per setting (runs that reached it of all runs): quartile "
        "box, median, extremes\\n"
     << title << "\"\nunset logscale x\nset logscale y\nset xlabel ''\n"
     << "set ylabel 'steps to target'\nset bmargin 7\nset rmargin 8\n"
     << "set xrange [0:" << x + 1 << "]\nset xtics rotate by -45 font 'sans,9'\n"
     << "set format y '%g'\nset boxwidth 0.6\nunset key\n"
     << "plot $distribution using 1:3:2:6:5:xtic(7) with candlesticks whiskerbars 0.5 lw 1.5 "
        "lc rgb '#3060a0', \\\n"
     << "     $distribution using 1:4:4:4:4 with candlesticks lw 2 lc rgb '#000000'\n";
}
}  // namespace

std::string sweep_title(const SweepSettings& s) {
  return std::to_string(s.bits) + "-bit addition until " + number(100 * s.until_accuracy) +
         "% exact, up to " + std::to_string(s.steps) + " steps, checked every " +
         std::to_string(s.check_every) + ", " + s.backend + " backend";
}

std::string sweep_gnuplot_script(const std::vector<SettingSummary>& rows,
                                 const std::string& title) {
  std::ostringstream gp;
  gp << "# Made by carry sweep; render with: gnuplot plots.gp (in this folder)\n"
     << "set terminal pngcairo size 1000,640 font 'sans,11' noenhanced\n"
     << "set grid xtics ytics mxtics mytics lc rgb '#dddddd'\n";
  success_rate_plot(gp, rows, title);
  steps_plot(gp, rows, title);
  distribution_plot(gp, rows, title);
  return gp.str();
}

std::string render_sweep_plots(const std::string& folder, const std::vector<SettingSummary>& rows,
                               const std::string& title) {
  return render_gnuplot(folder, sweep_gnuplot_script(rows, title));
}

}  // namespace carry::sweep
