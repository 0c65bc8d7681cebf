// SPDX-License-Identifier: MIT
// safetensors: round trips, the exact bytes of a small file, the dtypes we convert, and one test per
// way a file can be malformed (each message checked), since these files come from strangers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "mlp/error.hpp"
#include "mlp/io/safetensors.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

// Whether `text` contains `part` (the failure message shows both).
::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

const std::string kSource = "in.safetensors";

void append_le(Bytes& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// A file: the header's length, the header text as given, then `data`.
Bytes file_of(const std::string& header, const Bytes& data = {}) {
  Bytes out;
  append_le(out, header.size(), 8);
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Bytes zeros(std::size_t n) { return Bytes(n, 0); }

std::string error_of(const Bytes& bytes) {
  try {
    decode_safetensors(bytes, kSource);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

// The error of a one-tensor file named "w" whose entry is `entry` and whose data is `data`.
std::string entry_error(const std::string& entry, const Bytes& data = zeros(8)) {
  return error_of(file_of(R"({"w":)" + entry + "}", data));
}

std::string encode_error(const TensorFile& file) {
  try {
    encode_safetensors(file);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

std::string temp_path(const std::string& name) {
  return (fs::temp_directory_path() / ("mlp_test_safetensors_" + name)).string();
}

void expect_same(const TensorFile& a, const TensorFile& b) {
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (std::size_t i = 0; i < a.tensors.size(); ++i) {
    EXPECT_EQ(a.tensors[i].name, b.tensors[i].name);
    EXPECT_EQ(a.tensors[i].shape, b.tensors[i].shape);
    EXPECT_EQ(a.tensors[i].data, b.tensors[i].data);
  }
  EXPECT_EQ(a.metadata, b.metadata);
}

TensorFile sample() {
  TensorFile f;
  f.tensors = {{"dense/kernel", {2, 3}, {1, 2, 3, 4, 5, -6.5f}},
               {"dense/bias", {3}, {0.25f, -0.0f, std::numeric_limits<float>::infinity()}},
               {"step", {}, {42}},
               {"empty", {0, 4}, {}},
               {"last", {1, 1}, {7}}};
  f.metadata = {{"format", "mlp"}, {"note", "ünïcode \"quoted\""}};
  return f;
}

// ---- Round trips and exact bytes -----------------------------------------------------------------

TEST(Safetensors, RoundTripKeepsTensorsOrderAndMetadata) {
  const TensorFile original = sample();
  const Bytes bytes = encode_safetensors(original);
  std::uint64_t header = 0;
  for (int i = 7; i >= 0; --i) header = (header << 8) | bytes[i];
  EXPECT_EQ(header % 8, 0u) << "the header is padded to a multiple of 8";
  EXPECT_EQ(bytes.size(), 8 + header + 4 * (6 + 3 + 1 + 0 + 1));
  const TensorFile decoded = decode_safetensors(bytes, kSource);
  expect_same(decoded, original);
  ASSERT_NE(decoded.find("step"), nullptr);
  EXPECT_EQ(decoded.find("step")->data, std::vector<float>{42});
  EXPECT_EQ(decoded.find("nope"), nullptr);
}

TEST(Safetensors, WriteThenReadAFile) {
  const std::string path = temp_path("roundtrip.safetensors");
  write_safetensors(path, sample());
  expect_same(read_safetensors(path), sample());
  fs::remove(path);
}

TEST(Safetensors, ExactBytesOfATinyFile) {
  TensorFile f;
  f.tensors = {{"a", {2}, {1.0f, -2.0f}}};
  const std::string header = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  ASSERT_EQ(header.size(), 54u);
  Bytes expected{56, 0, 0, 0, 0, 0, 0, 0};
  expected.insert(expected.end(), header.begin(), header.end());
  expected.insert(expected.end(), {' ', ' '});
  expected.insert(expected.end(), {0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0});
  EXPECT_EQ(encode_safetensors(f), expected);
}

TEST(Safetensors, EmptyFileIsEightByteHeaderOfBraces) {
  EXPECT_EQ(encode_safetensors({}), (Bytes{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '}));
  EXPECT_TRUE(decode_safetensors(encode_safetensors({}), kSource).tensors.empty());
}

TEST(Safetensors, ReaderSortsByOffsetAndAcceptsPaddingAndMetadata) {
  Bytes data;
  for (float v : {3.0f, 1.0f, 2.0f}) append_le(data, std::bit_cast<std::uint32_t>(v), 4);
  const TensorFile f = decode_safetensors(
      file_of(R"({"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},)"
              R"("__metadata__":{"k":"v"},"a":{"shape":[],"data_offsets":[0,4],"dtype":"F32"}}     )",
              data),
      kSource);
  ASSERT_EQ(f.tensors.size(), 2u);
  EXPECT_EQ(f.tensors[0].name, "a");
  EXPECT_TRUE(f.tensors[0].shape.empty());
  EXPECT_EQ(f.tensors[0].data, std::vector<float>{3});
  EXPECT_EQ(f.tensors[1].name, "b");
  EXPECT_EQ(f.tensors[1].data, (std::vector<float>{1, 2}));
  EXPECT_EQ(f.metadata, (std::map<std::string, std::string>{{"k", "v"}}));
}

// ---- Other dtypes --------------------------------------------------------------------------------

TEST(Safetensors, DecodesF64) {
  Bytes data;
  for (double v : {1.5, -0.25, 1e-300}) append_le(data, std::bit_cast<std::uint64_t>(v), 8);
  const TensorFile f =
      decode_safetensors(file_of(R"({"x":{"dtype":"F64","shape":[3],"data_offsets":[0,24]}})", data), kSource);
  EXPECT_EQ(f.tensors.at(0).data, (std::vector<float>{1.5f, -0.25f, 0.0f}));
}

TEST(Safetensors, DecodesF16) {
  // 1, -2, 65504 (largest), 2^-24 (smallest subnormal), -0, +inf, 0.333251953125
  const std::vector<std::uint16_t> halves{0x3c00, 0xc000, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x3555};
  Bytes data;
  for (std::uint16_t h : halves) append_le(data, h, 2);
  const TensorFile f =
      decode_safetensors(file_of(R"({"h":{"dtype":"F16","shape":[7],"data_offsets":[0,14]}})", data), kSource);
  const std::vector<float> expected{
      1.0f, -2.0f, 65504.0f, 5.9604644775390625e-8f, -0.0f, std::numeric_limits<float>::infinity(), 0.333251953125f};
  EXPECT_EQ(f.tensors.at(0).data, expected);
  EXPECT_TRUE(std::signbit(f.tensors.at(0).data[4]));
  Bytes nan;
  append_le(nan, 0x7e00, 2);
  EXPECT_TRUE(
      std::isnan(decode_safetensors(file_of(R"({"h":{"dtype":"F16","shape":[],"data_offsets":[0,2]}})", nan), kSource)
                     .tensors.at(0)
                     .data[0]));
}

TEST(Safetensors, DecodesBF16) {
  Bytes data;
  for (unsigned b : {0x3f80u, 0xc040u, 0x4049u, 0xff80u}) append_le(data, b, 2);
  const TensorFile f =
      decode_safetensors(file_of(R"({"b":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]}})", data), kSource);
  EXPECT_EQ(f.tensors.at(0).shape, (std::vector<std::size_t>{2, 2}));
  EXPECT_EQ(f.tensors.at(0).data,
            (std::vector<float>{1.0f, -3.0f, 3.140625f, -std::numeric_limits<float>::infinity()}));
}

TEST(Safetensors, F64OutsideFloatRangeIsAnError) {
  Bytes data;
  for (double v : {1.0, -1e300}) append_le(data, std::bit_cast<std::uint64_t>(v), 8);
  EXPECT_EQ(error_of(file_of(R"({"x":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}})", data)),
            kSource + ": tensor \"x\": F64 value -1e+300 at index 1 is outside the float range");
}

// ---- Framing errors ------------------------------------------------------------------------------

TEST(SafetensorsErrors, FileShorterThanTheLength) {
  EXPECT_EQ(error_of({1, 2, 3, 4, 5}),
            kSource + ": not a safetensors file: 5 bytes, too short for the 8-byte header length");
}

TEST(SafetensorsErrors, AbsurdHeaderLength) {
  Bytes bytes;
  append_le(bytes, 200'000'000, 8);
  EXPECT_EQ(error_of(bytes), kSource + ": not a safetensors file: header length 200000000 exceeds the 100 MB limit");
  Bytes forged;
  append_le(forged, std::numeric_limits<std::uint64_t>::max(), 8);
  EXPECT_TRUE(Contains(error_of(forged), "header length 18446744073709551615 exceeds the 100 MB limit"));
}

TEST(SafetensorsErrors, HeaderLongerThanTheFile) {
  Bytes bytes;
  append_le(bytes, 100, 8);
  bytes.resize(20, '{');
  EXPECT_EQ(error_of(bytes),
            kSource + ": not a safetensors file: header length 100 runs past the end of the file (20 bytes)");
}

TEST(SafetensorsErrors, HeaderNotJson) {
  EXPECT_TRUE(Contains(error_of(file_of("{nope}")),
                       kSource + ": not a safetensors file: the header is not valid JSON (parse error at line 1, "
                                 "column 3: syntax error while parsing object key"));
  EXPECT_TRUE(Contains(error_of(file_of("")), ": not a safetensors file: the header is not valid JSON ("));
  EXPECT_TRUE(Contains(error_of(file_of("{} x")), ": not a safetensors file: the header is not valid JSON ("));
  // Names must be UTF-8.
  EXPECT_TRUE(Contains(error_of(file_of("{\"\xff\":1}")), ": not a safetensors file: the header is not valid JSON ("));
}

TEST(SafetensorsErrors, HeaderNotAnObject) {
  EXPECT_EQ(error_of(file_of("[1, 2]")),
            kSource + ": not a safetensors file: the header is a JSON array, not an object");
}

TEST(SafetensorsErrors, HeaderMustStartWithABrace) {
  EXPECT_EQ(error_of(file_of(" {}")), kSource + ": not a safetensors file: the header does not start with '{'");
}

TEST(SafetensorsErrors, DuplicateKeys) {
  const std::string entry = R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
  EXPECT_EQ(error_of(file_of(R"({"w":)" + entry + R"(,"w":)" + entry + "}", zeros(4))),
            kSource + ": not a safetensors file: the header lists \"w\" twice");
  EXPECT_EQ(entry_error(R"({"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]})", zeros(4)),
            kSource + ": not a safetensors file: the header's entry \"w\" has the key \"dtype\" twice");
}

TEST(SafetensorsErrors, NestingTooDeep) {
  EXPECT_EQ(entry_error(R"({"shape":[[[[[[[[[[1]]]]]]]]]]})"),
            kSource + ": not a safetensors file: the header nests deeper than 8 levels");
}

// ---- Entry errors --------------------------------------------------------------------------------

TEST(SafetensorsErrors, EntryNotAnObject) {
  EXPECT_EQ(entry_error("5"), kSource + ": tensor \"w\": the entry is a JSON number, not an object");
}

TEST(SafetensorsErrors, MissingField) {
  EXPECT_EQ(entry_error(R"({"dtype":"F32","shape":[2]})"), kSource + ": tensor \"w\": missing \"data_offsets\"");
  EXPECT_EQ(entry_error(R"({"shape":[2],"data_offsets":[0,8]})"), kSource + ": tensor \"w\": missing \"dtype\"");
}

TEST(SafetensorsErrors, UnknownField) {
  EXPECT_EQ(entry_error(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8],"strides":[1]})"),
            kSource + ": tensor \"w\": unknown field \"strides\"");
}

TEST(SafetensorsErrors, FieldsOfTheWrongType) {
  EXPECT_EQ(entry_error(R"({"dtype":4,"shape":[2],"data_offsets":[0,8]})"),
            kSource + ": tensor \"w\": \"dtype\" is a JSON number, not a string");
  EXPECT_EQ(entry_error(R"({"dtype":"F32","shape":"2","data_offsets":[0,8]})"),
            kSource + ": tensor \"w\": \"shape\" is a JSON string, not an array");
}

TEST(SafetensorsErrors, UnknownAndUnsupportedDtypes) {
  EXPECT_EQ(entry_error(R"({"dtype":"F33","shape":[2],"data_offsets":[0,8]})"),
            kSource + ": tensor \"w\": unknown dtype \"F33\"");
  EXPECT_EQ(entry_error(R"({"dtype":"I32","shape":[2],"data_offsets":[0,8]})"),
            kSource + ": tensor \"w\": dtype I32 is not supported (only F32, F64, F16 and BF16)");
}

TEST(SafetensorsErrors, BadDimensions) {
  EXPECT_EQ(entry_error(R"({"dtype":"F32","shape":[2,-3],"data_offsets":[0,8]})"),
            kSource + ": tensor \"w\": shape[1] is -3, not a non-negative integer");
  EXPECT_EQ(entry_error(R"({"dtype":"F32","shape":[1.5],"data_offsets":[0,8]})"),
            kSource + ": tensor \"w\": shape[0] is 1.5, not a non-negative integer");
  EXPECT_EQ(entry_error(R"({"dtype":"F32","shape":["2"],"data_offsets":[0,8]})"),
            kSource + ": tensor \"w\": shape[0] is \"2\", not a non-negative integer");
}

TEST(SafetensorsErrors, ElementCountOverflow) {
  EXPECT_EQ(entry_error(R"({"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]})"),
            kSource + ": tensor \"w\": shape [4294967296, 4294967296, 16] has more elements than 64 bits can count");
  // The count fits, its size in bytes does not.
  EXPECT_EQ(entry_error(R"({"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,8]})"),
            kSource + ": tensor \"w\": shape [4611686018427387904] has more elements than 64 bits can count");
}

