# CarryDependencies.cmake: CLI11 and nlohmann_json, from the installed packages when found,
# otherwise from headers carried in CARRY_VENDOR_DIR (scripts/vendor-deps.sh copies them there on
# a machine that has them), so that carry also builds where nothing can be installed, such as a
# GPU machine without network access. GoogleTest: cmake/CarryGTest.cmake.
set(CARRY_VENDOR_DIR "${PROJECT_SOURCE_DIR}/.vendor" CACHE PATH
    "Carried third-party sources (include/CLI, include/nlohmann, googletest)")

# carry_header_library(TARGET HEADER PACKAGE): TARGET from the installed packages when
# find_package made it, otherwise an imported target of the carried headers (HEADER, under
# CARRY_VENDOR_DIR/include); PACKAGE names the Debian package in the error when neither is there.
function(carry_header_library target header package)
  if(TARGET ${target})
    return()
  endif()
  if(NOT EXISTS "${CARRY_VENDOR_DIR}/include/${header}")
    message(FATAL_ERROR "${target} not found: install ${package} (scripts/install-deps.sh), or "
                        "copy its headers with scripts/vendor-deps.sh")
  endif()
  add_library(${target} INTERFACE IMPORTED GLOBAL)
  target_include_directories(${target} INTERFACE "${CARRY_VENDOR_DIR}/include")
  message(STATUS "carry: ${target} from ${CARRY_VENDOR_DIR}")
endfunction()

find_package(CLI11 CONFIG QUIET)
carry_header_library(CLI11::CLI11 CLI/CLI.hpp libcli11-dev)
find_package(nlohmann_json 3 QUIET)
carry_header_library(nlohmann_json::nlohmann_json nlohmann/json.hpp nlohmann-json3-dev)
