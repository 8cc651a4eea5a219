// thread_pool.cpp: see thread_pool.hpp.
#include "carry/thread_pool.hpp"

#include <string>
#include <system_error>

#include "carry/errors.hpp"

namespace carry {

ThreadPool::ThreadPool(int threads) {
  for (int worker = 1; worker < threads; ++worker) {
    try {
      workers_.emplace_back(&ThreadPool::work, this, worker);
    } catch (const std::system_error& error) {
      // The workers already started must be stopped and joined: a joinable std::thread
      // destroyed with the vector would end the process.
      stop();
      // (No option named: not every command that trains has --threads.)
      throw ResourceError("cannot start thread " + std::to_string(worker + 1) + " of " +
                          std::to_string(threads) + " (" + error.code().message() +
                          "): the system's limit on threads or on address space was reached");
    }
  }
}

ThreadPool::~ThreadPool() {
  stop();
}

void ThreadPool::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  start_.notify_all();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

void ThreadPool::run(const std::function<void(int)>& task) {
  if (workers_.empty()) return task(0);  // nothing to wake or wait for
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task_ = &task;
    running_ = static_cast<int>(workers_.size());
    error_ = nullptr;
    ++generation_;
  }
  start_.notify_all();
  std::exception_ptr own_error;
  try {
    task(0);
  } catch (...) {
    own_error = std::current_exception();
  }
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return running_ == 0; });
  if (own_error) std::rethrow_exception(own_error);
  if (error_) std::rethrow_exception(error_);
}

void ThreadPool::work(int worker) {
  unsigned seen = 0;
  for (;;) {
    const std::function<void(int)>* task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      task = task_;
    }
    std::exception_ptr error;
    try {
      (*task)(worker);
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (error && !error_) error_ = error;
    if (--running_ == 0) done_.notify_one();
  }
}

}  // namespace carry
