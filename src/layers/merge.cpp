// SPDX-License-Identifier: MIT
#include "mlp/layers/merge.hpp"

#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

#include "../registry/registry.hpp"
#include "mlp/config.hpp"
#include "mlp/error.hpp"

namespace mlp {

// ---- MergeLayer ----

std::string MergeLayer::who() const { return std::string(kind()) + " '" + name() + "'"; }

Shape MergeLayer::build(const Shape& input_shape, Rng& rng) {
  const Shape shapes[] = {input_shape};
  return build_inputs(shapes, rng);
}

Shape MergeLayer::build_inputs(std::span<const Shape> input_shapes, Rng& /*rng*/) {
  if (input_shapes.size() < 2) {
    throw Error(who() + " needs at least 2 inputs, got " + std::to_string(input_shapes.size()));
  }
  const Shape out = merged_shape(input_shapes);
  input_shapes_.assign(input_shapes.begin(), input_shapes.end());
  set_built(input_shapes[0], out);
  return out;
}

void MergeLayer::forward(ConstMatrixView, MatrixView, Mode) { throw Error(who() + " needs at least 2 inputs, got 1"); }

void MergeLayer::backward(ConstMatrixView, ConstMatrixView, ConstMatrixView, MatrixView) {
  throw Error(who() + " needs at least 2 inputs, got 1");
}

// ---- Concatenate ----

Concatenate::Concatenate() : Concatenate(Options{}) {}
Concatenate::Concatenate(Options options) : options_(options) {}

Shape Concatenate::merged_shape(std::span<const Shape> shapes) const {
  const std::size_t rank = shapes[0].size();
  const bool last_axis = options_.axis == -1 || (options_.axis > 0 && static_cast<std::size_t>(options_.axis) == rank);
  if (!last_axis) {
    throw Error(who() + ": only the last axis can be joined (axis=-1), got axis=" + std::to_string(options_.axis));
  }
  Shape out = shapes[0];
  for (std::size_t k = 1; k < shapes.size(); ++k) {
    const Shape& s = shapes[k];
    bool ok = s.size() == rank;
    for (std::size_t d = 0; ok && d + 1 < rank; ++d) ok = s[d] == shapes[0][d];
    if (!ok) {
      std::string list;
      for (const Shape& t : shapes) list += (list.empty() ? "" : ", ") + format_shape(t);
      throw Error(who() + ": inputs must match on every axis but the last, got " + list);
    }
    out.back() += s.back();
  }
  return out;
}

// A sample's features are stored flat (row-major over its shape), so joining the last axis
// interleaves: for each of the `outer` leading positions, each input's last-axis block in turn.
void Concatenate::forward_inputs(std::span<const ConstMatrixView> xs, MatrixView y, Mode /*mode*/) {
  const std::size_t outer = features(output_shape()) / output_shape().back();
  const std::size_t width = output_shape().back();
  for (std::size_t r = 0; r < y.rows(); ++r) {
    std::size_t offset = 0;
    for (std::size_t k = 0; k < xs.size(); ++k) {
      const std::size_t block = input_shapes()[k].back();
      const Scalar* in = xs[k].row(r);
      Scalar* out = y.row(r) + offset;
      for (std::size_t o = 0; o < outer; ++o) std::memcpy(out + o * width, in + o * block, block * sizeof(Scalar));
      offset += block;
    }
  }
}

void Concatenate::backward_inputs(std::span<const ConstMatrixView> xs, ConstMatrixView /*y*/, ConstMatrixView dy,
                                  std::span<const MatrixView> dxs) {
  const std::size_t outer = features(output_shape()) / output_shape().back();
  const std::size_t width = output_shape().back();
  std::size_t offset = 0;
  for (std::size_t k = 0; k < xs.size(); ++k) {
    const std::size_t block = input_shapes()[k].back();
    if (!dxs[k].empty()) {
      for (std::size_t r = 0; r < dy.rows(); ++r) {
        const Scalar* g = dy.row(r) + offset;
        Scalar* dx = dxs[k].row(r);
        for (std::size_t o = 0; o < outer; ++o) std::memcpy(dx + o * block, g + o * width, block * sizeof(Scalar));
      }
    }
    offset += block;
  }
}

nlohmann::json Concatenate::config() const { return {{"axis", options_.axis}}; }

// ---- Add, Average, Multiply ----

std::string_view ElementwiseMerge::kind() const {
  switch (op_) {
    case Op::kAdd: return "Add";
    case Op::kAverage: return "Average";
    case Op::kMultiply: return "Multiply";
  }
  return "Add";
}

Shape ElementwiseMerge::merged_shape(std::span<const Shape> shapes) const {
  for (const Shape& s : shapes) {
    if (s != shapes[0]) {
      std::string list;
      for (const Shape& t : shapes) list += (list.empty() ? "" : ", ") + format_shape(t);
      throw Error(who() + ": inputs must have the same shape, got " + list);
    }
  }
  return shapes[0];
}

void ElementwiseMerge::forward_inputs(std::span<const ConstMatrixView> xs, MatrixView y, Mode /*mode*/) {
  const std::size_t n = y.rows(), f = y.cols();
  const Scalar inv = Scalar(1) / static_cast<Scalar>(xs.size());
  for (std::size_t r = 0; r < n; ++r) {
    Scalar* out = y.row(r);
    std::memcpy(out, xs[0].row(r), f * sizeof(Scalar));
    for (std::size_t k = 1; k < xs.size(); ++k) {
      const Scalar* in = xs[k].row(r);
      if (op_ == Op::kMultiply) {
        for (std::size_t c = 0; c < f; ++c) out[c] *= in[c];
      } else {
        for (std::size_t c = 0; c < f; ++c) out[c] += in[c];
      }
    }
    if (op_ == Op::kAverage) {
      for (std::size_t c = 0; c < f; ++c) out[c] *= inv;
    }
  }
}

void ElementwiseMerge::backward_inputs(std::span<const ConstMatrixView> xs, ConstMatrixView /*y*/, ConstMatrixView dy,
                                       std::span<const MatrixView> dxs) {
  const std::size_t n = dy.rows(), f = dy.cols();
  const Scalar inv = Scalar(1) / static_cast<Scalar>(xs.size());
  for (std::size_t k = 0; k < xs.size(); ++k) {
    if (dxs[k].empty()) continue;
    for (std::size_t r = 0; r < n; ++r) {
      const Scalar* g = dy.row(r);
      Scalar* dx = dxs[k].row(r);
      if (op_ == Op::kAdd) {
        std::memcpy(dx, g, f * sizeof(Scalar));
      } else if (op_ == Op::kAverage) {
        for (std::size_t c = 0; c < f; ++c) dx[c] = g[c] * inv;
      } else {
        // The product of the other inputs, not y / x_k (x_k may be 0).
        std::memcpy(dx, g, f * sizeof(Scalar));
        for (std::size_t j = 0; j < xs.size(); ++j) {
          if (j == k) continue;
          const Scalar* other = xs[j].row(r);
          for (std::size_t c = 0; c < f; ++c) dx[c] *= other[c];
        }
      }
    }
  }
}

// ---- config reader (the table is src/registry/layers.cpp) ---------------------------------------

namespace {

std::unique_ptr<Layer> concatenate_from_config(ConfigObject& c) {
  const auto axis = c.get_int("axis", -1);
  return std::make_unique<Concatenate>(Concatenate::Options{.axis = static_cast<int>(axis)});
}

std::unique_ptr<Layer> add_from_config(ConfigObject& /*c*/) { return std::make_unique<Add>(); }

std::unique_ptr<Layer> average_from_config(ConfigObject& /*c*/) { return std::make_unique<Average>(); }

std::unique_ptr<Layer> multiply_from_config(ConfigObject& /*c*/) { return std::make_unique<Multiply>(); }

}  // namespace

registry::LayerRow concatenate_row() { return {"Concatenate", &concatenate_from_config}; }
registry::LayerRow add_row() { return {"Add", &add_from_config}; }
registry::LayerRow average_row() { return {"Average", &average_from_config}; }
registry::LayerRow multiply_row() { return {"Multiply", &multiply_from_config}; }

}  // namespace mlp
