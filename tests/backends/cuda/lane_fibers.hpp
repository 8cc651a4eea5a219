// lane_fibers.hpp: the threads of one GPU block run on one CPU thread, as fibers (POSIX
// ucontext) that take turns between barriers: every phase runs lane 0 to its next barrier (or
// its end), then lane 1, ..., which is one of the orders __syncthreads() allows. A kernel body
// written once with a barrier() call thus runs unchanged on the CPU, without a thread switch per
// lane and phase. Lanes that reach different numbers of barriers (a barrier under divergent
// control flow, a bug on a GPU) abort the test with a message. Fiber switches are announced to
// AddressSanitizer, so sanitized test builds follow the stacks. Test code only.
#pragma once

#include <ucontext.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define CARRY_ANNOTATE_FIBERS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CARRY_ANNOTATE_FIBERS 1
#endif
#endif
#if defined(CARRY_ANNOTATE_FIBERS)
#include <sanitizer/common_interface_defs.h>
#endif

namespace carry::testing {

class LaneFibers {
 public:
  using Body = std::function<void(int lane)>;

  LaneFibers(int lanes, std::size_t stack_bytes = std::size_t{256} << 10)
      : lanes_(static_cast<std::size_t>(lanes)), stack_bytes_(stack_bytes) {
    for (Lane& lane : lanes_) lane.stack.reset(new char[stack_bytes_]);
  }
  LaneFibers(const LaneFibers&) = delete;
  LaneFibers& operator=(const LaneFibers&) = delete;

  // Runs body(lane) on every lane, phase by phase, until every lane has returned.
  void run(const Body& body) {
    body_ = &body;
    for (std::size_t l = 0; l < lanes_.size(); ++l) {
      Lane& lane = lanes_[l];
      lane.done = false;
      lane.at_barrier = false;
      getcontext(&lane.context);
      lane.context.uc_stack.ss_sp = lane.stack.get();
      lane.context.uc_stack.ss_size = stack_bytes_;
      lane.context.uc_link = nullptr;  // lanes never return: finish() switches back
      const auto self = reinterpret_cast<std::uintptr_t>(this);
      makecontext(&lane.context, reinterpret_cast<void (*)()>(&LaneFibers::enter), 3,
                  static_cast<unsigned>(self >> 32), static_cast<unsigned>(self & 0xffffffffu),
                  static_cast<unsigned>(l));
    }
    while (true) {
      std::size_t done = 0;
      std::size_t waiting = 0;
      for (std::size_t l = 0; l < lanes_.size(); ++l) {
        if (lanes_[l].done) {
          ++done;
          continue;
        }
        switch_to(l);
        done += lanes_[l].done ? 1 : 0;
        waiting += lanes_[l].at_barrier ? 1 : 0;
        lanes_[l].at_barrier = false;
      }
      if (done == lanes_.size()) return;
      if (done > 0) {
        std::fprintf(stderr, "lane fibers: %zu lanes returned while %zu wait at a barrier\n", done,
                     waiting);
        std::abort();
      }
      ++barriers_;
    }
  }

  // Called by lane `lane` of the running body: waits for the other lanes.
  void barrier(int lane) {
    Lane& self = lanes_[static_cast<std::size_t>(lane)];
    self.at_barrier = true;
    switch_back(self, &self.fake_stack);
  }

  std::int64_t barriers() const { return barriers_; }

 private:
  struct Lane {
    ucontext_t context;
    std::unique_ptr<char[]> stack;
    bool done = false;
    bool at_barrier = false;
    void* fake_stack = nullptr;  // AddressSanitizer's, while the lane is switched out
  };

  static void enter(unsigned high, unsigned low, unsigned lane) {
    auto* fibers = reinterpret_cast<LaneFibers*>((std::uintptr_t{high} << 32) | low);
    fibers->arrived(nullptr);
    (*fibers->body_)(static_cast<int>(lane));
    Lane& self = fibers->lanes_[lane];
    self.done = true;
    fibers->switch_back(self, nullptr);  // never resumed
  }

  // Scheduler -> lane l, until it reaches a barrier or its end.
  void switch_to(std::size_t l) {
#if defined(CARRY_ANNOTATE_FIBERS)
    void* fake_stack = nullptr;
    __sanitizer_start_switch_fiber(&fake_stack, lanes_[l].stack.get(), stack_bytes_);
    swapcontext(&scheduler_, &lanes_[l].context);
    __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#else
    swapcontext(&scheduler_, &lanes_[l].context);
#endif
  }
  // Lane -> scheduler; `fake_stack` null when the lane will never run again.
  void switch_back(Lane& lane, void** fake_stack) {
#if defined(CARRY_ANNOTATE_FIBERS)
    __sanitizer_start_switch_fiber(fake_stack, scheduler_stack_, scheduler_stack_bytes_);
    swapcontext(&lane.context, &scheduler_);
    arrived(fake_stack == nullptr ? nullptr : *fake_stack);
#else
    (void)fake_stack;
    swapcontext(&lane.context, &scheduler_);
#endif
  }
  // On a lane, just switched to: tells AddressSanitizer, and learns the scheduler's stack.
  void arrived(void* fake_stack) {
#if defined(CARRY_ANNOTATE_FIBERS)
    __sanitizer_finish_switch_fiber(fake_stack, &scheduler_stack_, &scheduler_stack_bytes_);
#else
    (void)fake_stack;
#endif
  }

  std::vector<Lane> lanes_;
  std::size_t stack_bytes_;
  const Body* body_ = nullptr;
  ucontext_t scheduler_;
  const void* scheduler_stack_ = nullptr;
  std::size_t scheduler_stack_bytes_ = 0;
  std::int64_t barriers_ = 0;
};

}  // namespace carry::testing
