// config.cpp: see config.hpp.
#include "carry/config.hpp"

#include <cmath>
#include <cstdio>
#include <string>

#include "carry/errors.hpp"
#include "carry/parameters.hpp"
#include "carry/problem.hpp"

namespace carry {

namespace {
[[noreturn]] void reject(const std::string& option, const std::string& requirement,
                         const std::string& got) {
  throw UserError(option + " must be " + requirement + " (got " + got + ")");
}
std::string number_text(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}
}  // namespace

void check_bits(int bits, int max_bits, const char* option) {
  if (bits < kMinBits || bits > max_bits) {
    reject(option, "between " + std::to_string(kMinBits) + " and " + std::to_string(max_bits),
           std::to_string(bits));
  }
}

void check_hidden(int hidden) {
  if (hidden < 1 || hidden > kMaxHidden) {
    reject("--hidden", "between 1 and " + std::to_string(kMaxHidden), std::to_string(hidden));
  }
}

void validate(const TrainConfig& config) {
  check_bits(config.bits, kMaxTrainBits, "--bits");
  check_hidden(config.hidden);
  if (config.batch < 1 || config.batch > kMaxBatch) {
    reject("--batch", "between 1 and " + std::to_string(kMaxBatch), std::to_string(config.batch));
  }
  if (!(config.lr > 0.0) || !std::isfinite(config.lr)) {
    reject("--lr", "a finite number above 0", number_text(config.lr));
  }
  if (config.steps < 0) reject("--steps", "0 or more", std::to_string(config.steps));
  if (config.seed < 0 || config.seed > kMaxSeed) {
    reject("--seed", "between 0 and " + std::to_string(kMaxSeed), std::to_string(config.seed));
  }
  if (config.threads < 0 || config.threads > kMaxThreads) {
    reject("--threads", "between 0 (all cores) and " + std::to_string(kMaxThreads),
           std::to_string(config.threads));
  }
  if (config.report_every < 1) {
    reject("--report-every", "at least 1", std::to_string(config.report_every));
  }
  {
    const double target = config.until_accuracy;
    if (!(target >= 0.0 && target <= 1.0)) {
      reject("--until-accuracy", "between 0 (off) and 1", number_text(target));
    }
  }
}

}  // namespace carry
