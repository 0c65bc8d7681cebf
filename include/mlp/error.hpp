// SPDX-License-Identifier: MIT
#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mlp {

/// Where in a config an error is: the file and line (from the document's SourceMap), the dotted
/// path of the value ("model.layers[2].units") and, in parentheses after it, what the value is
/// ("Dense", or a layer's name "'dense_1'"). Printed in front of the message:
/// "config.toml:14: model.layers[2] (Dense): units must be positive, got 0".
struct ErrorLocation {
  std::string file;    ///< "" when the document is not a file a person wrote
  int line = 0;        ///< 0 when the path (and its parents) have no line
  std::string path;    ///< "" for the document as a whole ("the document")
  std::string detail;  ///< shown as " (detail)" after the path; may be empty

  /// "file:line: path (detail): "; "file: " without a line, nothing without a file.
  std::string prefix() const;
};

/// Every error the library reports: a message that names what is wrong (the layer, the argument,
/// the file) and, where one helps, what to do next. The library never prints or exits.
/// An error about a config value also carries its location, structured: what() is the location's
/// prefix followed by message().
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message), message_(message) {}
  explicit Error(const char* message) : Error(std::string(message)) {}
  Error(ErrorLocation location, const std::string& message);

  /// The message without the location ("units must be positive, got 0").
  const std::string& message() const { return message_; }
  /// Where in a config the error is; empty for errors that are not about a config value.
  const std::optional<ErrorLocation>& location() const { return location_; }

 private:
  std::string message_;
  std::optional<ErrorLocation> location_;
};

/// Rethrows `e` at `where`, unless it has a location already (an error from a value nested
/// inside names its own, more precise place). `message_prefix` goes in front of the message; with
/// a `where.detail`, a leading "detail: " of the message is dropped, so a constructor's
/// "Dense: units must be positive" becomes "model.layers[2] (Dense): units must be positive".
[[noreturn]] void rethrow_at(const Error& e, ErrorLocation where, std::string_view message_prefix = {});

}  // namespace mlp