TEST(SafetensorsErrors, MalformedOffsets) {
  EXPECT_EQ(entry_error(R"({"dtype":"F32","shape":[2],"data_offsets":[0]})"),
            kSource + ": tensor \"w\": \"data_offsets\" is [0], not [begin, end] with non-negative integers");
  EXPECT_EQ(entry_error(R"({"dtype":"F32","shape":[2],"data_offsets":[-8,0]})"),
            kSource + ": tensor \"w\": \"data_offsets\" is [-8,0], not [begin, end] with non-negative integers");
  EXPECT_EQ(entry_error(R"({"dtype":"F32","shape":[2],"data_offsets":[8,0]})"),
            kSource + ": tensor \"w\": data_offsets [8, 0] end before they begin");
}

TEST(SafetensorsErrors, OffsetsDoNotMatchTheShape) {
  EXPECT_EQ(entry_error(R"({"dtype":"F32","shape":[2,2],"data_offsets":[0,12]})", zeros(12)),
            kSource + ": tensor \"w\": data_offsets [0, 12] hold 12 bytes, but F32 shape [2, 2] needs 16");
}

TEST(SafetensorsErrors, OffsetsOutOfRange) {
  EXPECT_EQ(entry_error(R"({"dtype":"F32","shape":[4],"data_offsets":[0,16]})", zeros(12)),
            kSource + ": tensor \"w\": data_offsets [0, 16] run past the end of the data (12 bytes)");
  // A forged file claiming a huge tensor fails on the range, before anything is allocated.
  EXPECT_EQ(entry_error(R"({"dtype":"F32","shape":[1000000000000],"data_offsets":[0,4000000000000]})"),
            kSource + ": tensor \"w\": data_offsets [0, 4000000000000] run past the end of the data (8 bytes)");
}

