# CarryGTest.cmake: GoogleTest (GTest::gtest, GTest::gtest_main), installed when found, otherwise
# built from source: CARRY_VENDOR_DIR/googletest (scripts/vendor-deps.sh) or Debian's
# /usr/src/googletest. Machines that build carry without a GoogleTest package (a GPU machine
# without network access, say) need no install.
find_package(GTest QUIET)
if(NOT TARGET GTest::gtest OR NOT TARGET GTest::gtest_main)
  set(carry_gtest_source "")
  foreach(candidate "${CARRY_VENDOR_DIR}/googletest" /usr/src/googletest)
    if(EXISTS "${candidate}/googletest/CMakeLists.txt")
      set(carry_gtest_source "${candidate}")
      break()
    endif()
  endforeach()
  if(NOT carry_gtest_source)
    message(FATAL_ERROR "GoogleTest not found: install libgtest-dev (scripts/install-deps.sh), or "
                        "copy its sources with scripts/vendor-deps.sh")
  endif()
  set(BUILD_GMOCK OFF CACHE BOOL "" FORCE)
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  add_subdirectory("${carry_gtest_source}" "${CMAKE_BINARY_DIR}/googletest" EXCLUDE_FROM_ALL)
  if(NOT TARGET GTest::gtest)
    add_library(GTest::gtest ALIAS gtest)
    add_library(GTest::gtest_main ALIAS gtest_main)
  endif()
  message(STATUS "carry: GoogleTest built from ${carry_gtest_source}")
endif()
