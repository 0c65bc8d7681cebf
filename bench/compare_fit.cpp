// SPDX-License-Identifier: MIT
// mlp's side of bench/compare_pytorch.sh: trains an MLP on the official MNIST files and prints one
// JSON line with the seconds of every epoch (wall, epoch_seconds, and the process' CPU,
// epoch_cpu_seconds: CPU / wall is the cores it used), samples/s, test accuracy, GEMM GFLOP per
// epoch, peak RSS and (with --predict) inference throughput. bench/pytorch_mlp.py prints the same
// line for PyTorch, for the identical model, data, initialization, optimizer, batch size and threads.
//   bench_compare_fit --data DIR [--epochs 5] [--batch 128] [--hidden 256,256] [--dropout 0.45]
//                     [--threads 2] [--seed 1] [--predict] [--float-inputs]
// --threads 0 is what a user gets by default: every core, fit() choosing the count from the load
// (mlp/thread_tuner.hpp); the line then says "threads": the cores, "thread_mode": "automatic".
// The model: 784 → Dense(h, relu) → Dropout → … → Dense(10, softmax), glorot_uniform kernels and
// zero biases (Keras' defaults), Adam (lr 1e-3, β 0.9/0.999, ε 1e-7), categorical cross-entropy,
// shuffled every epoch. Pixels are scaled to [0, 1]: kept as bytes and scaled as each batch is
// gathered (InputView, what `mlp train` does), or with --float-inputs converted to floats up
// front (4x the memory; the same bits, so the two runs differ only in time and RSS).
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "mlp/mlp.hpp"

namespace {
using namespace mlp;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string data;
  int epochs = 5;
  std::size_t batch = 128;
  std::vector<std::size_t> hidden{256, 256};
  double dropout = 0.45;
  int threads = 2;
  std::uint64_t seed = 1;
  bool predict = false;
  bool float_inputs = false;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw Error(k + " needs a value");
      return argv[++i];
    };
    if (k == "--data") {
      a.data = value();
    } else if (k == "--epochs") {
      a.epochs = std::stoi(value());
    } else if (k == "--batch") {
      a.batch = std::stoul(value());
    } else if (k == "--hidden") {
      a.hidden.clear();
      std::stringstream list(value());
      for (std::string part; std::getline(list, part, ',');) a.hidden.push_back(std::stoul(part));
    } else if (k == "--dropout") {
      a.dropout = std::stod(value());
    } else if (k == "--threads") {
      a.threads = std::stoi(value());
    } else if (k == "--seed") {
      a.seed = std::stoull(value());
    } else if (k == "--predict") {
      a.predict = true;
    } else if (k == "--float-inputs") {
      a.float_inputs = true;
    } else {
      throw Error("unknown argument " + k);
    }
  }
  if (a.data.empty()) throw Error("--data DIR is required (the four MNIST IDX files)");
  return a;
}

// CPU seconds of the whole process (all its threads) so far: the clock of Python's
// time.process_time(), which bench/pytorch_mlp.py reads.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Wall and process CPU time of every epoch, from on_epoch_begin to on_epoch_end (training only:
// no validation).
class EpochTimer : public Callback {
 public:
  std::vector<double> seconds;
  std::vector<double> cpu_seconds;
  void on_epoch_begin(TrainContext&) override {
    start_ = Clock::now();
    cpu_start_ = process_cpu_seconds();
  }
  void on_epoch_end(TrainContext&) override {
    seconds.push_back(std::chrono::duration<double>(Clock::now() - start_).count());
    cpu_seconds.push_back(process_cpu_seconds() - cpu_start_);
  }

 private:
  Clock::time_point start_;
  double cpu_start_ = 0;
};

std::string json_list(const std::vector<double>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}
}  // namespace

