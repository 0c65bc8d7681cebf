// SPDX-License-Identifier: MIT
#pragma once
// EventFileWriter: one TensorBoard event file in a directory it creates, named as TensorFlow 2
// names them, events.out.tfevents.<unix seconds>.<host>.<pid>.v2 (".<n>" before ".v2" when that
// name is taken). Records are TFRecords (mlp/io/tfrecord.hpp) holding serialized Event messages
// (tensorboard_event.proto); the first is Event{file_version: "brain.Event:2"}. The protobuf
// classes stay inside event_file_writer.cpp.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mlp/io/tfrecord.hpp"
#include "mlp/scalar.hpp"

namespace mlp::detail {

/// HistogramProto's fields: bucket[i] counts the values between bucket_limit[i-1] (min for i = 0)
/// and bucket_limit[i].
struct Histogram {
  double min = 0, max = 0, num = 0, sum = 0, sum_squares = 0;
  std::vector<double> bucket_limit, bucket;
};

/// tf.summary.histogram's bucketing: `buckets` equal-width buckets from min to max, the last one
/// closed at max; a single bucket when every value is equal. Non-finite values count in num and
/// in the first bucket.
Histogram make_histogram(std::span<const Scalar> values, std::size_t buckets = 30);

class EventFileWriter {
 public:
  /// Creates `directory` (and its parents) and the file. Throws mlp::Error naming the path.
  explicit EventFileWriter(const std::string& directory);

  /// Summary value {tag, simple_value} at `step` (stored as float, as TensorBoard reads it).
  void add_scalar(const std::string& tag, double value, std::int64_t step);
  void add_histogram(const std::string& tag, const Histogram& histogram, std::int64_t step);
  void flush() { file_.flush(); }
  void close() { file_.close(); }
  const std::string& path() const { return file_.path(); }

 private:
  TFRecordWriter file_;
};

}  // namespace mlp::detail
