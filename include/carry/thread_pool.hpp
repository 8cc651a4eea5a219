// thread_pool.hpp: a fixed set of worker threads that run one parallel task at a time.
// The caller's thread takes part as worker 0, so a pool of 1 runs everything inline.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace carry {

class ThreadPool {
 public:
  // Starts threads - 1 workers; throws ResourceError when the system will not start one.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  // Runs task(w) for w = 0 .. size()-1, one per thread; returns when all are done. The first
  // exception thrown by any of them is rethrown here.
  void run(const std::function<void(int worker)>& task);

 private:
  void work(int worker);
  // Tells the workers to leave and joins them.
  void stop();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_;
  std::condition_variable done_;
  const std::function<void(int)>* task_ = nullptr;
  unsigned generation_ = 0;
  int running_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
};

}  // namespace carry
