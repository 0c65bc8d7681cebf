// SPDX-License-Identifier: MIT
// TensorBoard callback and TFRecord framing. The event files are read back by a reader written
// here from the format's description, independent of the library: its own bitwise CRC32C, its
// own TFRecord framing checks (every length and data CRC) and a hand-written protobuf wire decoder
// that knows the field numbers of TensorFlow's event.proto/summary.proto/histogram.proto, so a
// wrong field number or framing in the writer fails here. (python3 has no tensorboard package on
// the build machines, so no Python reader check.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "mlp/callbacks/tensorboard.hpp"
#include "mlp/io/tfrecord.hpp"
#include "mlp/mlp.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {

using test::error_of;
namespace fs = std::filesystem;

// ---- the independent reader ------------------------------------------------------------------

// Bitwise CRC32C (reflected Castagnoli polynomial), no table: slow and obviously right.
std::uint32_t reader_crc32c(const std::string& bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : bytes) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

std::uint32_t reader_mask(std::uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

std::uint64_t little_endian(const std::string& bytes, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::size_t>(i)]);
  return v;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// TFRecord framing: u64 length, u32 masked crc of the 8 length bytes, data, u32 masked crc of data.
std::vector<std::string> read_records(const std::string& bytes) {
  std::vector<std::string> records;
  std::size_t at = 0;
  while (at < bytes.size()) {
    if (bytes.size() - at < 12) throw std::runtime_error("truncated record header at " + std::to_string(at));
    const std::uint64_t length = little_endian(bytes, at, 8);
    if (reader_mask(reader_crc32c(bytes.substr(at, 8))) != little_endian(bytes, at + 8, 4)) {
      throw std::runtime_error("length CRC mismatch at " + std::to_string(at));
    }
    at += 12;
    if (bytes.size() - at < length + 4) throw std::runtime_error("truncated record data at " + std::to_string(at));
    std::string data = bytes.substr(at, length);
    if (reader_mask(reader_crc32c(data)) != little_endian(bytes, at + length, 4)) {
      throw std::runtime_error("data CRC mismatch at " + std::to_string(at));
    }
    at += length + 4;
    records.push_back(std::move(data));
  }
  return records;
}

// Protobuf wire format: (field << 3 | wire type) varint keys; 0 varint, 1 fixed64, 2 length-delimited,
// 5 fixed32.
struct Wire {
  const std::string& s;
  std::size_t at;
  std::size_t end;

