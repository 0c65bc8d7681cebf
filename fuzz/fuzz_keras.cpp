// SPDX-License-Identifier: MIT
// libFuzzer target: mlp::fuzz::keras (fuzz_entries.hpp) on every input; fuzz/run.sh runs it.
#include "fuzz_entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return mlp::fuzz::run_one(mlp::fuzz::keras, data, size);
}
