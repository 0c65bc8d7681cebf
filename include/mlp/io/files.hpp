// SPDX-License-Identifier: MIT
#pragma once
// Writing files so that nothing already on disk is lost: write_file_atomic writes a temporary file
// beside the target, fsyncs it, renames it over the target and fsyncs the directory. A crash leaves
// either the old file or the new one, never a torn one; the temporary file ("<path>.tmp.<pid>")
// such a crash leaves behind is removed by the next successful write of the same path.
#include <cstdint>
#include <span>
#include <string>

namespace mlp {

/// Throws mlp::Error naming the path and the system's reason (disk full, read-only, ...); the
/// temporary file is removed on failure and the target is untouched.
void write_file_atomic(const std::string& path, std::span<const std::uint8_t> bytes);

}  // namespace mlp