  bool done() const { return at >= end; }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (at >= end) throw std::runtime_error("truncated varint");
      const auto b = static_cast<unsigned char>(s[at++]);
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    throw std::runtime_error("varint too long");
  }
  std::uint64_t fixed(int n) {
    if (end - at < static_cast<std::size_t>(n)) throw std::runtime_error("truncated fixed field");
    const std::uint64_t v = little_endian(s, at, n);
    at += static_cast<std::size_t>(n);
    return v;
  }
  double f64() {
    const std::uint64_t bits = fixed(8);
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  float f32() {
    const auto bits = static_cast<std::uint32_t>(fixed(4));
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  Wire sub() {
    const std::uint64_t n = varint();
    if (end - at < n) throw std::runtime_error("truncated length-delimited field");
    Wire w{s, at, at + n};
    at += n;
    return w;
  }
  void skip(std::uint64_t wire_type) {
    switch (wire_type) {
      case 0: varint(); break;
      case 1: fixed(8); break;
      case 2: sub(); break;
      case 5: fixed(4); break;
      default: throw std::runtime_error("bad wire type " + std::to_string(wire_type));
    }
  }
};

struct Histo {
  double min = 0, max = 0, num = 0, sum = 0, sum_squares = 0;
  std::vector<double> bucket_limit, bucket;
};

struct Value {
  std::string tag;
  std::optional<float> simple_value;
  std::optional<Histo> histo;
};

struct Event {
  double wall_time = 0;
  std::int64_t step = 0;
  std::optional<std::string> file_version;
  std::vector<Value> values;  // Summary.value
};

void read_doubles(Wire& w, std::uint64_t wire_type, std::vector<double>& out) {
  if (wire_type == 1) {
    out.push_back(w.f64());
    return;
  }
  Wire packed = w.sub();
  while (!packed.done()) out.push_back(packed.f64());
}

Histo decode_histo(Wire w) {
  Histo h;
  while (!w.done()) {
    const std::uint64_t key = w.varint();
    const std::uint64_t field = key >> 3, type = key & 7;
    if (field >= 1 && field <= 5 && type == 1) {
      const double v = w.f64();
      (field == 1 ? h.min : field == 2 ? h.max : field == 3 ? h.num : field == 4 ? h.sum : h.sum_squares) = v;
    } else if (field == 6) {
      read_doubles(w, type, h.bucket_limit);
    } else if (field == 7) {
      read_doubles(w, type, h.bucket);
    } else {
      w.skip(type);
    }
  }
  return h;
}

Value decode_value(Wire w) {
  Value v;
  while (!w.done()) {
    const std::uint64_t key = w.varint();
    const std::uint64_t field = key >> 3, type = key & 7;
    if (field == 1 && type == 2) {
      const Wire t = w.sub();
      v.tag = w.s.substr(t.at, t.end - t.at);
    } else if (field == 2 && type == 5) {
      v.simple_value = w.f32();
    } else if (field == 5 && type == 2) {
      v.histo = decode_histo(w.sub());
    } else {
      w.skip(type);
    }
  }
  return v;
}

Event decode_event(const std::string& data) {
  Event e;
  Wire w{data, 0, data.size()};
  while (!w.done()) {
    const std::uint64_t key = w.varint();
    const std::uint64_t field = key >> 3, type = key & 7;
    if (field == 1 && type == 1) {
      e.wall_time = w.f64();
    } else if (field == 2 && type == 0) {
      e.step = static_cast<std::int64_t>(w.varint());
    } else if (field == 3 && type == 2) {
      const Wire t = w.sub();
      e.file_version = data.substr(t.at, t.end - t.at);
    } else if (field == 5 && type == 2) {
      Wire summary = w.sub();
      while (!summary.done()) {
        const std::uint64_t k = summary.varint();
        if ((k >> 3) == 1 && (k & 7) == 2) {
          e.values.push_back(decode_value(summary.sub()));
        } else {
          summary.skip(k & 7);
        }
      }
    } else {
      w.skip(type);
    }
  }
  return e;
}

std::vector<Event> read_events(const std::string& path) {
  std::vector<Event> events;
  for (const auto& r : read_records(read_all(path))) events.push_back(decode_event(r));
  return events;
}

// The one event file in `dir` (TensorFlow 2's name: events.out.tfevents.<seconds>.<host>.<pid>.v2).
std::string only_event_file(const fs::path& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path().string());
  if (files.size() != 1) {
    throw std::runtime_error(dir.string() + ": expected one file, found " + std::to_string(files.size()));
  }
  return files[0];
}

// tag → step → value, for the scalar summaries of a file.
std::map<std::string, std::map<std::int64_t, float>> scalars_of(const std::vector<Event>& events) {
  std::map<std::string, std::map<std::int64_t, float>> out;
  for (const auto& e : events) {
    for (const auto& v : e.values) {
      if (v.simple_value) out[v.tag][e.step] = *v.simple_value;
    }
  }
  return out;
}

std::map<std::string, std::map<std::int64_t, Histo>> histograms_of(const std::vector<Event>& events) {
  std::map<std::string, std::map<std::int64_t, Histo>> out;
  for (const auto& e : events) {
    for (const auto& v : e.values) {
      if (v.histo) out[v.tag][e.step] = *v.histo;
    }
  }
  return out;
}

// ---- the model -------------------------------------------------------------------------------

// Two classes: x0 > x1 or not. 8 training and 4 validation samples.
struct Data {
  Matrix x{8, 2, {0, 1, 1, 0, 2, 1, 1, 2, 3, 0, 0, 3, 2, 3, 3, 2}};
  Matrix y{8, 2, {0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0}};
  Matrix vx{4, 2, {1, 3, 3, 1, 0, 2, 2, 0}};
  Matrix vy{4, 2, {0, 1, 1, 0, 0, 1, 1, 0}};
};

std::unique_ptr<Sequential> make_model() {
  auto model = std::make_unique<Sequential>(ModelOptions{.seed = 11});
  model->add<InputLayer>({.shape = {2}});
  model->add<Dense>({.units = 4, .activation = "relu"});
  model->add<BatchNormalization>({});
  model->add<Dense>({.units = 2, .activation = "softmax"});
  model->compile({.optimizer = std::make_unique<SGD>(SGD::Options{.learning_rate = 0.1}),
                  .loss = {.name = "categorical_crossentropy"},
                  .metrics = {"accuracy"}});
  return model;
}

