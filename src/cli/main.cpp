// main.cpp: the `carry` program. Subcommands: train, eval, add (see `carry --help`).
// Every failure is one line on stderr and an exit status (exit_status.hpp); nothing escapes as
// a crash.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <iostream>
#include <new>

#include "carry/divergence.hpp"
#include "carry/errors.hpp"
#include "cli/commands.hpp"
#include "cli/exit_status.hpp"

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
  carry::cli::add_time_sweep_command(app);

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
  } catch (const carry::UserError& error) {
    return fail(error.what());
  } catch (const carry::DivergenceError& error) {
    return fail(error.what(), carry::cli::kExitDiverged);
  } catch (const carry::cli::ExitRequest& request) {
    return request.status();
  } catch (const std::bad_alloc&) {
    return fail("out of memory (try a smaller --batch)", carry::cli::kExitFailure);
  } catch (const std::exception& error) {
    return fail(std::string("internal error: ") + error.what(), carry::cli::kExitFailure);
  }
  return carry::cli::kExitSuccess;
}
