// SPDX-License-Identifier: MIT
#pragma once
// SHA-256 through OpenSSL's EVP interface (libssl-dev), as lowercase hex.
#include <cstdint>
#include <span>
#include <string>

namespace mlp {

std::string sha256_hex(std::span<const std::uint8_t> bytes);

}  // namespace mlp
