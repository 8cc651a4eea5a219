// philox.hpp: Philox-4x32-10, the counter-based generator behind every batch (Salmon et al.,
// "Parallel random numbers: as easy as 1, 2, 3", SC'11). A pure function of (counter, key), so
// the host, the CPU backends and CUDA kernels all draw identical numbers for identical inputs.
#pragma once

#include <cstdint>

#include "carry/host_device.hpp"

namespace carry {

struct PhiloxBlock {
  std::uint32_t word[4];
};

struct PhiloxKey {
  std::uint32_t word[2];
};

namespace philox_detail {
constexpr std::uint32_t kMultiplier0 = 0xD2511F53u;
constexpr std::uint32_t kMultiplier1 = 0xCD9E8D57u;
constexpr std::uint32_t kWeyl0 = 0x9E3779B9u;  // golden ratio
constexpr std::uint32_t kWeyl1 = 0xBB67AE85u;  // sqrt(3) - 1

CARRY_HOST_DEVICE inline PhiloxBlock round(PhiloxBlock c, PhiloxKey k) {
  const std::uint64_t product0 = std::uint64_t{kMultiplier0} * c.word[0];
  const std::uint64_t product1 = std::uint64_t{kMultiplier1} * c.word[2];
  const auto hi0 = static_cast<std::uint32_t>(product0 >> 32);
  const auto lo0 = static_cast<std::uint32_t>(product0);
  const auto hi1 = static_cast<std::uint32_t>(product1 >> 32);
  const auto lo1 = static_cast<std::uint32_t>(product1);
  return PhiloxBlock{{hi1 ^ c.word[1] ^ k.word[0], lo1, hi0 ^ c.word[3] ^ k.word[1], lo0}};
}
}  // namespace philox_detail

// Ten rounds; the key is bumped by the Weyl constants between rounds, as in Random123.
CARRY_HOST_DEVICE inline PhiloxBlock philox4x32_10(PhiloxBlock counter, PhiloxKey key) {
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {
      key.word[0] += philox_detail::kWeyl0;
      key.word[1] += philox_detail::kWeyl1;
    }
    counter = philox_detail::round(counter, key);
  }
  return counter;
}

}  // namespace carry