int main(int argc, char** argv) try {
  const Args args = parse(argc, argv);
  set_num_threads(args.threads);
  const std::string dir = args.data + "/";
  const ByteMatrix train_bytes = idx_to_bytes(read_idx(dir + "train-images-idx3-ubyte"));
  const ByteMatrix test_bytes = idx_to_bytes(read_idx(dir + "t10k-images-idx3-ubyte"));
  const Matrix y_train = one_hot(read_idx(dir + "train-labels-idx1-ubyte"), 10);
  const Matrix y_test = one_hot(read_idx(dir + "t10k-labels-idx1-ubyte"), 10);
  Matrix train_floats, test_floats;
  if (args.float_inputs) {
    train_floats = to_matrix(InputView(train_bytes, 1.0 / 255));
    test_floats = to_matrix(InputView(test_bytes, 1.0 / 255));
  }
  const InputView x_train = args.float_inputs ? InputView(train_floats) : InputView(train_bytes, 1.0 / 255);
  const InputView x_test = args.float_inputs ? InputView(test_floats) : InputView(test_bytes, 1.0 / 255);

  Sequential model({.seed = args.seed});
  model.add<InputLayer>({.shape = {784}});
  for (std::size_t units : args.hidden) {
    model.add<Dense>({.units = units, .activation = "relu"});
    if (args.dropout > 0) model.add<Dropout>({.rate = args.dropout});
  }
  model.add<Dense>({.units = 10, .activation = "softmax"});
  model.compile({.optimizer = std::make_unique<Adam>(Adam::Options{}),
                 .loss = {.name = "categorical_crossentropy"},
                 .metrics = {"accuracy"}});

  // GEMM work of one epoch: per Dense (in → out) 2·N·in·out for the forward product, as much for
  // the weight gradient, and as much for the input gradient except in the first layer.
  const double n = static_cast<double>(x_train.rows());
  double flop = 0;
  std::size_t in = 784;
  std::vector<std::size_t> widths = args.hidden;
  widths.push_back(10);
  for (std::size_t k = 0; k < widths.size(); ++k) {
    const double mnk = 2 * n * static_cast<double>(in) * static_cast<double>(widths[k]);
    flop += mnk * (k == 0 ? 2 : 3);
    in = widths[k];
  }

  EpochTimer timer;
  const auto start = Clock::now();
  model.fit(x_train, y_train, {.batch_size = args.batch, .epochs = args.epochs}, {&timer});
  const double total = std::chrono::duration<double>(Clock::now() - start).count();
  const Logs test = model.evaluate(x_test, y_test, {.batch_size = 1024});

  std::ostringstream out;
  out << "{\"impl\": \"mlp\", \"gemm\": \"" << gemm_backend() << "\", \"inputs\": \""
      << (args.float_inputs ? "floats" : "bytes") << "\", \"threads\": " << num_threads() << ", \"thread_mode\": \""
      << (args.threads == 0 ? "automatic" : "fixed") << "\""
      << ", \"batch\": " << args.batch << ", \"params\": " << model.count_params()
      << ", \"epoch_seconds\": " << json_list(timer.seconds)
      << ", \"epoch_cpu_seconds\": " << json_list(timer.cpu_seconds) << ", \"total_seconds\": " << total
      << ", \"test_accuracy\": " << test.at("accuracy") << ", \"gflop_per_epoch\": " << flop / 1e9;
  if (args.predict) {
    // Inference: samples/s at batch 1024 over the test set (best of 5), and batch-1 latency
    // (median of 2,000 single-sample predictions after a warm-up).
    double best = 1e30;
    for (int r = 0; r < 5; ++r) {
      const auto t0 = Clock::now();
      const Matrix p = model.predict(x_test, 1024);
      best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    std::vector<double> lat;
    for (int r = 0; r < 2200; ++r) {
      const InputView one = x_test.row_range(static_cast<std::size_t>(r) % x_test.rows(), 1);
      const auto t0 = Clock::now();
      const Matrix p = model.predict(one, 1);
      if (r >= 200) lat.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    std::nth_element(lat.begin(), lat.begin() + static_cast<std::ptrdiff_t>(lat.size() / 2), lat.end());
    out << ", \"predict_samples_per_s\": " << static_cast<double>(x_test.rows()) / best
        << ", \"latency_us\": " << lat[lat.size() / 2] * 1e6;
  }
  out << ", \"peak_rss_mib\": " << static_cast<double>(peak_rss_kib()) / 1024 << "}";
  std::cout << out.str() << std::endl;
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_compare_fit: error: %s\n", e.what());
  return 1;
}
