// typed_options.cpp: see typed_options.hpp. Each option is a CLI11 option without a type of its
// own: its callback gets the text as given and reads it with value_rules.
#include "typed_options.hpp"

#include <climits>
#include <cstdio>
#include <functional>
#include <stdexcept>

namespace carry::cli {

namespace {

// One value, read by `read` from the text as given; shown in --help as `type` with `shown_default`.
CLI::Option* add_read(CLI::App* command, const std::string& name, const std::string& help,
                      const std::string& type, const std::string& shown_default,
                      std::function<void(const std::string&)> read) {
  CLI::Option* option = command->add_option(
      name,
      [read = std::move(read)](const CLI::results_t& results) {
        read(results.empty() ? std::string() : results.front());
        return true;
      },
      help);
  option->expected(1);
  option->type_name(type);
  if (!shown_default.empty()) option->default_str(shown_default);
  return option;
}

std::string real_text(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

std::string joined(const std::vector<std::string>& items, const char* separator) {
  std::string text;
  for (const std::string& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

}  // namespace

CLI::Option* add_integer(CLI::App* command, const std::string& name, std::int64_t& value,
                         IntegerRange range, const std::string& help) {
  return add_read(
      command, name, help, "INT", std::to_string(value),
      [&value, name, range](const std::string& text) { value = read_integer(text, name, range); });
}

CLI::Option* add_integer(CLI::App* command, const std::string& name, int& value, IntegerRange range,
                         const std::string& help) {
  if (range.low < INT_MIN || range.high > INT_MAX) {
    throw std::logic_error(name + ": the range of an int option must lie within int");
  }
  return add_read(command, name, help, "INT", std::to_string(value),
                  [&value, name, range](const std::string& text) {
                    value = static_cast<int>(read_integer(text, name, range));
                  });
}

CLI::Option* add_real(CLI::App* command, const std::string& name, double& value, RealRange range,
                      const std::string& help) {
  return add_read(
      command, name, help, "FLOAT", real_text(value),
      [&value, name, range](const std::string& text) { value = read_real(text, name, range); });
}

CLI::Option* add_choice(CLI::App* command, const std::string& name, std::string& value,
                        const std::vector<std::string>& choices, const std::string& help) {
  return add_read(command, name, help, joined(choices, "|"), value,
                  [&value, name, choices](const std::string& text) {
                    value = read_choice(text, name, choices);
                  });
}

CLI::Option* add_path(CLI::App* command, const std::string& name, std::string& value,
                      const std::string& help) {
  return add_read(command, name, help, "PATH", value,
                  [&value, name](const std::string& text) { value = read_path(text, name); });
}

CLI::Option* add_integer_list(CLI::App* command, const std::string& name,
                              std::vector<std::int64_t>& values, IntegerRange range,
                              const std::string& help) {
  std::vector<std::string> shown;
  for (const std::int64_t value : values) shown.push_back(std::to_string(value));
  return add_read(command, name, help, "INT,...", joined(shown, ","),
                  [&values, name, range](const std::string& text) {
                    values.clear();
                    for (const std::string& item : list_items(text, name)) {
                      values.push_back(read_integer(item, name, range));
                    }
                  });
}

CLI::Option* add_choice_list(CLI::App* command, const std::string& name,
                             std::vector<std::string>& values,
                             const std::vector<std::string>& choices, const std::string& help) {
  return add_read(command, name, help, joined(choices, "|") + ",...", joined(values, ","),
                  [&values, name, choices](const std::string& text) {
                    values.clear();
                    for (const std::string& item : list_items(text, name)) {
                      values.push_back(read_choice(item, name, choices));
                    }
                  });
}

}  // namespace carry::cli