// Copies every weight, state buffer and gradient at each epoch's end, keyed by histogram tag.
class WeightRecorder : public Callback {
 public:
  std::map<std::string, std::map<std::int64_t, std::vector<double>>> values;
  std::vector<double> batch_loss;  // running epoch mean at each batch end, in global order

  void on_epoch_end(TrainContext& ctx) override {
    for (const auto& layer : ctx.model->layers()) {
      for (Param* p : layer->params()) {
        record(layer->name() + "/" + p->name + "/histogram", ctx.epoch, p->value);
        record(layer->name() + "/" + p->name + "/gradient/histogram", ctx.epoch, p->grad);
      }
      for (Param* p : layer->state()) record(layer->name() + "/" + p->name + "/histogram", ctx.epoch, p->value);
    }
  }
  void on_train_batch_end(TrainContext& ctx) override { batch_loss.push_back(ctx.logs.at("loss")); }

 private:
  void record(const std::string& tag, int epoch, const Matrix& m) {
    values[tag][epoch] = std::vector<double>(m.data(), m.data() + m.size());
  }
};

// Per process: several build trees may run this suite at the same time.
fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("mlp_test_tensorboard_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  return dir;
}

// ---- tests -----------------------------------------------------------------------------------

TEST(TFRecord, Crc32cCheckValuesAndMask) {
  EXPECT_EQ(crc32c(std::string_view("123456789")), 0xE3069283u);  // the standard check value
  EXPECT_EQ(reader_crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);    // RFC 3720 B.4: 32 bytes of zeros
  EXPECT_EQ(crc32c(std::string(32, '\xFF')), 0x62A8AB43u);  // 32 bytes of ones
  EXPECT_EQ(crc32c(std::string_view()), 0u);
  // Continuing a CRC over a second piece equals the CRC of the whole.
  EXPECT_EQ(crc32c(std::string_view("56789"), crc32c(std::string_view("1234"))), 0xE3069283u);
  // TensorFlow's mask: rotate right by 15, add 0xa282ead8.
  EXPECT_EQ(mask_crc32c(0), 0xa282ead8u);
  EXPECT_EQ(mask_crc32c(0xE3069283u), 0xC78AB0E5u);
  EXPECT_EQ(mask_crc32c(0xE3069283u), reader_mask(0xE3069283u));
}

TEST(TFRecord, WriterFramingReadsBackAndCorruptionIsCaught) {
  const fs::path dir = fresh_dir("framing");
  fs::create_directories(dir);
  const std::string path = (dir / "records").string();
  const std::string big(1000, 'x');
  {
    TFRecordWriter w(path);
    w.write("hello");
    w.write("");
    w.write(big);
    w.close();
  }
  const std::string bytes = read_all(path);
  ASSERT_EQ(bytes.size(), 3 * 16 + 5 + 1000u);
  EXPECT_EQ(read_records(bytes), (std::vector<std::string>{"hello", "", big}));
  // First record, byte by byte: length 5, then its masked CRC, then the data.
  EXPECT_EQ(little_endian(bytes, 0, 8), 5u);
  EXPECT_EQ(little_endian(bytes, 8, 4), reader_mask(reader_crc32c(std::string("\x05\0\0\0\0\0\0\0", 8))));
  EXPECT_EQ(bytes.substr(12, 5), "hello");
  EXPECT_EQ(little_endian(bytes, 17, 4), reader_mask(reader_crc32c("hello")));

  std::string bad_data = bytes;
  bad_data[14] ^= 0x01;  // inside "hello"
  EXPECT_THROW(
      {
        try {
          read_records(bad_data);
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "data CRC mismatch at 12");
          throw;
        }
      },
      std::runtime_error);
  std::string bad_length = bytes;
  bad_length[21] ^= 0x01;  // the second record's length
  EXPECT_THROW(
      {
        try {
          read_records(bad_length);
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "length CRC mismatch at 21");
          throw;
        }
      },
      std::runtime_error);
  EXPECT_THROW(read_records(bytes.substr(0, bytes.size() - 1)), std::runtime_error);

  EXPECT_EQ(error_of([&] { TFRecordWriter w((dir / "no_such_dir" / "f").string()); }),
            "TFRecordWriter: cannot create '" + (dir / "no_such_dir" / "f").string() + "': No such file or directory");
  fs::remove_all(dir);
}

