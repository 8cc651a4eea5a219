// checkpoint_fuzzer.cpp: libFuzzer target for the checkpoint loader, checkpoint_from_json.
//
// Any text must either load or be refused with UserError (never crash, hang or throw anything
// else), and what loads must be a checkpoint carry can use: finite weights of the stated shape,
// a config that passes validate_run() when resumed, and a round trip that is bit for bit.
//
//   cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCARRY_BUILD_FUZZERS=ON \
//         -DCARRY_ENABLE_CUDA=OFF -DCARRY_BUILD_TESTS=OFF && cmake --build build-fuzz
//   build-fuzz/fuzz/checkpoint_fuzzer -max_total_time=60 fuzz/corpus/checkpoint_fuzzer
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "carry/backends.hpp"
#include "carry/checkpoint.hpp"
#include "carry/errors.hpp"
#include "carry/resume.hpp"

namespace {

void require(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "checkpoint_fuzzer: %s\n", what);
  std::abort();
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

void check_usable(const carry::Checkpoint& checkpoint) {
  const carry::Parameters& p = checkpoint.params;
  const auto hidden = static_cast<std::size_t>(p.hidden);
  require(p.hidden >= 1 && p.hidden <= carry::kMaxHidden, "hidden out of range");
  require(p.w0.size() == carry::kInputs * hidden && p.wh.size() == hidden * hidden &&
              p.w1.size() == hidden,
          "weights do not have the stated shape");
  require(carry::all_finite(p), "non-finite weight accepted");

  const carry::Checkpoint copy =
      carry::checkpoint_from_json(carry::checkpoint_to_json(checkpoint), "round trip");
  require(copy.bits == checkpoint.bits && copy.batch == checkpoint.batch &&
              copy.seed == checkpoint.seed && copy.steps_done == checkpoint.steps_done &&
              copy.lr == checkpoint.lr && copy.backend == checkpoint.backend &&
              copy.seed_compat == checkpoint.seed_compat,
          "config changed in a round trip");
  require(same_bits(copy.params.w0, p.w0) && same_bits(copy.params.wh, p.wh) &&
              same_bits(copy.params.w1, p.w1),
          "weights changed in a round trip");

  carry::TrainConfig requested;
  requested.backend = "auto";
  try {
    carry::TrainConfig config = carry::config_to_resume(checkpoint, "fuzz", requested,
                                                        {"--backend"}, carry::available_backends());
    carry::validate_run(config);  // a loaded checkpoint must describe a valid run
  } catch (const carry::UserError& error) {
    // Only a --seed-compat checkpoint may be refused.
    require(checkpoint.seed_compat, error.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  carry::Checkpoint checkpoint;
  try {
    checkpoint = carry::checkpoint_from_json(text, "fuzz input");
  } catch (const carry::UserError&) {
    return 0;  // refused with a message: fine
  }
  check_usable(checkpoint);
  return 0;
}
