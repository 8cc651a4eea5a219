// carry_links_test.cpp: label `cpu`. The built `carry` executable must not need libcublas: a
// linked libcublas runs its static initialisers (tenths of a second) at every start, so the cuda
// backend opens it with dlopen instead (src/backends/cuda/cublas_library.hpp). Reads the DT_NEEDED
// entries of the ELF dynamic section itself, so no binutils are needed.
#include <elf.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// `T` at `offset` in `bytes` (memcpy: ELF fields need not be aligned in our buffer).
template <typename T>
T read_at(const std::string& bytes, std::uint64_t offset) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) {
    throw std::runtime_error("ELF structure beyond the end of the file");
  }
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof(T));
  return value;
}

// The DT_NEEDED entries (the sonames the loader opens before main) of the 64-bit ELF file at
// `path`, found through its section headers: SHT_DYNAMIC, whose sh_link is its string table.
std::vector<std::string> needed_libraries(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open " + path);
  const std::string bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  const auto header = read_at<Elf64_Ehdr>(bytes, 0);
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 || header.e_ident[EI_CLASS] != ELFCLASS64) {
    throw std::runtime_error(path + " is not a 64-bit ELF file");
  }
  auto section = [&](std::uint64_t index) {
    return read_at<Elf64_Shdr>(bytes, header.e_shoff + index * header.e_shentsize);
  };
  std::vector<std::string> needed;
  for (std::uint64_t s = 0; s < header.e_shnum; ++s) {
    const Elf64_Shdr dynamic = section(s);
    if (dynamic.sh_type != SHT_DYNAMIC) continue;
    const Elf64_Shdr strings = section(dynamic.sh_link);
    for (std::uint64_t at = 0; at + sizeof(Elf64_Dyn) <= dynamic.sh_size; at += sizeof(Elf64_Dyn)) {
      const auto entry = read_at<Elf64_Dyn>(bytes, dynamic.sh_offset + at);
      if (entry.d_tag == DT_NULL) break;
      if (entry.d_tag != DT_NEEDED) continue;
      const std::uint64_t name = strings.sh_offset + entry.d_un.d_val;
      if (name >= bytes.size()) throw std::runtime_error("DT_NEEDED name beyond the file");
      needed.emplace_back(bytes.c_str() + name);
    }
  }
  return needed;
}

bool needs_cublas(const std::vector<std::string>& needed) {
  return std::any_of(needed.begin(), needed.end(), [](const std::string& soname) {
    return soname.rfind("libcublas", 0) == 0;  // libcublas.so.N and libcublasLt.so.N
  });
}

bool contains(const std::vector<std::string>& needed, const std::string& prefix) {
  return std::any_of(needed.begin(), needed.end(),
                     [&](const std::string& soname) { return soname.rfind(prefix, 0) == 0; });
}

std::string listed(const std::vector<std::string>& needed) {
  std::string text;
  for (const std::string& soname : needed) text += soname + " ";
  return text;
}

TEST(CarryLinks, TheExecutableDoesNotNeedCublas) {
  const std::vector<std::string> needed = needed_libraries(CARRY_BINARY);
  // Evidence that the real dynamic section was read: every dynamic executable needs libc, and a
  // CUDA build's carry needs the CUDA runtime.
  ASSERT_TRUE(contains(needed, "libc.so")) << CARRY_BINARY << " needs: " << listed(needed);
#ifdef CARRY_HAVE_CUDA
  EXPECT_TRUE(contains(needed, "libcudart.so")) << CARRY_BINARY << " needs: " << listed(needed);
#endif
  EXPECT_FALSE(needs_cublas(needed)) << CARRY_BINARY << " needs: " << listed(needed);
}

#ifdef CARRY_HAVE_CUDA
// The check above would see a libcublas dependency: libcublas itself needs libcublasLt.
TEST(CarryLinks, TheCheckSeesCublasWhereItIsNeeded) {
  if (!std::filesystem::exists(CARRY_TOOLKIT_CUBLAS)) {
    GTEST_SKIP() << CARRY_TOOLKIT_CUBLAS << " is absent";
  }
  const std::vector<std::string> needed = needed_libraries(CARRY_TOOLKIT_CUBLAS);
  EXPECT_TRUE(needs_cublas(needed)) << CARRY_TOOLKIT_CUBLAS << " needs: " << listed(needed);
}
#endif

}  // namespace
