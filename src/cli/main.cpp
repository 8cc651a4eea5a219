// main.cpp: the `carry` program. Subcommands: train, eval, add, verify, bench, sweep (see `carry
// --help` or `carry help COMMAND`), and the unlisted time-steps and time-launch. Every failure is
// one line on stderr and an exit status (exit_status.hpp); nothing escapes as a crash: an
// allocation that fails anywhere, even while the options are parsed, is one line and status 1. What
// a command wrote to standard output is checked before carry exits.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>

#include "carry/bench.hpp"
#include "carry/errors.hpp"
#include "carry/value_rules.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "failure_report.hpp"
#include "output.hpp"

namespace {
using carry::cli::kExitFailure;
using carry::cli::kExitUsage;

// One line, whatever the message holds: a value quoted in it may contain a line break.
int fail(const std::string& message, int status = kExitUsage) {
  std::fflush(stdout);
  std::cerr << "carry: error: " << carry::one_line(message) << std::endl;
  return status;
}

// CLI11's wording for an option given without a value, or twice, in carry's.
std::string tidy_parse_error(const std::string& what) {
  const std::size_t colon = what.find(": ");
  if (colon == std::string::npos) return what;
  const std::string option = what.substr(0, colon);
  // "--save: 1 required PATH missing"
  const std::string missing = " missing";
  if (what.find(" required ") != std::string::npos && what.size() > missing.size() &&
      what.compare(what.size() - missing.size(), missing.size(), missing) == 0) {
    return option + " needs a value";
  }
  if (what.find("At Most 1 required but received") != std::string::npos) {
    return option + " may be given once";
  }
  return what;
}

// What running out of memory in `command` suggests: only options the command has.
std::string out_of_memory_hint(const std::string& command) {
  for (const char* batched : {"train", "bench", "verify", "time-steps"}) {
    if (command == batched) return "out of memory (try a smaller --batch)";
  }
  return "out of memory";
}

const char* const kCommandList = "train, eval, add, verify, bench, sweep or help";

// `carry help` and `carry help COMMAND`: the same text as --help.
int print_help(CLI::App& app, int argc, char** argv) {
  if (argc == 2 || (argc == 3 && std::string(argv[2]) == "help")) {
    std::cout << app.help();
    return carry::cli::kExitSuccess;
  }
  if (argc > 3) return fail("help takes one command at most (try carry help train)");
  try {
    std::cout << app.get_subcommand(argv[2])->help(app.get_name());
  } catch (const CLI::OptionNotFound&) {
    return fail(std::string("unknown command '") + carry::shown(argv[2]) + "' (try " +
                kCommandList + ")");
  }
  return carry::cli::kExitSuccess;
}

int run(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  try {
    CLI::App app{"carry: train a recurrent network to add binary numbers, on the CPU or a GPU.",
                 "carry"};
    app.require_subcommand(1);
    app.fallthrough(false);
    app.set_version_flag("--version",
                         "carry " CARRY_VERSION " (commit " + carry::build_commit() + ")");
    app.footer("carry help COMMAND (or carry COMMAND --help) describes a command's options.");
    carry::cli::add_all_commands(app);

    if (command == "help") return print_help(app, argc, argv);
    if (argc > 1 && argv[1][0] != '-') {
      try {
        app.get_subcommand(argv[1]);
      } catch (const CLI::OptionNotFound&) {
        return fail("unknown command '" + carry::shown(command) + "' (try " + kCommandList + ")");
      }
    }
    try {
      app.parse(argc, argv);
    } catch (const CLI::Success& done) {  // --help, --version
      return app.exit(done);
    } catch (const CLI::RequiredError& error) {
      if (argc == 1) {
        std::cout << app.help();
        return kExitUsage;
      }
      if (app.get_subcommands().empty()) {  // options before any command: carry --frob
        return fail("a command comes first (" + std::string(kCommandList) + "), not '" +
                    carry::shown(argv[1]) + "'");
      }
      return fail(error.what());
    } catch (const CLI::ParseError& error) {
      return fail(tidy_parse_error(error.what()));
    }
  } catch (const carry::cli::CommandStatus& result) {
    return result.status;
  } catch (const carry::cli::ExitRequest& request) {
    return request.status();
  } catch (...) {
    return carry::cli::report_failure(std::current_exception(), std::cerr,
                                      out_of_memory_hint(command));
  }
  return carry::cli::kExitSuccess;
}
}  // namespace

int main(int argc, char** argv) {
  // A closed pipe (carry train | head -1) makes writes fail with EPIPE instead of killing
  // carry: training stops printing but still saves (output.hpp).
  std::signal(SIGPIPE, SIG_IGN);
  carry::cli::choose_marks_from_locale();
  const int status = run(argc, argv);
  try {
    carry::cli::check_standard_output();
  } catch (const carry::cli::OutputError& error) {
    // A command that already failed has said so in its one line; a lost output turns success
    // into failure.
    if (status == carry::cli::kExitSuccess) return fail(error.what(), kExitFailure);
  }
  return status;
}
