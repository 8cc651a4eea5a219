// plots.cpp: turns benchmark records into a self-contained gnuplot script (the data inline) and
// renders it to PNG: throughput against batch size, and time to 100% exact match.
#include <cstdio>
#include <map>
#include <sstream>

#include "carry/atomic_file.hpp"
#include "carry/bench.hpp"

namespace carry {

namespace {
std::string series_name(const BenchRecord& r) {
  return r.backend + " (" + r.variant + ")";
}

// One inline data block per series: "batch value" lines.
std::string data_blocks(const std::vector<BenchRecord>& records, const std::string& prefix,
                        double (*value)(const BenchRecord&), std::vector<std::string>& names) {
  std::map<std::string, std::vector<const BenchRecord*>> series;
  for (const BenchRecord& r : records) {
    if (value(r) > 0) series[series_name(r)].push_back(&r);
  }
  std::ostringstream out;
  int index = 0;
  for (const auto& [name, points] : series) {
    out << "$" << prefix << index++ << " << EOD\n";
    for (const BenchRecord* r : points) out << r->batch << " " << value(*r) << "\n";
    out << "EOD\n";
    names.push_back(name);
  }
  return out.str();
}

std::string plot_command(const std::string& prefix, const std::vector<std::string>& names) {
  std::ostringstream out;
  out << "plot ";
  for (std::size_t k = 0; k < names.size(); ++k) {
    out << (k ? ", \\\n     " : "") << "$" << prefix << k << " using 1:2 with linespoints lw 2 pt "
        << 5 + static_cast<int>(k) << " title '" << names[k] << "'";
  }
  return out.str() + "\n";
}

double samples_per_s(const BenchRecord& r) {
  return r.samples_per_s;
}
double seconds_to_target(const BenchRecord& r) {
  return r.target_reached ? r.seconds_to_target : 0;
}
}  // namespace

std::string gnuplot_script(const std::vector<BenchRecord>& records, const std::string& title) {
  std::vector<std::string> throughput_names;
  std::vector<std::string> target_names;
  std::ostringstream gp;
  gp << "# Made by carry bench; render with: gnuplot plots.gp (in this folder)\n"
     << data_blocks(records, "throughput", samples_per_s, throughput_names)
     << data_blocks(records, "target", seconds_to_target, target_names)
     << "set terminal pngcairo size 1000,640 font 'sans,11' noenhanced\n"
     << "set logscale xy\nset grid xtics ytics mxtics mytics lc rgb '#dddddd'\n"
     << "set key top left box opaque\nset format x '2^{%L}'\nset xtics 4\n"
     << "set format x '%.0f'\n"
     << "set xlabel 'batch size (problems per step)'\n";
  if (!throughput_names.empty()) {
    gp << "set output 'throughput.png'\n"
       << "set title 'Training throughput: " << title << "'\n"
       << "set ylabel 'samples per second'\nset format y '%.0e'\n"
       << plot_command("throughput", throughput_names);
  }
  if (!target_names.empty()) {
    gp << "set output 'time_to_accuracy.png'\n"
       << "set title 'Training time to 100% exact match on all 8-bit sums: " << title << "'\n"
       << "set ylabel 'seconds of training (evaluation excluded)'\nset format y '%g'\n"
       << plot_command("target", target_names);
  }
  return gp.str();
}

std::string render_plots(const std::string& folder, const std::vector<BenchRecord>& records,
                         const std::string& title) {
  return render_gnuplot(folder, gnuplot_script(records, title));
}

std::string render_gnuplot(const std::string& folder, const std::string& script) {
  write_file_atomically(folder + "/plots.gp", script);
  // The folder in single quotes, each of its own quotes written as '\'' (close, escaped, reopen).
  std::string quoted = "'";
  for (const char c : folder) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  const std::string command = "cd " + quoted + "' && gnuplot plots.gp 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "cannot run gnuplot";
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = ::pclose(pipe);
  if (status != 0) return output.empty() ? "gnuplot failed (is gnuplot-nox installed?)" : output;
  return "";
}

}  // namespace carry
