// SPDX-License-Identifier: MIT
// Model::summary(): Keras 2's print_summary text, in its two layouts.
#include <sstream>

#include "mlp/model.hpp"

namespace mlp {
namespace {
std::string with_thousands(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Keras 2's print_row: each field is cut to its column end and the character before a column is
// a space.
std::string row(const std::vector<std::string>& fields, const std::vector<std::size_t>& positions) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line = line.substr(0, line.size() - 1) + ' ';
    line += fields[i];
    line = line.substr(0, positions[i]);
    line += std::string(positions[i] - line.size(), ' ');
  }
  return line + '\n';
}
}  // namespace

std::string Model::summary() const {
  // Keras 2 shows a graph as a plain table ("sequential-like": line 65, columns ending at 29, 55,
  // 65) when every layer reads at most one tensor and no tensor is read twice; otherwise with
  // the "Connected to" column (line 98, columns ending at 32, 53, 65, 98), one row per inbound
  // tensor written "<layer>[0][0]". A Sequential leaves its InputLayer out, a functional model
  // shows its inputs with the output shape in a list, "[(None, 5)]".
  std::vector<std::size_t> readers(layers_.size(), 0);
  bool chain = true;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (inbound_[i].size() > 1) chain = false;
    for (std::size_t from : inbound_[i]) {
      if (++readers[from] > 1) chain = false;
    }
  }
  if (functional_ && input_layers_.size() > 1) chain = false;
  const std::size_t line = chain ? 65 : 98;
  const std::vector<std::size_t> positions =
      chain ? std::vector<std::size_t>{29, 55, 65} : std::vector<std::size_t>{32, 53, 65, 98};
  std::vector<std::string> header = {"Layer (type)", "Output Shape", "Param #"};
  if (!chain) header.push_back("Connected to");

  std::ostringstream out;
  out << std::string(line, '_') << '\n' << row(header, positions) << std::string(line, '=') << '\n';
  std::vector<std::size_t> shown;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (functional_ || layers_[i]->kind() != "InputLayer") shown.push_back(i);
  }
  std::size_t trainable = 0, total = 0;
  for (std::size_t k = 0; k < shown.size(); ++k) {
    const std::size_t i = shown[k];
    auto* layer = const_cast<Layer*>(layers_[i].get());  // params() is non-const; nothing is modified
    const std::size_t count = layer->count_params();
    total += count;
    if (layer->trainable()) {
      for (const Param* p : layer->params()) trainable += p->value.size();
    }
    std::string shape = layer->built() ? format_shape(layer->output_shape()) : "multiple";
    if (functional_ && layer->kind() == "InputLayer") shape = "[" + shape + "]";
    std::vector<std::string> fields = {layer->name() + " (" + std::string(layer->kind()) + ")", shape,
                                       std::to_string(count)};
    if (!chain) {
      const auto& from = inbound_[i];
      fields.push_back(from.empty() ? std::string() : layers_[from[0]]->name() + "[0][0]");
      out << row(fields, positions);
      for (std::size_t s = 1; s < from.size(); ++s) {
        out << row({"", "", "", layers_[from[s]]->name() + "[0][0]"}, positions);
      }
    } else {
      out << row(fields, positions);
    }
    out << std::string(line, k + 1 == shown.size() ? '=' : '_') << '\n';
  }
  if (shown.empty()) out << std::string(line, '=') << '\n';
  out << "Total params: " << with_thousands(total) << '\n';
  out << "Trainable params: " << with_thousands(trainable) << '\n';
  out << "Non-trainable params: " << with_thousands(total - trainable) << '\n';
  out << std::string(line, '_') << '\n';
  return out.str();
}

}  // namespace mlp
