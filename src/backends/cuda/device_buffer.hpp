// device_buffer.hpp: owning handles for device and pinned host memory. Host code only.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <utility>

#include "cuda_check.hpp"

namespace carry::cuda {

// Where an OwnedArray's memory comes from: allocate throws DeviceError, release cannot fail
// usefully (it runs in destructors, where nothing can be done about an error while unwinding).
struct DeviceMemory {
  static void allocate(void** data, std::size_t bytes) { CUDA_CHECK(cudaMalloc(data, bytes)); }
  static void release(void* data) { cudaFree(data); }
};
// Page-locked host memory, which asynchronous copies and captured graphs need.
struct PinnedMemory {
  static void allocate(void** data, std::size_t bytes) {
    CUDA_CHECK(cudaHostAlloc(data, bytes, cudaHostAllocDefault));
  }
  static void release(void* data) { cudaFreeHost(data); }
};

// `count` elements of T from Memory::allocate, released on destruction. Move-only.
template <typename T, typename Memory>
class OwnedArray {
 public:
  OwnedArray() = default;
  explicit OwnedArray(std::size_t count) : count_(count) {
    if (count > 0) Memory::allocate(reinterpret_cast<void**>(&data_), count * sizeof(T));
  }
  ~OwnedArray() {
    if (data_ != nullptr) Memory::release(data_);
  }
  OwnedArray(OwnedArray&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), count_(std::exchange(other.count_, 0)) {}
  OwnedArray& operator=(OwnedArray&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(count_, other.count_);
    return *this;
  }
  OwnedArray(const OwnedArray&) = delete;
  OwnedArray& operator=(const OwnedArray&) = delete;

  T* get() const { return data_; }
  std::size_t size() const { return count_; }
  std::size_t bytes() const { return count_ * sizeof(T); }

 private:
  T* data_ = nullptr;
  std::size_t count_ = 0;
};

// `count` elements of T in device memory (cudaMalloc).
template <typename T>
using DeviceArray = OwnedArray<T, DeviceMemory>;
// `count` elements of T in page-locked host memory (cudaHostAlloc).
template <typename T>
using PinnedArray = OwnedArray<T, PinnedMemory>;

}  // namespace carry::cuda