TEST(TensorBoard, WritesKerasLayoutScalarsAndHistogramsReadBackExactly) {
  const fs::path dir = fresh_dir("fit");
  Data d;
  auto model = make_model();
  TensorBoard tb({.log_dir = dir.string(), .histogram_freq = 1});
  WeightRecorder recorder;
  const History h = model->fit(d.x, d.y, {.batch_size = 4, .epochs = 3, .validation_x = d.vx, .validation_y = d.vy},
                               {&tb, &recorder});
  ASSERT_EQ(h.epoch.size(), 3u);

  const std::string train_file = only_event_file(dir / "train");
  const std::string val_file = only_event_file(dir / "validation");
  EXPECT_EQ(train_file, tb.train_file());
  EXPECT_EQ(val_file, tb.validation_file());
  const std::regex name(R"(events\.out\.tfevents\.[0-9]+\.[^/]+\.[0-9]+\.v2)");
  EXPECT_TRUE(std::regex_match(fs::path(train_file).filename().string(), name)) << train_file;
  EXPECT_TRUE(std::regex_match(fs::path(val_file).filename().string(), name)) << val_file;

  const std::vector<Event> train = read_events(train_file);
  const std::vector<Event> val = read_events(val_file);
  for (const auto* events : {&train, &val}) {
    ASSERT_FALSE(events->empty());
    EXPECT_EQ(events->front().file_version, "brain.Event:2");
    EXPECT_TRUE(events->front().values.empty());
    EXPECT_GT(events->front().wall_time, 1.6e9);  // seconds since 1970, after 2020
    for (std::size_t i = 1; i < events->size(); ++i) EXPECT_FALSE((*events)[i].file_version.has_value());
  }

  // Train: epoch_<key> for every non-"val_" key, plus the learning rate; step = 0-based epoch.
  const auto ts = scalars_of(train);
  EXPECT_EQ(ts.size(), 3u);  // epoch_loss, epoch_accuracy, epoch_learning_rate
  for (const char* key : {"loss", "accuracy"}) {
    ASSERT_TRUE(ts.contains(std::string("epoch_") + key)) << key;
    const auto& series = ts.at(std::string("epoch_") + key);
    ASSERT_EQ(series.size(), 3u) << key;
    for (std::int64_t e = 0; e < 3; ++e) {
      EXPECT_EQ(series.at(e), static_cast<float>(h.history.at(key)[static_cast<std::size_t>(e)])) << key << e;
    }
  }
  ASSERT_TRUE(ts.contains("epoch_learning_rate"));
  for (std::int64_t e = 0; e < 3; ++e) EXPECT_EQ(ts.at("epoch_learning_rate").at(e), 0.1f);

  // Validation: "val_loss" → "epoch_loss", and no learning rate.
  const auto vs = scalars_of(val);
  EXPECT_EQ(vs.size(), 2u);
  for (const char* key : {"loss", "accuracy"}) {
    ASSERT_TRUE(vs.contains(std::string("epoch_") + key)) << key;
    const auto& series = vs.at(std::string("epoch_") + key);
    ASSERT_EQ(series.size(), 3u) << key;
    for (std::int64_t e = 0; e < 3; ++e) {
      EXPECT_EQ(series.at(e), static_cast<float>(h.history.at(std::string("val_") + key)[static_cast<std::size_t>(e)]))
          << key << e;
    }
  }

  // Histograms of every weight, state buffer and gradient, every epoch, in train only.
  EXPECT_TRUE(histograms_of(val).empty());
  const auto hs = histograms_of(train);
  const std::vector<std::string> expected_tags = {"batch_normalization_1/beta/gradient/histogram",
                                                  "batch_normalization_1/beta/histogram",
                                                  "batch_normalization_1/gamma/gradient/histogram",
                                                  "batch_normalization_1/gamma/histogram",
                                                  "batch_normalization_1/moving_mean/histogram",
                                                  "batch_normalization_1/moving_variance/histogram",
                                                  "dense_1/bias/gradient/histogram",
                                                  "dense_1/bias/histogram",
                                                  "dense_1/kernel/gradient/histogram",
                                                  "dense_1/kernel/histogram",
                                                  "dense_2/bias/gradient/histogram",
                                                  "dense_2/bias/histogram",
                                                  "dense_2/kernel/gradient/histogram",
                                                  "dense_2/kernel/histogram"};
  std::vector<std::string> tags;
  for (const auto& [tag, series] : hs) tags.push_back(tag);
  EXPECT_EQ(tags, expected_tags);
  for (const auto& [tag, series] : hs) {
    ASSERT_EQ(series.size(), 3u) << tag;
    for (const auto& [step, histo] : series) {
      const std::vector<double>& v = recorder.values.at(tag).at(step);
      EXPECT_EQ(histo.num, static_cast<double>(v.size())) << tag << step;
      EXPECT_EQ(histo.min, *std::min_element(v.begin(), v.end())) << tag << step;
      EXPECT_EQ(histo.max, *std::max_element(v.begin(), v.end())) << tag << step;
      double sum = 0, sum_squares = 0, count = 0;
      for (double x : v) sum += x, sum_squares += x * x;
      EXPECT_NEAR(histo.sum, sum, 1e-12) << tag << step;
      EXPECT_NEAR(histo.sum_squares, sum_squares, 1e-12) << tag << step;
      ASSERT_EQ(histo.bucket.size(), histo.bucket_limit.size()) << tag;
      ASSERT_FALSE(histo.bucket.empty()) << tag;
      for (double c : histo.bucket) count += c;
      EXPECT_EQ(count, histo.num) << tag << step;
      EXPECT_EQ(histo.bucket_limit.back(), histo.max) << tag << step;
      EXPECT_TRUE(std::is_sorted(histo.bucket_limit.begin(), histo.bucket_limit.end())) << tag;
      // Every value lies in its bucket: between the previous limit (min for the first) and the limit.
      for (double x : v) {
        const auto it = std::lower_bound(histo.bucket_limit.begin(), histo.bucket_limit.end(), x);
        ASSERT_NE(it, histo.bucket_limit.end()) << tag;
      }
    }
  }
  // Kernel of dense_1 is 2x4; its histogram has tf.summary's 30 buckets.
  EXPECT_EQ(hs.at("dense_1/kernel/histogram").at(0).num, 8.0);
  EXPECT_EQ(hs.at("dense_1/kernel/histogram").at(0).bucket.size(), 30u);

  // The files are complete after fit: a corrupted byte is caught by the reader's CRC checks.
  std::string bytes = read_all(train_file);
  bytes[bytes.size() / 2] ^= 0x20;
  EXPECT_THROW(read_records(bytes), std::runtime_error);
  fs::remove_all(dir);
}

