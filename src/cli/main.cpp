// main.cpp: the `carry` program. Subcommands (docs/cli.md): train, eval, add, bench, verify
// (listed by `carry --help`), and time-steps and time-launch (unlisted tools for scripts), each
// in its own *_command.cpp beside this file. Every failure is one line on stderr and an exit
// status (exit_status.hpp); nothing escapes as a crash.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <iostream>

#include "commands.hpp"
#include "exit_status.hpp"
#include "failure_report.hpp"

namespace {
using carry::cli::kExitUsage;

int fail(const std::string& message, int status = kExitUsage) {
  std::fflush(stdout);
  std::cerr << "carry: error: " << message << std::endl;
  return status;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"carry: train a recurrent network to add binary numbers, on the CPU or a GPU."};
  app.require_subcommand(1);
  app.fallthrough(false);
  carry::cli::add_train_command(app);
  carry::cli::add_eval_command(app);
  carry::cli::add_add_command(app);
  carry::cli::add_bench_command(app);
  carry::cli::add_verify_command(app);
  carry::cli::add_time_steps_command(app);
  carry::cli::add_time_launch_command(app);

  if (argc > 1 && argv[1][0] != '-') {
    try {
      app.get_subcommand(argv[1]);
    } catch (const CLI::OptionNotFound&) {
      return fail(std::string("unknown command '") + argv[1] +
                  "' (try train, eval, add, verify or bench)");
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const carry::cli::CommandStatus& result) {
    std::fflush(stdout);
    return result.status;
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::RequiredError& error) {
    if (argc == 1) {
      std::cout << app.help();
      return kExitUsage;
    }
    return fail(error.what());
  } catch (const CLI::ParseError& error) {
    return fail(error.what());
  } catch (const carry::cli::ExitRequest& request) {
    return request.status();
  } catch (...) {
    return carry::cli::report_failure(std::current_exception(), std::cerr);
  }
  return carry::cli::kExitSuccess;
}
