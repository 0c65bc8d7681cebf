// SPDX-License-Identifier: MIT
// The fuzz targets' entries (fuzz/fuzz_entries.hpp) on every seed of fuzz/corpus/<target>/ and every
// crasher kept in tests/fuzz_regressions/<target>/ (each one a bug fixed in the library, listed in
// docs/reliability.md): each input must parse or throw mlp::Error, nothing else. This runs in the
// normal gcc build, without libFuzzer or sanitizers; fuzz/run.sh does the fuzzing.
#include <gtest/gtest.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../fuzz/fuzz_entries.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path kTests = fs::path(MLP_TEST_DATA_DIR).parent_path();

std::vector<std::uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  if (fs::is_directory(dir)) {
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.is_regular_file()) files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Runs the entry on each file; returns how many it ran. Anything but a return or mlp::Error fails.
std::size_t run_entry(const mlp::fuzz::Entry& entry, const fs::path& dir) {
  const std::vector<fs::path> files = files_in(dir);
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    const std::vector<std::uint8_t> bytes = read_bytes(file);
    try {
      entry.run(bytes);
    } catch (const mlp::Error&) {
      // The contract: a clean error is a fine answer to a bad file.
    } catch (const std::exception& e) {
      ADD_FAILURE() << "fuzz entry '" << entry.name << "' threw a non-mlp::Error exception: " << e.what();
    } catch (...) {
      ADD_FAILURE() << "fuzz entry '" << entry.name << "' threw something that is not an exception";
    }
  }
  return files.size();
}

class FuzzEntries : public testing::TestWithParam<mlp::fuzz::Entry> {};

TEST_P(FuzzEntries, SeedCorpusParsesOrThrowsError) {
  const fs::path dir = kTests.parent_path() / "fuzz" / "corpus" / GetParam().name;
  EXPECT_GT(run_entry(GetParam(), dir), 0u) << "no seeds in " << dir;
}

TEST_P(FuzzEntries, RegressionInputsParseOrThrowError) {
  run_entry(GetParam(), kTests / "fuzz_regressions" / GetParam().name);
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzEntries, testing::ValuesIn(mlp::fuzz::kEntries),
                         [](const testing::TestParamInfo<mlp::fuzz::Entry>& p) { return std::string(p.param.name); });

// Each of the seeds that is a complete, valid file must parse (the entries are not trivially failing).
TEST(FuzzEntries, ValidSeedsParse) {
  const fs::path corpus = kTests.parent_path() / "fuzz" / "corpus";
  EXPECT_NO_THROW(mlp::fuzz::idx(read_bytes(corpus / "idx" / "images-4-idx3.gz")));
  EXPECT_NO_THROW(mlp::fuzz::idx_gzip(read_bytes(corpus / "idx_gzip" / "labels-4-idx1")));
  EXPECT_NO_THROW(mlp::fuzz::toml(read_bytes(corpus / "toml" / "mnist_subset.toml")));
  EXPECT_NO_THROW(mlp::fuzz::safetensors(read_bytes(corpus / "safetensors" / "model.safetensors")));
  EXPECT_NO_THROW(mlp::fuzz::model(read_bytes(corpus / "model" / "checkpoint.safetensors")));
  EXPECT_NO_THROW(mlp::fuzz::image(read_bytes(corpus / "image" / "digit7_photo.jpg")));
  const std::vector<std::uint8_t> iris = read_bytes(corpus / "csv" / "iris.csv");
  EXPECT_NO_THROW(mlp::parse_csv(mlp::fuzz::as_text(iris), "iris.csv", {.targets = {"target"}}));
}

}  // namespace