TEST(TensorBoard, BatchScalarsEveryNBatchesAcrossEpochs) {
  const fs::path dir = fresh_dir("batches");
  Data d;
  auto model = make_model();
  TensorBoard tb({.log_dir = dir.string(), .write_steps_per_second = true, .update_freq = 3});
  WeightRecorder recorder;
  // 8 samples, batch 2: 4 batches per epoch, 12 in all; every 3rd: global batches 3, 6, 9, 12.
  const History h = model->fit(d.x, d.y, {.batch_size = 2, .epochs = 3, .shuffle = false}, {&tb, &recorder});
  ASSERT_EQ(recorder.batch_loss.size(), 12u);
  EXPECT_FALSE(fs::exists(dir / "validation"));  // no validation data: no validation writer
  const auto ts = scalars_of(read_events(only_event_file(dir / "train")));
  ASSERT_TRUE(ts.contains("batch_loss"));
  ASSERT_TRUE(ts.contains("batch_accuracy"));
  const auto& loss = ts.at("batch_loss");
  ASSERT_EQ(loss.size(), 4u);
  for (std::int64_t step : {3, 6, 9, 12}) {
    ASSERT_TRUE(loss.contains(step)) << step;
    EXPECT_EQ(loss.at(step), static_cast<float>(recorder.batch_loss[static_cast<std::size_t>(step - 1)])) << step;
  }
  ASSERT_TRUE(ts.contains("batch_steps_per_second"));
  EXPECT_EQ(ts.at("batch_steps_per_second").size(), 4u);
  ASSERT_TRUE(ts.contains("epoch_steps_per_second"));
  EXPECT_EQ(ts.at("epoch_steps_per_second").size(), 3u);
  for (const auto& [step, v] : ts.at("epoch_steps_per_second")) EXPECT_GT(v, 0.0f) << step;
  EXPECT_EQ(ts.at("epoch_loss").at(2), static_cast<float>(h.history.at("loss")[2]));
  EXPECT_FALSE(ts.contains("epoch_val_loss"));
  // A second fit into the same log_dir adds a new file and keeps the first.
  model->fit(d.x, d.y, {.batch_size = 2, .epochs = 1}, {&tb});
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir / "train")) ++files;
  EXPECT_EQ(files, 2u);
  fs::remove_all(dir);
}

