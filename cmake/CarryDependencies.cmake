# CarryDependencies.cmake: CLI11 and nlohmann_json, from the installed packages when found,
# otherwise from headers carried in CARRY_VENDOR_DIR (scripts/vendor-deps.sh copies them there on
# a machine that has them), so that carry also builds where nothing can be installed, such as a
# GPU machine without network access. GoogleTest: cmake/CarryGTest.cmake.
set(CARRY_VENDOR_DIR "${PROJECT_SOURCE_DIR}/.vendor" CACHE PATH
    "Carried third-party sources (include/CLI, include/nlohmann, googletest)")

find_package(CLI11 CONFIG QUIET)
if(NOT TARGET CLI11::CLI11)
  if(NOT EXISTS "${CARRY_VENDOR_DIR}/include/CLI/CLI.hpp")
    message(FATAL_ERROR "CLI11 not found: install libcli11-dev (scripts/install-deps.sh), or "
                        "copy its headers with scripts/vendor-deps.sh")
  endif()
  add_library(CLI11::CLI11 INTERFACE IMPORTED)
  target_include_directories(CLI11::CLI11 INTERFACE "${CARRY_VENDOR_DIR}/include")
  message(STATUS "carry: CLI11 from ${CARRY_VENDOR_DIR}")
endif()

find_package(nlohmann_json 3 QUIET)
if(NOT TARGET nlohmann_json::nlohmann_json)
  if(NOT EXISTS "${CARRY_VENDOR_DIR}/include/nlohmann/json.hpp")
    message(FATAL_ERROR "nlohmann_json not found: install nlohmann-json3-dev "
                        "(scripts/install-deps.sh), or copy its headers with scripts/vendor-deps.sh")
  endif()
  add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED)
  target_include_directories(nlohmann_json::nlohmann_json INTERFACE "${CARRY_VENDOR_DIR}/include")
  message(STATUS "carry: nlohmann_json from ${CARRY_VENDOR_DIR}")
endif()
