// SPDX-License-Identifier: MIT
// Built-in data sets: fetching from the offline routes into a cache, SHA-256 verification of the
// decompressed content, repair of a damaged cache, clear errors. Fashion-MNIST comes from Debian's
// dataset-fashion-mnist package, which scripts/bootstrap installs; no network is used.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mlp/data/datasets.hpp"
#include "mlp/data/sha256.hpp"
#include "mlp/error.hpp"
#include "mlp/io/files.hpp"
#include "mlp/io/idx.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {
namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("mlp_test_datasets_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

FetchOptions offline(const fs::path& cache, std::vector<std::string>* lines) {
  return {
      .cache_dir = cache.string(), .network = false, .report = [lines](const std::string& l) { lines->push_back(l); }};
}

TEST(Sha256, KnownDigests) {
  const std::string abc = "abc";
  EXPECT_EQ(sha256_hex({reinterpret_cast<const std::uint8_t*>(abc.data()), abc.size()}),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex({}), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Datasets, FashionMnistFromTheDebianPackageThenFromTheCache) {
  const fs::path cache = fresh_dir("fashion");
  std::vector<std::string> lines;
  const ImageDataset d = load_dataset("fashion-mnist", offline(cache, &lines));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "fashion-mnist: 4 file(s) from Debian package dataset-fashion-mnist "
            "(/usr/share/datasets/fashion-mnist), SHA-256 verified, in " +
                (cache / "fashion-mnist").string());
  EXPECT_EQ(d.x_train.rows(), 60000u);
  EXPECT_EQ(d.x_train.cols(), 784u);
  EXPECT_EQ(d.x_test.rows(), 10000u);
  // Raw pixels, as bytes: the full 0..255 range, and the 784 bytes of each image are there.
  const auto [lo, hi] = std::minmax_element(d.x_train.values().begin(), d.x_train.values().end());
  EXPECT_EQ(int{*lo}, 0);
  EXPECT_EQ(int{*hi}, 255);
  EXPECT_EQ(d.x_train.size(), 60000u * 784u);
  EXPECT_EQ(d.class_names[9], "Ankle boot");
  for (std::size_t c = 0; c < 10; ++c) {
    EXPECT_EQ(d.train_label_counts[c], 6000u);
    EXPECT_EQ(d.test_label_counts[c], 1000u);
  }
  // Stored decompressed, under the upstream names.
  EXPECT_TRUE(fs::exists(cache / "fashion-mnist" / "t10k-labels-idx1-ubyte"));

  lines.clear();
  fetch_dataset("fashion-mnist", offline(cache, &lines));
  EXPECT_EQ(lines, std::vector<std::string>{"fashion-mnist: cached in " + (cache / "fashion-mnist").string() +
                                            " (4 files, SHA-256 verified)"});
}

TEST(Datasets, ADamagedCacheFileIsFetchedAgain) {
  const fs::path cache = fresh_dir("damaged");
  std::vector<std::string> lines;
  fetch_dataset("fashion-mnist", offline(cache, &lines));
  const fs::path labels = cache / "fashion-mnist" / "t10k-labels-idx1-ubyte";
  std::ofstream(labels, std::ios::binary | std::ios::trunc) << "not the labels";
  lines.clear();
  fetch_dataset("fashion-mnist", offline(cache, &lines));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("1 file(s) from Debian package"), std::string::npos) << lines[0];
  EXPECT_EQ(read_idx(labels.string()).dims, std::vector<std::size_t>{10000});
}

TEST(Datasets, WrongFilesAreRejectedByTheirChecksum) {
  // A "source" holding the committed 1,000-image MNIST subset under the official names: real IDX
  // files, but not the official ones, so every checksum differs and nothing enters the cache.
  const fs::path source = fresh_dir("wrong_source");
  const std::string data = MLP_TEST_DATA_DIR;
  for (const char* name :
       {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    fs::copy_file(data + "/mnist-subset-" + name + ".gz", source / (std::string(name) + ".gz"));
  }
  const fs::path cache = fresh_dir("wrong_cache");
  std::vector<std::string> lines;
  FetchOptions options = offline(cache, &lines);
  options.source_dir = source.string();
  options.offline_routes = false;
  try {
    fetch_dataset("mnist", options);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("cannot obtain data set 'mnist' (4 file(s) missing):\n  directory " + source.string() +
                                ": train-images-idx3-ubyte has SHA-256 ",
                            0),
              0u)
        << message;
    EXPECT_NE(message.find(", expected ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
              std::string::npos);
    EXPECT_NE(message.find("---> HINT:"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(cache / "mnist" / "train-images-idx3-ubyte"));
}

TEST(Datasets, UnknownNamesAndDefaults) {
  EXPECT_THROW(dataset_spec("cifar10"), Error);
  EXPECT_EQ(dataset_names(), (std::vector<std::string>{"mnist", "fashion-mnist"}));
  ::setenv("MLP_DATA_DIR", "/some/where", 1);
  EXPECT_EQ(default_data_dir(), "/some/where");
  ::unsetenv("MLP_DATA_DIR");
  EXPECT_NE(default_data_dir().find(".cache/mlp/datasets"), std::string::npos);
}

TEST(WriteFileAtomic, ReplacesWholeFilesAndReportsFailures) {
  const fs::path dir = fresh_dir("atomic");
  const std::string path = (dir / "f.bin").string();
  const std::vector<std::uint8_t> first{1, 2, 3}, second{9};
  write_file_atomic(path, first);
  write_file_atomic(path, second);
  EXPECT_EQ(read_file_decompressed(path), second);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // no temp left
  const std::string nowhere = (dir / "missing" / "f.bin").string();
  try {
    write_file_atomic(nowhere, first);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), nowhere + ": cannot write (No such file or directory)");
  }
}

TEST(WriteFileAtomic, RemovesTemporariesOfDeadWritersOnly) {
  const fs::path dir = fresh_dir("atomic_stale");
  const std::string path = (dir / "model.safetensors").string();
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  const std::vector<std::uint8_t> bytes{1, 2, 3};
  const std::string stale = path + ".tmp." + std::to_string(dead);
  const std::string alive = path + ".tmp." + std::to_string(::getppid());
  const std::string other = path + ".tmp.backup";
  for (const auto& f : {stale, alive, other}) std::ofstream(f) << "partial";
  write_file_atomic(path, bytes);
  EXPECT_FALSE(fs::exists(stale)) << "a killed writer's temporary file stays behind";
  EXPECT_TRUE(fs::exists(alive)) << "a running writer's temporary file was removed";
  EXPECT_TRUE(fs::exists(other));
}

TEST(WriteFileAtomic, AFullDiskLeavesTheOldFileIntact) {
  // RLIMIT_FSIZE makes writes past the limit fail (EFBIG) like a full disk does (ENOSPC), and
  // works without root or a special file system.
  const fs::path dir = fresh_dir("atomic_full");
  const std::string path = (dir / "model.safetensors").string();
  const std::vector<std::uint8_t> old_bytes(100, 7), new_bytes(100000, 9);
  write_file_atomic(path, old_bytes);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto* previous = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const std::string message = test::error_of([&] { write_file_atomic(path, new_bytes); });
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous);
  EXPECT_EQ(message, path + ": cannot write (File too large); the existing file, if any, is unchanged");
  EXPECT_EQ(read_file_decompressed(path), old_bytes);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // no temp left
}

}  // namespace
}  // namespace mlp
