// SPDX-License-Identifier: MIT
#include "mlp/callbacks/model_checkpoint.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <ostream>

#include "mlp/checkpoint.hpp"
#include "mlp/error.hpp"
#include "mlp/io/safetensors.hpp"
#include "mlp/model_file.hpp"
#include "mlp/sequential.hpp"
#include "monitor.hpp"

namespace mlp {
namespace {

struct Spec {
  char fill = ' ';
  char align = 0;  // '<', '>', '^', '=' or 0 (numbers: right)
  char sign = '-';
  bool zero = false;
  std::size_t width = 0;
  std::optional<int> precision;
  char type = 0;
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Python's format-spec mini-language, the part that applies to numbers.
Spec parse_spec(const std::string& spec, const std::string& where) {
  Spec s;
  std::size_t pos = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (spec.size() >= 2 && is_align(spec[1])) {
    s.fill = spec[0];
    s.align = spec[1];
    pos = 2;
  } else if (!spec.empty() && is_align(spec[0])) {
    s.align = spec[0];
    pos = 1;
  }
  if (pos < spec.size() && (spec[pos] == '+' || spec[pos] == '-' || spec[pos] == ' ')) s.sign = spec[pos++];
  if (pos < spec.size() && spec[pos] == '0') {
    s.zero = true;
    ++pos;
  }
  while (pos < spec.size() && is_digit(spec[pos])) s.width = s.width * 10 + static_cast<std::size_t>(spec[pos++] - '0');
  if (pos < spec.size() && spec[pos] == '.') {
    ++pos;
    if (pos >= spec.size() || !is_digit(spec[pos])) {
      throw Error(where + ": format spec '" + spec + "' lacks a precision after '.'");
    }
    int p = 0;
    while (pos < spec.size() && is_digit(spec[pos])) p = p * 10 + (spec[pos++] - '0');
    s.precision = p;
  }
  if (pos < spec.size() && std::string_view("dfFeEgG%").find(spec[pos]) != std::string_view::npos) s.type = spec[pos++];
  if (pos != spec.size()) {
    throw Error(where + ": unsupported format spec '" + spec +
                "' (supported: [[fill]align][sign][0][width][.precision][type], type one of d f F e E g G %)");
  }
  return s;
}

std::string printf_number(double value, char type, int precision) {
  char fmt[16];
  std::snprintf(fmt, sizeof fmt, "%%.%d%c", precision, type);
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, value);
  return buf;
}

// One replacement field: an integer (epoch) or a float (a log value), formatted as Python would.
std::string format_value(const Spec& s, std::optional<long long> int_value, double value, const std::string& where) {
  const bool negative = int_value ? *int_value < 0 : std::signbit(value);
  const double magnitude = std::abs(value);
  std::string body;
  switch (s.type) {
    case 'd':
      if (!int_value) {
        throw Error(where + ": format code 'd' needs an integer, but a log value is a float; use .4f or g");
      }
      body = std::to_string(*int_value < 0 ? -*int_value : *int_value);
      break;
    case 0:
      if (int_value) {
        body = std::to_string(*int_value < 0 ? -*int_value : *int_value);
      } else if (s.precision) {
        body = printf_number(magnitude, 'g', *s.precision);
      } else {
        body = detail::python_float_repr(magnitude);
      }
      break;
    case '%': body = printf_number(magnitude * 100, 'f', s.precision.value_or(6)) + "%"; break;
    default:
      body = printf_number(int_value ? static_cast<double>(*int_value < 0 ? -*int_value : *int_value) : magnitude,
                           s.type, s.precision.value_or(6));
  }
  const std::string sign = negative ? "-" : s.sign == '+' ? "+" : s.sign == ' ' ? " " : "";
  char align = s.align;
  char fill = s.fill;
  if (align == 0 && s.zero) {
    align = '=';
    fill = '0';
  }
  if (align == 0) align = '>';
  const std::size_t len = sign.size() + body.size();
  if (s.width <= len) return sign + body;
  const std::size_t pad = s.width - len;
  switch (align) {
    case '<': return sign + body + std::string(pad, fill);
    case '^': return std::string(pad / 2, fill) + sign + body + std::string(pad - pad / 2, fill);
    case '=': return sign + std::string(pad, fill) + body;
    default: return std::string(pad, fill) + sign + body;
  }
}

}  // namespace

ModelCheckpoint::ModelCheckpoint(Options options) : options_(std::move(options)) {
  if (options_.filepath.empty()) throw Error("ModelCheckpoint: filepath is empty");
  options_.mode = detail::checked_mode("ModelCheckpoint", options_.mode, options_.out);
}

std::string ModelCheckpoint::format_filepath(int epoch, const Logs& logs) const {
  const std::string& t = options_.filepath;
  const std::string where = "ModelCheckpoint: filepath \"" + t + "\"";
  std::string out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '}') {
      if (i + 1 < t.size() && t[i + 1] == '}') {
        out += '}';
        ++i;
        continue;
      }
      throw Error(where + ": single '}' (write '}}' for a literal brace)");
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < t.size() && t[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    const std::size_t close = t.find('}', i + 1);
    if (close == std::string::npos) throw Error(where + ": '{' without a closing '}'");
    const std::string field = t.substr(i + 1, close - i - 1);
    const std::size_t colon = field.find(':');
    const std::string name = field.substr(0, colon);
    const std::string spec = colon == std::string::npos ? "" : field.substr(colon + 1);
    const std::string field_where = where + ", field '{" + field + "}'";
    if (name.empty() || name.find_first_of("!.[{") != std::string::npos) {
      throw Error(field_where + ": a field must name 'epoch' or a log key");
    }
    const Spec s = parse_spec(spec, field_where);
    if (name == "epoch") {
      out += format_value(s, static_cast<long long>(epoch) + 1, 0, field_where);
    } else if (const auto it = logs.find(name); it != logs.end()) {
      out += format_value(s, std::nullopt, it->second, field_where);
    } else {
      throw Error(field_where + ": '" + name +
                  "' is neither 'epoch' nor a key of the logs (available: " + detail::joined_keys(logs) + ")");
    }
    i = close;
  }
  return out;
}

bool ModelCheckpoint::should_save(int epoch, const Logs& logs, const std::string& path) {
  std::ostream* out = options_.verbose > 0 ? options_.out : nullptr;
  if (!options_.save_best_only) {
    if (out != nullptr) *out << "Epoch " << epoch + 1 << ": saving model to " << path << "\n";
    return true;
  }
  const auto it = logs.find(options_.monitor);
  if (it == logs.end()) {
    if (options_.out != nullptr) {
      *options_.out << "Warning: Can save best model only with " << options_.monitor << " available.\n";
    }
    return true;
  }
  const double current = it->second;
  char best_text[64];
  std::snprintf(best_text, sizeof best_text, "%.5f", *best_);
  const bool improved = *maximize_ ? current > *best_ : current < *best_;
  if (improved) {
    if (out != nullptr) {
      char current_text[64];
      std::snprintf(current_text, sizeof current_text, "%.5f", current);
      *out << "Epoch " << epoch + 1 << ": " << options_.monitor << " improved from " << best_text << " to "
           << current_text << ", saving model to " << path << "\n";
    }
    best_ = current;
    return true;
  }
  if (out != nullptr) {
    *out << "Epoch " << epoch + 1 << ": " << options_.monitor << " did not improve from " << best_text << "\n";
  }
  return false;
}

void ModelCheckpoint::on_epoch_end(TrainContext& ctx) {
  if (!maximize_) {
    maximize_ = detail::monitor_maximizes("ModelCheckpoint", options_.monitor, options_.mode, ctx.model);
    if (!best_) {
      best_ = options_.initial_value_threshold.value_or(*maximize_ ? -std::numeric_limits<double>::infinity()
                                                                   : std::numeric_limits<double>::infinity());
    }
  }
  const std::string path = format_filepath(ctx.epoch, ctx.logs);
  if (!should_save(ctx.epoch, ctx.logs, path)) return;
  if (ctx.model == nullptr) throw Error("ModelCheckpoint: needs ctx.model");
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw Error("ModelCheckpoint: cannot create the directory '" + parent.string() + "': " + ec.message());
  }
  save_model(path, *ctx.model, options_.extra);
  if (options_.save_weights_only) {
    // Same file without the compile settings; the rewrite is atomic too.
    TensorFile file = read_safetensors(path);
    file.metadata.erase("compile");
    write_safetensors(path, file);
  }
  last_saved_ = path;
  if (options_.verbose > 0 && options_.out != nullptr) {
    *options_.out << "Epoch " << ctx.epoch + 1 << ": finished saving model to " << path << "\n";
  }
}

void ModelCheckpoint::save_state(CallbackState& state) const {
  state.kind = "ModelCheckpoint";
  state.values = {{"best", best_ ? encode_double(*best_) : nlohmann::json()},
                  {"maximize", maximize_ ? nlohmann::json(*maximize_) : nlohmann::json()},
                  {"last_saved", last_saved_}};
}

void ModelCheckpoint::load_state(const CallbackState& state) {
  if (state.kind != "ModelCheckpoint") throw Error("ModelCheckpoint: the saved state is a " + state.kind + "'s");
  try {
    const auto& v = state.values;
    std::optional<double> best;
    if (!v.at("best").is_null()) best = decode_double(v.at("best"), "ModelCheckpoint.best");
    std::optional<bool> maximize;
    if (!v.at("maximize").is_null()) maximize = v.at("maximize").get<bool>();
    last_saved_ = v.at("last_saved").get<std::string>();
    best_ = best;
    maximize_ = maximize;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("ModelCheckpoint: corrupt saved state: ") + e.what());
  }
}

}  // namespace mlp