TEST(SafetensorsErrors, OverlappingTensors) {
  EXPECT_EQ(error_of(file_of(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},)"
                             R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                             zeros(16))),
            kSource + ": tensor \"b\" (bytes [8, 16]) overlaps tensor \"a\" (bytes [0, 12])");
}

TEST(SafetensorsErrors, GapBetweenTensors) {
  EXPECT_EQ(error_of(file_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                             R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                             zeros(12))),
            kSource + ": bytes [4, 8] of the data belong to no tensor (a gap before \"b\")");
}

TEST(SafetensorsErrors, BytesAfterTheLastTensor) {
  EXPECT_EQ(entry_error(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})", zeros(7)),
            kSource + ": bytes [4, 7] of the data belong to no tensor (after the last one)");
  EXPECT_EQ(error_of(file_of("{}", zeros(3))),
            kSource + ": bytes [0, 3] of the data belong to no tensor (the header lists none)");
}

TEST(SafetensorsErrors, MetadataMustMapStringsToStrings) {
  EXPECT_EQ(error_of(file_of(R"({"__metadata__":["a"]})")),
            kSource + ": \"__metadata__\" is a JSON array, not an object of strings");
  EXPECT_EQ(error_of(file_of(R"({"__metadata__":{"epochs":10}})")),
            kSource + ": \"__metadata__\" value of \"epochs\" is a JSON number, not a string");
}

