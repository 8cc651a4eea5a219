// add_command.cpp: `carry add A B --checkpoint PATH`, one sum worked by the network, bit by bit.
#include <algorithm>
#include <cstdio>
#include <memory>

#include "carry/checkpoint.hpp"
#include "carry/config.hpp"
#include "carry/errors.hpp"
#include "carry/reference.hpp"
#include "cli_support.hpp"
#include "commands.hpp"
#include "strict_numbers.hpp"

namespace carry::cli {

namespace {

struct AddOptions {
  std::string a_text;
  std::string b_text;
  std::string checkpoint_path;
  int bits = 0;  // 0: the training length, or more when the operands need it
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
  const std::uint64_t largest = operand_limit(kMaxEvalBits);
  AdditionProblem problem;
  problem.a = parse_operand(options.a_text, "A", largest);
  problem.b = parse_operand(options.b_text, "B", largest);
  const Checkpoint checkpoint = load_checkpoint(options.checkpoint_path);
  int bits = options.bits;
  if (bits == 0) {
    bits = std::max(checkpoint.bits, bit_width(std::max(problem.a, problem.b)) + 1);
  } else {
    check_bits(bits, kMaxEvalBits, "--bits");
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
  std::printf("(%d time steps, least significant bit first; trained on %d-bit problems)\n", bits,
              checkpoint.bits);
}

}  // namespace

void add_add_command(CLI::App& app) {
  auto options = std::make_shared<AddOptions>();
  CLI::App* add = app.add_subcommand("add", "Add two numbers with a trained network");
  add->add_option("A", options->a_text, "First operand")->required();
  add->add_option("B", options->b_text, "Second operand")->required();
  add->add_option("--checkpoint", options->checkpoint_path, "Checkpoint file (from train --save)")
      ->required();
  add->add_option("--bits", options->bits,
                  "Time steps to run, 2..62 (default: the training length, or more if needed)");
  require_decimal_integers(add, {"--bits"});
  add->callback([options] { run_add(*options); });
}

}  // namespace carry::cli
