// add_command.cpp: `carry add A B --checkpoint PATH`, one sum worked by the network, bit by bit.
// Exit status 0 when the network's answer is right, 1 when it is wrong.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "carry/checkpoint.hpp"
#include "carry/config.hpp"
#include "carry/errors.hpp"
#include "carry/reference.hpp"
#include "cli_support.hpp"
#include "commands.hpp"
#include "exit_status.hpp"
#include "typed_options.hpp"

namespace carry::cli {

namespace {

struct AddOptions {
  std::int64_t a = 0;
  std::int64_t b = 0;
  std::string checkpoint_path;
  int bits = 0;  // when --bits is not given: the training length, or more if the operands need it
  CLI::Option* bits_option = nullptr;
};

int bit_width(std::uint64_t value) {
  int width = 0;
  while (value != 0) {
    ++width;
    value >>= 1;
  }
  return width;
}

void run_add(const AddOptions& options) {
  AdditionProblem problem;
  problem.a = static_cast<std::uint64_t>(options.a);
  problem.b = static_cast<std::uint64_t>(options.b);
  const Checkpoint checkpoint = load_checkpoint(options.checkpoint_path);
  int bits = options.bits;
  if (options.bits_option->count() == 0) {
    bits = std::max(checkpoint.bits, bit_width(std::max(problem.a, problem.b)) + 1);
  } else {
    if (std::max(problem.a, problem.b) >= operand_limit(bits)) {
      throw UserError("with --bits " + std::to_string(bits) + " the operands must be below " +
                      std::to_string(operand_limit(bits)));
    }
  }
  SequenceTrace trace;
  reference_forward(checkpoint.params, problem, bits, trace);
  const std::uint64_t prediction = predicted_sum(trace);
  std::printf("%s\n", format_example(problem, prediction).c_str());
  std::printf("  a           %s\n", format_bits(problem.a, bits).c_str());
  std::printf("  b           %s\n", format_bits(problem.b, bits).c_str());
  std::printf("  network     %s\n", format_bits(prediction, bits).c_str());
  std::printf("  true sum    %s\n", format_bits(problem.sum(), bits).c_str());
  std::printf(
      "(%d time steps; bits shown most significant first, as numbers are written, and worked "
      "by the network from the right; trained on %d-bit problems)\n",
      bits, checkpoint.bits);
  // A wrong answer is the network's, not carry's, but a script must be able to tell.
  if (prediction != problem.sum()) throw CommandStatus{kExitFailure};
}

}  // namespace

void add_add_command(CLI::App& app) {
  auto options = std::make_shared<AddOptions>();
  CLI::App* add = app.add_subcommand("add", "Add two numbers with a trained network");
  const IntegerRange operand{0, static_cast<std::int64_t>(operand_limit(kMaxEvalBits) - 1)};
  add_integer(add, "A", options->a, operand, "First operand")->required()->default_str("");
  add_integer(add, "B", options->b, operand, "Second operand")->required()->default_str("");
  add_path(add, "--checkpoint", options->checkpoint_path, "Checkpoint file (from train --save)")
      ->required();
  options->bits_option =
      add_integer(add, "--bits", options->bits, {kMinBits, kMaxEvalBits},
                  "Time steps to run (default: the training length, or more if the operands "
                  "need it)");
  options->bits_option->default_str("");
  add->callback([options] { run_add(*options); });
}

}  // namespace carry::cli