// ---- Writing errors ------------------------------------------------------------------------------

TEST(SafetensorsErrors, EncoderRefusesInconsistentTensors) {
  TensorFile dup;
  dup.tensors = {{"w", {1}, {1}}, {"w", {1}, {2}}};
  EXPECT_EQ(encode_error(dup), "encode_safetensors: tensor \"w\" appears twice");
  TensorFile mismatch;
  mismatch.tensors = {{"w", {2, 3}, {1, 2, 3, 4, 5}}};
  EXPECT_EQ(encode_error(mismatch),
            "encode_safetensors: tensor \"w\": shape [2, 3] has 6 elements, but data holds 5 values");
  TensorFile scalar;
  scalar.tensors = {{"s", {}, {}}};
  EXPECT_EQ(encode_error(scalar), "encode_safetensors: tensor \"s\": shape [] has 1 elements, but data holds 0 values");
  TensorFile reserved;
  reserved.tensors = {{"__metadata__", {}, {1}}};
  EXPECT_EQ(encode_error(reserved),
            "encode_safetensors: tensor \"__metadata__\": the name is reserved for the file's metadata");
  TensorFile bad_name;
  bad_name.tensors = {{"w\xff", {}, {1}}};
  EXPECT_TRUE(Contains(encode_error(bad_name), "\": the name is not valid UTF-8"));
  TensorFile bad_meta;
  bad_meta.metadata = {{"k", "\xc3"}};
  EXPECT_EQ(encode_error(bad_meta), "encode_safetensors: metadata value of \"k\" is not valid UTF-8");
}

