// SPDX-License-Identifier: MIT
// IDX reading and writing: real files, round trips, and the malformed files a user can hand us.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "mlp/error.hpp"
#include "mlp/io/idx.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

std::string write_temp(const std::string& name, const std::vector<unsigned char>& bytes) {
  const fs::path path = fs::temp_directory_path() / ("mlp_test_idx_" + name);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

// Writes `bytes` gzip-compressed (they need not be a valid IDX file).
std::string write_temp_gz(const std::string& name, const std::vector<unsigned char>& bytes) {
  const std::string path = (fs::temp_directory_path() / ("mlp_test_idx_" + name + ".gz")).string();
  gzFile f = gzopen(path.c_str(), "wb");
  EXPECT_NE(f, nullptr);
  EXPECT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  gzclose(f);
  return path;
}

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string write_error(const std::string& path, const IdxArray& array) {
  try {
    write_idx(path, array);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

std::string pair_error(const IdxArray& images, const IdxArray& labels, std::size_t classes = 10) {
  try {
    check_idx_pair(images, "images.idx", labels, "labels.idx", classes);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
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
  EXPECT_EQ(error_of(truncated), truncated + ": truncated: the header promises 5 bytes of data, the file has 2");
  const std::string magic = write_temp("magic", {1, 2, 8, 1, 0, 0, 0, 1, 9});
  EXPECT_EQ(error_of(magic), magic + ": wrong magic number (an IDX file starts with two zero bytes)");
  // A forged header claiming 4G x 4G items must fail on the size check, not allocate.
  const std::string huge = write_temp("huge", {0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1});
  EXPECT_NE(error_of(huge).find("truncated"), std::string::npos);
  const std::string missing = (fs::temp_directory_path() / "mlp_test_idx_does_not_exist").string();
  EXPECT_EQ(error_of(missing).rfind(missing + ": cannot open file", 0), 0u) << error_of(missing);
  const std::string bad_gzip = write_temp("badgz", {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3});
  EXPECT_NE(error_of(bad_gzip).find("gzip"), std::string::npos) << error_of(bad_gzip);
  // A directory is named as one (its size is no file size to allocate).
  const fs::path dir = fs::temp_directory_path() / "mlp_test_idx_a_directory";
  fs::create_directories(dir);
  EXPECT_EQ(error_of(dir.string()), dir.string() + ": is a directory, not a file");
}

TEST(Idx, ReadsAFileWithoutASizeInChunks) {
  // A pipe has no size: read_file reads it in chunks until its end (here 3 MiB of one IDX file).
  const fs::path fifo = fs::temp_directory_path() / "mlp_test_idx_fifo";
  fs::remove(fifo);
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::size_t rows = 3, cols = std::size_t{1} << 20;
  IdxArray array{{rows, cols}, std::vector<std::uint8_t>(rows * cols)};
  for (std::size_t i = 0; i < array.data.size(); ++i) array.data[i] = static_cast<std::uint8_t>(i * 7);
  const std::string file = (fs::temp_directory_path() / "mlp_test_idx_fifo_source").string();
  write_idx(file, array);
  std::thread writer([&] {
    std::ifstream from(file, std::ios::binary);
    std::ofstream to(fifo, std::ios::binary);
    to << from.rdbuf();
  });
  const IdxArray got = read_idx(fifo.string());
  writer.join();
  EXPECT_EQ(got.dims, array.dims);
  EXPECT_EQ(got.data, array.data);
  fs::remove(fifo);
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

// ---- Writing ---------------------------------------------------------------------------------------

IdxArray sample() {
  IdxArray a{{2, 3, 4}, {}};
  for (int i = 0; i < 24; ++i) a.data.push_back(static_cast<std::uint8_t>(i * 11));
  return a;
}

TEST(Idx, WriteThenReadRaw) {
  const std::string path = (fs::temp_directory_path() / "mlp_test_idx_written.idx").string();
  write_idx(path, sample());
  const std::vector<unsigned char> bytes = read_bytes(path);
  ASSERT_EQ(bytes.size(), 4u + 12 + 24);
  EXPECT_EQ(std::vector<unsigned char>(bytes.begin(), bytes.begin() + 16),
            (std::vector<unsigned char>{0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4}));
  const IdxArray back = read_idx(path);
  EXPECT_EQ(back.dims, sample().dims);
  EXPECT_EQ(back.data, sample().data);
  fs::remove(path);
}

TEST(Idx, WriteThenReadGzip) {
  const std::string path = (fs::temp_directory_path() / "mlp_test_idx_written.idx.gz").string();
  IdxArray big{{1000, 28, 28}, std::vector<std::uint8_t>(784000)};
  for (std::size_t i = 0; i < big.data.size(); ++i) big.data[i] = static_cast<std::uint8_t>(i % 251);
  write_idx(path, big);
  const std::vector<unsigned char> bytes = read_bytes(path);
  ASSERT_GE(bytes.size(), 2u);
  EXPECT_EQ(bytes[0], 0x1f);
  EXPECT_EQ(bytes[1], 0x8b);
  const IdxArray back = read_idx(path);
  EXPECT_EQ(back.dims, big.dims);
  EXPECT_EQ(back.data, big.data);
  // And an empty array (a zero dimension) survives too.
  write_idx(path, IdxArray{{0, 28}, {}});
  EXPECT_EQ(read_idx(path).dims, (std::vector<std::size_t>{0, 28}));
  fs::remove(path);
}

TEST(Idx, WriteRefusesInconsistentArrays) {
  const std::string path = (fs::temp_directory_path() / "mlp_test_idx_refused.idx").string();
  EXPECT_EQ(write_error(path, IdxArray{}), path + ": cannot write IDX: rank 0 is outside 1..255");
  EXPECT_EQ(write_error(path, IdxArray{std::vector<std::size_t>(256, 1), {1}}),
            path + ": cannot write IDX: rank 256 is outside 1..255");
  EXPECT_EQ(write_error(path, IdxArray{{1, std::size_t{1} << 32}, {}}),
            path + ": cannot write IDX: dimension 1 is 4294967296, more than the format's 32-bit limit");
  EXPECT_EQ(write_error(path, IdxArray{{2, 3}, {1, 2, 3, 4, 5}}),
            path + ": cannot write IDX: dims [2, 3] describe 6 items, but data holds 5 bytes");
  EXPECT_EQ(write_error(path, IdxArray{{0xffffffff, 0xffffffff, 0xffffffff}, {}}),
            path +
                ": cannot write IDX: dims [4294967295, 4294967295, 4294967295] describe more than 2^64 items, but "
                "data holds 0 bytes");
  EXPECT_FALSE(fs::exists(path));
  const std::string in_missing_dir = (fs::temp_directory_path() / "mlp_test_idx_no_dir" / "x.idx").string();
  EXPECT_EQ(
      write_error(in_missing_dir, sample()).rfind(in_missing_dir + ": cannot write (No such file or directory)", 0), 0u)
      << write_error(in_missing_dir, sample());
}

// ---- Stricter reading ------------------------------------------------------------------------------

TEST(Idx, ForgedHeadersFailBeforeAllocating) {
  // 4294967295 x 4294967295 items promised, one byte present: refused on the size check.
  const std::string huge = write_temp("huge_exact", {0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1});
  EXPECT_EQ(error_of(huge),
            huge + ": truncated: the header promises 18446744065119617025 bytes of data, the file has 1");
  // The same inside gzip: inflation stops at the end of what is there.
  const std::string huge_gz = write_temp_gz("huge", {0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1});
  EXPECT_EQ(error_of(huge_gz),
            huge_gz + ": truncated: the header promises 18446744065119617025 bytes of data, the file has 1");
  // Three dimensions whose product does not fit in 64 bits.
  const std::string overflow =
      write_temp("overflow", {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  EXPECT_EQ(error_of(overflow), overflow +
                                    ": IDX dimensions [4294967295, 4294967295, 4294967295] multiply to more "
                                    "items than fit in 64 bits");
}

TEST(Idx, GzipWithMoreDataThanTheHeaderPromisesIsCountedNotKept) {
  std::vector<unsigned char> bytes{0, 0, 8, 1, 0, 0, 0, 10};
  bytes.resize(bytes.size() + 10 + 5'000'000, 7);
  const std::string path = write_temp_gz("trailing", bytes);
  EXPECT_EQ(error_of(path), path + ": 5000000 unexpected bytes after the data the header describes");
}

TEST(Idx, HeaderErrorsAreSpecific) {
  const std::string short_header = write_temp("short_header", {0, 0, 8, 3, 0, 0, 0, 1, 0, 0});
  EXPECT_EQ(error_of(short_header), short_header + ": truncated IDX header: rank 3 needs 16 bytes, the file has 10");
  const std::string floats = write_temp("floats", {0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0});
  EXPECT_EQ(error_of(floats), floats + ": IDX data type 0x0d is not supported (only unsigned byte, 0x08)");
  const std::string trailing = write_temp("trailing", {0, 0, 8, 1, 0, 0, 0, 1, 9, 9, 9});
  EXPECT_EQ(error_of(trailing), trailing + ": 2 unexpected bytes after the data the header describes");
  const std::string truncated_gz = write_temp_gz("truncated", {0, 0, 8, 1, 0, 0, 0, 5, 1, 2});
  EXPECT_EQ(error_of(truncated_gz), truncated_gz + ": truncated: the header promises 5 bytes of data, the file has 2");
  // A gzip stream cut short.
  std::vector<unsigned char> cut = read_bytes(write_temp_gz("cut_source", std::vector<unsigned char>(5000, 3)));
  cut.resize(cut.size() / 2);
  const std::string cut_gz = write_temp("cut.gz", cut);
  EXPECT_EQ(error_of(cut_gz), cut_gz + ": truncated gzip data");
}

// ---- Images and labels together --------------------------------------------------------------------

TEST(Idx, CheckPairAcceptsMatchingFiles) {
  EXPECT_EQ(pair_error(IdxArray{{3, 2, 2}, std::vector<std::uint8_t>(12)}, IdxArray{{3}, {0, 9, 4}}), "no error");
}

TEST(Idx, CheckPairRefusesCountMismatch) {
  EXPECT_EQ(pair_error(IdxArray{{3, 2, 2}, std::vector<std::uint8_t>(12)}, IdxArray{{2}, {0, 1}}),
            "labels.idx: 2 labels for 3 images in images.idx");
}

TEST(Idx, CheckPairRefusesLabelsOfRankOtherThanOne) {
  EXPECT_EQ(pair_error(IdxArray{{2, 2}, std::vector<std::uint8_t>(4)}, IdxArray{{2, 1}, {0, 1}}),
            "labels.idx: labels must have rank 1, this file has rank 2 (dims [2, 1])");
}

TEST(Idx, CheckPairRefusesLabelsOutOfRange) {
  std::vector<std::uint8_t> labels(400, 1);
  labels[345] = 12;
  EXPECT_EQ(pair_error(IdxArray{{400, 1}, std::vector<std::uint8_t>(400)}, IdxArray{{400}, labels}),
            "labels.idx: label 12 at index 345 is out of range for 10 classes");
}

}  // namespace
}  // namespace mlp
