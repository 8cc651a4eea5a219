// eval_command.cpp: `carry eval CHECKPOINT [--bits T]`, the accuracy table of saved weights,
// also on longer problems than they were trained on (the same weights run for more steps).
#include <cstdio>
#include <memory>

#include "carry/checkpoint.hpp"
#include "carry/config.hpp"
#include "carry/evaluate.hpp"
#include "cli_support.hpp"
#include "commands.hpp"
#include "typed_options.hpp"

namespace carry::cli {

namespace {

struct EvalOptions {
  std::string checkpoint_path;
  int bits = 0;  // when --bits is not given, the checkpoint's own
  CLI::Option* bits_option = nullptr;
};

void print_evaluation(const Checkpoint& checkpoint, const std::string& path,
                      const Evaluation& evaluation) {
  const EvaluationSet& set = evaluation.set;
  std::printf("checkpoint    %s (%d hidden, trained on %d-bit problems for %lld steps)\n",
              path.c_str(), checkpoint.params.hidden, checkpoint.bits,
              static_cast<long long>(checkpoint.steps_done));
  const int operand_bits = set.bits - 1;
  if (set.exhaustive) {
    std::printf("evaluated on  all %llu pairs of operands below 2^%d (%d-bit sums, exhaustive)\n",
                static_cast<unsigned long long>(set.size), operand_bits, set.bits);
  } else {
    std::printf(
        "evaluated on  a fixed sample of %llu of the 2^%d pairs of operands below 2^%d "
        "(%d-bit sums)\n",
        static_cast<unsigned long long>(set.size), 2 * operand_bits, operand_bits, set.bits);
  }
  std::printf("exact match   %s (%llu of %llu)\n",
              format_percent(evaluation.exact_accuracy()).c_str(),
              static_cast<unsigned long long>(evaluation.exact_correct),
              static_cast<unsigned long long>(set.size));
  std::printf("bit accuracy  %s\n", format_percent(evaluation.bit_accuracy()).c_str());
  std::printf("per position (bit 0 = least significant)\n");
  for (int t = 0; t < set.bits; ++t) {
    std::printf("  bit %2d  %s%s\n", t, format_percent(evaluation.position_accuracy(t)).c_str(),
                t >= checkpoint.bits ? "  (beyond the training length)" : "");
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App* eval = app.add_subcommand("eval", "Accuracy of a saved checkpoint");
  add_path(eval, "checkpoint", options->checkpoint_path, "Checkpoint file (from train --save)")
      ->required();
  options->bits_option =
      add_integer(eval, "--bits", options->bits, {kMinBits, kMaxEvalBits},
                  "Problem length (default: the training length; longer tests generalisation)");
  options->bits_option->default_str("");
  eval->callback([options] {
    const Checkpoint checkpoint = load_checkpoint(options->checkpoint_path);
    const int bits = options->bits_option->count() > 0 ? options->bits : checkpoint.bits;
    print_evaluation(checkpoint, options->checkpoint_path, evaluate(checkpoint.params, bits));
  });
}

}  // namespace carry::cli
