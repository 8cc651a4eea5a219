// worker_threads.hpp: a short parallel task on threads started for it, safely.
//
// Plain std::thread code has two ways to end the whole process: an exception escaping a thread's
// function calls std::terminate, and so does a std::thread destroyed while still joinable, as
// happens when starting the next one throws (the system's thread limit, or its address-space
// limit, ulimit -v, which every thread's stack counts against). These helpers catch both.
#pragma once

#include <functional>

namespace carry {

// Runs work(0) on the calling thread and work(1) .. work(count - 1) on threads of their own, and
// returns once all have finished. A worker whose thread cannot be started runs on the calling
// thread afterwards instead, so the outcome is the same, only slower. The first exception (in
// worker order) is rethrown here after every thread has been joined.
void run_on_threads(int count, const std::function<void(int worker)>& work);

}  // namespace carry
