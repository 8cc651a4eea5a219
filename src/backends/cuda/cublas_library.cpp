// cublas_library.cpp: see cublas_library.hpp. CARRY_CUBLAS_SONAME and CARRY_CUBLAS_LIBRARY_DIR
// come from CMake (CUDAToolkit_VERSION_MAJOR, CUDAToolkit_LIBRARY_DIR).
#include "cublas_library.hpp"

#include <dlfcn.h>

#include "carry/errors.hpp"

namespace carry::cuda {

namespace {

// dlerror()'s text, or `fallback` when it has none.
std::string loader_error(const char* fallback) {
  const char* text = ::dlerror();
  return text != nullptr ? text : fallback;
}

// Fills `table` from the open `library`; the first symbol it lacks, or "" when none.
std::string resolve(void* library, CublasLibrary& table) {
  // POSIX guarantees that dlsym's void* converts to a function pointer.
#define CARRY_CUBLAS_RESOLVE(field, symbol)                                         \
  table.field = reinterpret_cast<decltype(table.field)>(::dlsym(library, #symbol)); \
  if (table.field == nullptr) return loader_error("undefined symbol: " #symbol);
  CARRY_CUBLAS_FUNCTIONS(CARRY_CUBLAS_RESOLVE)
#undef CARRY_CUBLAS_RESOLVE
  return "";
}

}  // namespace

std::vector<std::string> cublas_candidates() {
  return {CARRY_CUBLAS_SONAME, std::string(CARRY_CUBLAS_LIBRARY_DIR) + "/" + CARRY_CUBLAS_SONAME,
          "libcublas.so"};
}

CublasLibrary load_cublas(const std::vector<std::string>& candidates) {
  std::string tried;
  for (const std::string& candidate : candidates) {
    // RTLD_NOW: a libcublasLt that lacks a function libcublas needs fails here, not in a GEMM.
    void* library = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    std::string why;
    if (library == nullptr) {
      why = loader_error("dlopen failed");
    } else {
      CublasLibrary table;
      why = resolve(library, table);
      if (why.empty()) return table;  // never closed: handles may outlive any owner of ours
      ::dlclose(library);
    }
    tried += (tried.empty() ? "" : "; ") + candidate + " (" + why + ")";
  }
  throw UserError("--backend cuda: cannot load cuBLAS, tried " +
                  (tried.empty() ? std::string("nothing") : tried));
}

const CublasLibrary& cublas() {
  // A static's initialiser runs once, under a lock; if it throws, the next call runs it again.
  static const CublasLibrary library = load_cublas(cublas_candidates());
  return library;
}

}  // namespace carry::cuda
