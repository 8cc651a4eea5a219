// worker_threads.cpp: see worker_threads.hpp.
#include "carry/worker_threads.hpp"

#include <exception>
#include <system_error>
#include <thread>
#include <vector>

namespace carry {

void run_on_threads(int count, const std::function<void(int worker)>& work) {
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(count > 0 ? count : 1));
  auto guarded = [&](int worker) {
    try {
      work(worker);
    } catch (...) {
      errors[static_cast<std::size_t>(worker)] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  std::vector<int> inline_workers;
  for (int worker = 1; worker < count; ++worker) {
    try {
      threads.emplace_back(guarded, worker);
    } catch (const std::system_error&) {
      inline_workers.push_back(worker);  // no thread for it: run it here below
    } catch (const std::bad_alloc&) {
      inline_workers.push_back(worker);
    }
  }
  guarded(0);
  for (const int worker : inline_workers) guarded(worker);
  for (std::thread& thread : threads) thread.join();
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

}  // namespace carry
