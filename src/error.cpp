// SPDX-License-Identifier: MIT
#include "mlp/error.hpp"

#include <utility>

namespace mlp {

std::string ErrorLocation::prefix() const {
  std::string out = line > 0 ? file + ":" + std::to_string(line) + ": " : (file.empty() ? std::string() : file + ": ");
  out += path.empty() ? std::string("the document") : path;
  if (!detail.empty()) out += " (" + detail + ")";
  return out + ": ";
}

Error::Error(ErrorLocation location, const std::string& message)
    : std::runtime_error(location.prefix() + message), message_(message), location_(std::move(location)) {}

void rethrow_at(const Error& e, ErrorLocation where, std::string_view message_prefix) {
  if (e.location()) throw e;
  std::string message = e.message();
  if (!where.detail.empty() && message.starts_with(where.detail + ": ")) message.erase(0, where.detail.size() + 2);
  throw Error(std::move(where), std::string(message_prefix) + message);
}

}  // namespace mlp
