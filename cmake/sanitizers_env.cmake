# SPDX-License-Identifier: MIT
# Read by ctest, not by cmake: tests/CMakeLists.txt adds this file to TEST_INCLUDE_FILES when
# MLP_SANITIZE is ON, so every test ctest starts (the gtest cases, the CLI scripts and the mlp
# processes they spawn) inherits these sanitizer runtime options. Options already in the caller's
# environment come last and therefore win (the sanitizers let a later option override an earlier one).
#  ASan: leak checking on (the default on Linux, said explicitly); report stack use after return;
#        check the initialization order of globals across translation units.
#  UBSan: a stack trace with every report. Reports already abort (-fno-sanitize-recover=all).
set(ENV{ASAN_OPTIONS}
    "detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:$ENV{ASAN_OPTIONS}")
#  LSan: the suppressions of cmake/lsan.supp (third-party libraries only, each with its reason).
set(ENV{LSAN_OPTIONS} "suppressions=${CMAKE_CURRENT_LIST_DIR}/lsan.supp:$ENV{LSAN_OPTIONS}")
set(ENV{UBSAN_OPTIONS} "print_stacktrace=1:halt_on_error=1:$ENV{UBSAN_OPTIONS}")
