// SPDX-License-Identifier: MIT
// IDX reading: real files, and the malformed ones a user can hand us.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mlp/error.hpp"
#include "mlp/io/idx.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

std::string write_temp(const std::string& name, const std::vector<unsigned char>& bytes) {
  const fs::path path = fs::temp_directory_path() / ("mlp_test_idx_" + name);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

std::string error_of(const std::string& path) {
  try {
    read_idx(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Idx, ReadsTheGzippedSubset) {
  const IdxArray labels = read_idx(std::string(MLP_TEST_DATA_DIR) + "/mnist-subset-t10k-labels-idx1-ubyte.gz");
  ASSERT_EQ(labels.dims, std::vector<std::size_t>{1000});
  // The first ten MNIST test labels.
  const std::vector<std::uint8_t> first{7, 2, 1, 0, 4, 1, 4, 9, 5, 9};
  EXPECT_EQ(std::vector<std::uint8_t>(labels.data.begin(), labels.data.begin() + 10), first);
  const IdxArray images = read_idx(std::string(MLP_TEST_DATA_DIR) + "/mnist-subset-t10k-images-idx3-ubyte.gz");
  EXPECT_EQ(images.dims, (std::vector<std::size_t>{1000, 28, 28}));
  const Matrix x = idx_to_matrix(images, 1.0 / 255);
  EXPECT_EQ(x.cols(), 784u);
  float max = 0;
  for (float v : x.values()) max = std::max(max, v);
  EXPECT_FLOAT_EQ(max, 1.0f);
}

TEST(Idx, RawFileRoundTrip) {
  const std::string path = write_temp("raw", {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6});
  const IdxArray a = read_idx(path);
  EXPECT_EQ(a.dims, (std::vector<std::size_t>{2, 3}));
  EXPECT_EQ(a.data, (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6}));
}

TEST(Idx, MalformedFilesGiveErrorsNamingTheFile) {
  const std::string truncated = write_temp("truncated", {0, 0, 8, 1, 0, 0, 0, 5, 1, 2});
  EXPECT_EQ(error_of(truncated),
            truncated + ": truncated: the header promises 5 bytes of data, the file has 2");
  const std::string magic = write_temp("magic", {1, 2, 8, 1, 0, 0, 0, 1, 9});
  EXPECT_EQ(error_of(magic), magic + ": wrong magic number (an IDX file starts with two zero bytes)");
  // A forged header claiming 4G x 4G items must fail on the size check, not allocate.
  const std::string huge = write_temp("huge", {0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1});
  EXPECT_NE(error_of(huge).find("truncated"), std::string::npos);
  const std::string missing = (fs::temp_directory_path() / "mlp_test_idx_does_not_exist").string();
  EXPECT_EQ(error_of(missing).rfind(missing + ": cannot open file", 0), 0u) << error_of(missing);
  const std::string bad_gzip = write_temp("badgz", {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3});
  EXPECT_NE(error_of(bad_gzip).find("gzip"), std::string::npos) << error_of(bad_gzip);
}

TEST(Idx, OneHotRejectsLabelsOutOfRange) {
  IdxArray labels{{3}, {0, 9, 10}};
  try {
    one_hot(labels, 10, "labels.idx");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "labels.idx: label 10 of item 2 is out of range for 10 classes");
  }
}

}  // namespace
}  // namespace mlp
