// multi_run_gpu.cpp: train_runs_on_gpu, the multi-run engine (multi_run_engine.cpp) on the first
// GPU: each group of runs keeps its records in device memory (descriptors, states, runs x W
// weights) for all its launches; between launches only the states come back (96 bytes a run),
// and the weights when a run paused or ended. Runs the GPU has no kernel for go to the per-run
// cuda trainer.
#include <cuda_runtime_api.h>

#include <memory>
#include <string>
#include <vector>

#include "carry/cuda_backend.hpp"
#include "carry/errors.hpp"
#include "carry/gpu_probe.hpp"
#include "cuda_check.hpp"
#include "device_buffer.hpp"
#include "multi_run_device.hpp"
#include "multi_run_kernels.hpp"

namespace carry::multi_run {

namespace {

using cuda::DeviceArray;

// One group's records on the GPU; every call waits for the GPU (the engine needs each result).
class GpuDevice final : public Device {
 public:
  GpuDevice(int hidden, int bits, int threads) : hidden_(hidden), bits_(bits), threads_(threads) {
    cuda::prepare_multi_run(hidden);
    CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  }
  ~GpuDevice() override {
    cudaStreamSynchronize(stream_);
    cudaStreamDestroy(stream_);
  }
  GpuDevice(const GpuDevice&) = delete;
  GpuDevice& operator=(const GpuDevice&) = delete;

  void load(const std::vector<multi_run::RunDescriptor>& runs,
            const std::vector<multi_run::RunState>& states,
            const std::vector<float>& weights) override {
    runs_ = DeviceArray<multi_run::RunDescriptor>(runs.size());
    states_ = DeviceArray<multi_run::RunState>(states.size());
    weights_ = DeviceArray<float>(weights.size());
    active_ = DeviceArray<std::int32_t>(runs.size());
    copy_in(runs_.get(), runs);
    copy_in(states_.get(), states);
    copy_in(weights_.get(), weights);
    CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

  void advance(const std::vector<std::int32_t>& active, std::int64_t steps) override {
    copy_in(active_.get(), active);
    cuda::launch_multi_run(hidden_, static_cast<std::int64_t>(active.size()),
                           launch_over(runs_.get(), states_.get(), weights_.get(), active_.get(),
                                       steps, bits_, threads_),
                           stream_);
    CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

  void read_states(std::vector<multi_run::RunState>& states) override { copy_out(states, states_); }
  void read_weights(std::vector<float>& weights) override { copy_out(weights, weights_); }
  void write_states(const std::vector<multi_run::RunState>& states) override {
    copy_in(states_.get(), states);
    CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

 private:
  template <typename T>
  void copy_in(T* device, const std::vector<T>& host) {
    CUDA_CHECK(cudaMemcpyAsync(device, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice,
                               stream_));
  }
  template <typename T>
  void copy_out(std::vector<T>& host, const DeviceArray<T>& device) {
    host.resize(device.size());
    CUDA_CHECK(cudaMemcpyAsync(host.data(), device.get(), device.bytes(), cudaMemcpyDeviceToHost,
                               stream_));
    CUDA_CHECK(cudaStreamSynchronize(stream_));
  }

  int hidden_;
  int bits_;
  int threads_;
  cudaStream_t stream_ = nullptr;
  DeviceArray<multi_run::RunDescriptor> runs_;
  DeviceArray<multi_run::RunState> states_;
  DeviceArray<float> weights_;
  DeviceArray<std::int32_t> active_;
};

}  // namespace

Totals train_runs_on_gpu(const std::vector<TrainConfig>& runs, const Options& options,
                         const RunFinished& on_run_finished,
                         const std::function<bool()>& stop_requested) {
  const GpuStatus gpu = probe_gpu();
  if (!gpu.usable) throw UserError("--backend cuda: no usable GPU: " + gpu.description);
  const DeviceFactory make_device = [](int hidden, int bits, int threads) {
    return std::make_unique<GpuDevice>(hidden, bits, threads);
  };
  const RunAlone run_alone = [](TrainConfig run) {
    run.backend = "cuda";
    return train_run_alone(run, "cuda-per-run", [](const TrainConfig& c, const Parameters& p) {
      return std::unique_ptr<Trainer>(make_cuda_trainer(c, p));
    });
  };
  return train_runs(runs, options, make_device, run_alone, on_run_finished, stop_requested);
}

}  // namespace carry::multi_run