TEST(SafetensorsErrors, ReadErrorsNameThePath) {
  const std::string missing = temp_path("does_not_exist.safetensors");
  try {
    read_safetensors(missing);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), missing + ": cannot open (No such file or directory)");
  }
  const std::string dir = temp_path("a_directory");
  fs::create_directories(dir);
  try {
    read_safetensors(dir);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), dir + ": cannot read (Is a directory)");
  }
  const std::string short_file = temp_path("short.safetensors");
  std::ofstream(short_file) << "abc";
  try {
    read_safetensors(short_file);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              short_file + ": not a safetensors file: 3 bytes, too short for the 8-byte header length");
  }
}

TEST(SafetensorsErrors, FailedWritesLeaveTheExistingFileUntouched) {
  const std::string in_missing_dir = temp_path("no_such_dir") + "/model.safetensors";
  try {
    write_safetensors(in_missing_dir, sample());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_TRUE(Contains(e.what(), in_missing_dir + ": cannot write (No such file or directory)"));
  }
  EXPECT_FALSE(fs::exists(in_missing_dir));

  const std::string path = temp_path("keep.safetensors");
  write_safetensors(path, sample());
  // An encoding error is found before the file is touched.
  TensorFile dup;
  dup.tensors = {{"w", {1}, {1}}, {"w", {1}, {2}}};
  EXPECT_THROW(write_safetensors(path, dup), Error);
  expect_same(read_safetensors(path), sample());
  // A write that fails on disk: a directory where write_file_atomic puts its temporary file.
  const std::string blocker = path + ".tmp." + std::to_string(::getpid());
  fs::create_directories(blocker);
  TensorFile other;
  other.tensors = {{"x", {1}, {3}}};
  try {
    write_safetensors(path, other);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_TRUE(Contains(e.what(), path + ": cannot write ("));
  }
  expect_same(read_safetensors(path), sample());
  fs::remove(blocker);
  fs::remove(path);
}

}  // namespace
}  // namespace mlp
