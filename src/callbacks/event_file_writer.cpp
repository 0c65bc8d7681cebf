// SPDX-License-Identifier: MIT
#include "event_file_writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <system_error>

#include "mlp/error.hpp"
#include "tensorboard_event.pb.h"

namespace mlp::detail {
namespace {

namespace fs = std::filesystem;

double wall_time() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// Creates the directory and picks a file name in it that no other writer uses.
std::string new_event_file(const std::string& directory) {
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec || !fs::is_directory(directory)) {
    throw Error("TensorBoard: cannot create directory '" + directory +
                "': " + (ec ? ec.message() : std::string("a file of that name exists")));
  }
  const std::string stem = "events.out.tfevents." + std::to_string(static_cast<long long>(std::time(nullptr))) + "." +
                           host_name() + "." + std::to_string(static_cast<long long>(getpid()));
  std::string name = stem + ".v2";
  for (int n = 1; fs::exists(fs::path(directory) / name); ++n) name = stem + "." + std::to_string(n) + ".v2";
  return (fs::path(directory) / name).string();
}

}  // namespace

Histogram make_histogram(std::span<const Scalar> values, std::size_t buckets) {
  Histogram h;
  h.num = static_cast<double>(values.size());
  if (values.empty()) return h;
  bool first = true;
  for (Scalar v : values) {
    const double x = v;
    h.sum += x;
    h.sum_squares += x * x;
    if (!std::isfinite(x)) continue;
    h.min = first ? x : std::min(h.min, x);
    h.max = first ? x : std::max(h.max, x);
    first = false;
  }
  const double width = h.max - h.min;
  if (width == 0 || buckets <= 1) {
    h.bucket_limit = {h.max};
    h.bucket = {h.num};
    return h;
  }
  h.bucket_limit.resize(buckets);
  h.bucket.assign(buckets, 0.0);
  for (std::size_t i = 0; i < buckets; ++i) {
    h.bucket_limit[i] = h.min + width * static_cast<double>(i + 1) / static_cast<double>(buckets);
  }
  h.bucket_limit.back() = h.max;
  const double scale = static_cast<double>(buckets) / width;
  for (Scalar v : values) {
    const double at = (static_cast<double>(v) - h.min) * scale;  // NaN and ±inf: first or last bucket
    std::size_t i = 0;
    if (at >= static_cast<double>(buckets)) {
      i = buckets - 1;
    } else if (at > 0) {
      i = static_cast<std::size_t>(at);
    }
    h.bucket[i] += 1;
  }
  return h;
}

EventFileWriter::EventFileWriter(const std::string& directory) : file_(new_event_file(directory)) {
  tfevent::Event event;
  event.set_wall_time(wall_time());
  event.set_file_version("brain.Event:2");
  file_.write(event.SerializeAsString());
  file_.flush();  // an empty run still leaves a readable file
}

void EventFileWriter::add_scalar(const std::string& tag, double value, std::int64_t step) {
  tfevent::Event event;
  event.set_wall_time(wall_time());
  event.set_step(step);
  tfevent::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  v->set_simple_value(static_cast<float>(value));
  file_.write(event.SerializeAsString());
}

void EventFileWriter::add_histogram(const std::string& tag, const Histogram& histogram, std::int64_t step) {
  tfevent::Event event;
  event.set_wall_time(wall_time());
  event.set_step(step);
  tfevent::Summary::Value* v = event.mutable_summary()->add_value();
  v->set_tag(tag);
  tfevent::HistogramProto* h = v->mutable_histo();
  h->set_min(histogram.min);
  h->set_max(histogram.max);
  h->set_num(histogram.num);
  h->set_sum(histogram.sum);
  h->set_sum_squares(histogram.sum_squares);
  for (double limit : histogram.bucket_limit) h->add_bucket_limit(limit);
  for (double count : histogram.bucket) h->add_bucket(count);
  file_.write(event.SerializeAsString());
}

}  // namespace mlp::detail