TEST(TensorBoard, EachEpochIsOnDiskBeforeTrainingEnds) {
  const fs::path dir = fresh_dir("flush");
  TensorBoard tb({.log_dir = dir.string()});
  TrainContext ctx;  // no model: the hooks alone, as a killed run would leave them
  tb.on_train_begin(ctx);
  ctx.epoch = 0;
  tb.on_epoch_begin(ctx);
  ctx.logs = {{"loss", 0.75}, {"val_loss", 0.5}};
  tb.on_epoch_end(ctx);
  // Not closed yet: both files already hold the epoch.
  const auto train = scalars_of(read_events(tb.train_file()));
  const auto val = scalars_of(read_events(tb.validation_file()));
  EXPECT_EQ(train.at("epoch_loss").at(0), 0.75f);
  EXPECT_EQ(val.at("epoch_loss").at(0), 0.5f);
  const std::string file = tb.train_file();
  tb.on_train_end(ctx);
  EXPECT_EQ(tb.train_file(), file);  // still named after closing
  EXPECT_EQ(scalars_of(read_events(file)).at("epoch_loss").at(0), 0.75f);
  fs::remove_all(dir);
}

TEST(TensorBoard, ConstantWeightsGetOneBucket) {
  const fs::path dir = fresh_dir("constant");
  auto model = make_model();  // built by its InputLayer, not trained: biases are zeros
  TensorBoard tb({.log_dir = dir.string(), .histogram_freq = 2, .write_grads = false});
  TrainContext ctx{.model = model.get()};
  tb.on_train_begin(ctx);
  for (ctx.epoch = 0; ctx.epoch < 3; ++ctx.epoch) {
    tb.on_epoch_begin(ctx);
    ctx.logs = {{"loss", 1.0}};
    tb.on_epoch_end(ctx);
  }
  tb.on_train_end(ctx);
  const auto hs = histograms_of(read_events(only_event_file(dir / "train")));
  EXPECT_FALSE(hs.contains("dense_1/kernel/gradient/histogram"));  // write_grads = false
  const auto& bias = hs.at("dense_1/bias/histogram");
  std::vector<std::int64_t> steps;
  for (const auto& [step, histo] : bias) steps.push_back(step);
  EXPECT_EQ(steps, (std::vector<std::int64_t>{0, 2}));  // epoch % histogram_freq == 0
  const Histo& zeros = bias.at(0);
  EXPECT_EQ(zeros.num, 4.0);
  EXPECT_EQ(zeros.min, 0.0);
  EXPECT_EQ(zeros.max, 0.0);
  EXPECT_EQ(zeros.bucket_limit, std::vector<double>{0.0});
  EXPECT_EQ(zeros.bucket, std::vector<double>{4.0});
  const Histo& ones = hs.at("batch_normalization_1/moving_variance/histogram").at(2);
  EXPECT_EQ(ones.min, 1.0);
  EXPECT_EQ(ones.bucket, std::vector<double>{4.0});
  fs::remove_all(dir);
}

TEST(TensorBoard, ErrorsNameThePath) {
  const fs::path dir = fresh_dir("errors");
  fs::create_directories(dir);
  const fs::path blocker = dir / "file";
  std::ofstream(blocker) << "not a directory";
  TensorBoard tb({.log_dir = blocker.string()});
  TrainContext ctx;
  const std::string message = error_of([&] { tb.on_train_begin(ctx); });
  EXPECT_EQ(message.find("TensorBoard: cannot create directory '" + (blocker / "train").string() + "': "), 0u)
      << message;
  EXPECT_EQ(error_of([] { TensorBoard t({.log_dir = ""}); }), "TensorBoard: log_dir is empty");
  EXPECT_EQ(error_of([] { TensorBoard t({.histogram_freq = -1}); }),
            "TensorBoard: histogram_freq must be >= 0, got -1");
  EXPECT_EQ(error_of([] { TensorBoard t({.update_freq = -2}); }),
            "TensorBoard: update_freq must be >= 0 (0 = \"epoch\"), got -2");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mlp
