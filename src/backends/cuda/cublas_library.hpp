// cublas_library.hpp: cuBLAS, opened with dlopen the first time the cuda backend needs a handle.
// Linked, libcublas runs its static initialisers (tenths of a second, some 200 MB of memory) at
// every start of carry, `--help` and CPU runs included; loaded here, only runs that create a
// cuBLAS handle pay for it (README: measured figures).
// Host code only. The table's types come from cublas_v2.h (decltype), so they cannot drift from
// the library's declarations.
#pragma once

#include <cublas_v2.h>

#include <string>
#include <vector>

namespace carry::cuda {

// Every cuBLAS function carry calls: X(field, exported symbol). cublas_v2.h #defines the plain
// names to their _v2 symbols (cublasCreate -> cublasCreate_v2), so the list names what the
// library really exports.
#define CARRY_CUBLAS_FUNCTIONS(X)              \
  X(create, cublasCreate_v2)                   \
  X(destroy, cublasDestroy_v2)                 \
  X(set_stream, cublasSetStream_v2)            \
  X(set_math_mode, cublasSetMathMode)          \
  X(set_atomics_mode, cublasSetAtomicsMode)    \
  X(set_pointer_mode, cublasSetPointerMode_v2) \
  X(set_workspace, cublasSetWorkspace_v2)      \
  X(sgemm_64, cublasSgemm_v2_64)               \
  X(get_status_string, cublasGetStatusString)

struct CublasLibrary {
#define CARRY_CUBLAS_FIELD(field, symbol) decltype(&::symbol) field = nullptr;
  CARRY_CUBLAS_FUNCTIONS(CARRY_CUBLAS_FIELD)
#undef CARRY_CUBLAS_FIELD
};

// Where libcublas is looked for, in order: the soname of the toolkit carry was built with
// (libcublas.so.N, through the dynamic loader's usual search), that file in the toolkit's library
// folder as found at configure time, then plain libcublas.so. libcublasLt, which libcublas needs,
// is found through libcublas's own RUNPATH ($ORIGIN) and the usual search.
std::vector<std::string> cublas_candidates();

// Opens the first candidate that loads and has every function of CARRY_CUBLAS_FUNCTIONS. Throws
// UserError naming each candidate and why it failed (dlerror's text) when none does. The library
// stays loaded for the life of the process.
CublasLibrary load_cublas(const std::vector<std::string>& candidates);

// The process's cuBLAS, loaded from cublas_candidates() on the first call (thread-safe); later
// calls return the same table. Throws as load_cublas does; a later call then tries again.
const CublasLibrary& cublas();

}  // namespace carry::cuda
