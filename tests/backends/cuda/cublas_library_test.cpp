// cublas_library_test.cpp: label `cpu`. The cuBLAS loader (src/backends/cuda/cublas_library.hpp)
// opens the toolkit's libcublas and resolves every function carry calls; none of this needs a GPU
// (only cublasCreate does, and it is not called here). CUDA builds only.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "carry/errors.hpp"
#include "cublas_library.hpp"

namespace {

using carry::cuda::cublas;
using carry::cuda::cublas_candidates;
using carry::cuda::CublasLibrary;
using carry::cuda::load_cublas;

TEST(CublasLibrary, CandidatesAreTheSonameThenTheToolkitsFileThenTheBareName) {
  const std::vector<std::string> candidates = cublas_candidates();
  ASSERT_EQ(candidates.size(), 3u);
  EXPECT_EQ(candidates[0].rfind("libcublas.so.", 0), 0u) << candidates[0];
  EXPECT_EQ(std::filesystem::path(candidates[1]).filename(), candidates[0]) << candidates[1];
  EXPECT_TRUE(std::filesystem::path(candidates[1]).is_absolute()) << candidates[1];
  EXPECT_EQ(candidates[2], "libcublas.so");
}

TEST(CublasLibrary, ResolvesEveryFunction) {
  // The toolkit carry was built with is the ground truth: where its libcublas is, loading must
  // work; only a machine that truly lacks it (a copied binary, a runtime without cuBLAS) skips.
  const std::string toolkit_file = cublas_candidates()[1];
  const CublasLibrary* library = nullptr;
  try {
    library = &cublas();
  } catch (const carry::UserError& error) {
    if (!std::filesystem::exists(toolkit_file)) {
      GTEST_SKIP() << "no libcublas here (" << toolkit_file << " is absent): " << error.what();
    }
    FAIL() << toolkit_file << " exists, yet: " << error.what();
  }
#define CARRY_EXPECT_RESOLVED(field, symbol) EXPECT_NE(library->field, nullptr) << #symbol;
  CARRY_CUBLAS_FUNCTIONS(CARRY_EXPECT_RESOLVED)
#undef CARRY_EXPECT_RESOLVED
  EXPECT_EQ(&cublas(), library) << "loaded twice";
  // libcublas needs libcublasLt; the loader found it without help (RUNPATH $ORIGIN, ld paths).
  const std::string lt_soname =
      "libcublasLt" + cublas_candidates()[0].substr(std::strlen("libcublas"));
  EXPECT_NE(::dlopen(lt_soname.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr) << lt_soname;
  // A call that needs no GPU: the library's own text for a status.
  EXPECT_STREQ(library->get_status_string(CUBLAS_STATUS_NOT_INITIALIZED),
               "the library was not initialized");
}

// The fallback for machines whose loader paths lack the toolkit: its file, by full path.
TEST(CublasLibrary, TheToolkitsFileLoadsByItsPath) {
  const std::string toolkit_file = cublas_candidates()[1];
  if (!std::filesystem::exists(toolkit_file)) GTEST_SKIP() << toolkit_file << " is absent";
  const CublasLibrary library = load_cublas({toolkit_file});
  EXPECT_NE(library.sgemm_64, nullptr);
  EXPECT_STREQ(library.get_status_string(CUBLAS_STATUS_SUCCESS), "success");
}

TEST(CublasLibrary, FailureNamesEveryCandidateAndWhy) {
  try {
    load_cublas({"libcarry_no_such_cublas.so.1", "/nonexistent/libcublas.so"});
    FAIL() << "loaded a library that does not exist";
  } catch (const carry::UserError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind("--backend cuda: cannot load cuBLAS, tried ", 0), 0u) << message;
    EXPECT_NE(message.find("libcarry_no_such_cublas.so.1 (libcarry_no_such_cublas.so.1: cannot "
                           "open shared object file"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("; /nonexistent/libcublas.so (/nonexistent/libcublas.so: cannot open"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
  }
}

TEST(CublasLibrary, ALibraryWithoutCublasIsRefusedNamingTheMissingSymbol) {
  // libc loads, but exports no cuBLAS.
  try {
    load_cublas({"libc.so.6"});
    FAIL() << "took libc for cuBLAS";
  } catch (const carry::UserError& error) {
    EXPECT_NE(std::string(error.what()).find("libc.so.6 ("), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("cublasCreate_v2"), std::string::npos) << error.what();
  }
}

}  // namespace
