// multi_run_gpu_none.cpp: the multi-run engine of builds without CUDA: it explains why it cannot
// run (the engine's core, multi_run_engine.cpp, is built everywhere and tested on the CPU).
#include "carry/errors.hpp"
#include "carry/multi_run_engine.hpp"

namespace carry::multi_run {

Totals train_runs_on_gpu(const std::vector<TrainConfig>&, const Options&, const RunFinished&,
                         const std::function<bool()>&) {
  throw UserError(
      "--backend cuda: this carry was built without CUDA (configured without nvcc, or with "
      "-DCARRY_ENABLE_CUDA=OFF)");
}

}  // namespace carry::multi_run
