# SPDX-License-Identifier: MIT
# MLP_SANITIZE=ON: AddressSanitizer + UndefinedBehaviorSanitizer (gcc) on every target of this
# project (both libraries, the generated protobuf code, the CLI, tests, examples, benchmarks), set
# before any target is declared. -fno-sanitize-recover=all makes every UBSan report fatal, so a
# finding fails its test instead of scrolling past. MLP_SANITIZE is also defined for the code, so
# that tests/test_allocations.cpp can leave its malloc replacement out (ASan owns malloc).
# The runtime options every test runs with are in cmake/sanitizers_env.cmake (docs/reliability.md).
option(MLP_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer (scripts/test --sanitize)" OFF)
if(MLP_SANITIZE)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "MLP_SANITIZE needs gcc or clang, not ${CMAKE_CXX_COMPILER_ID}")
  endif()
  set(MLP_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(${MLP_SANITIZE_FLAGS})
  add_link_options(${MLP_SANITIZE_FLAGS})
  add_compile_definitions(MLP_SANITIZE)
endif()
