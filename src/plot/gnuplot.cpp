// SPDX-License-Identifier: MIT
#include "mlp/plot/gnuplot.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

#include "mlp/error.hpp"
#include "mlp/io/files.hpp"

namespace mlp {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMinSide = 16;
constexpr std::size_t kMaxSide = 10000;     // read_image's limit too
constexpr std::size_t kMaxLogChars = 2000;  // of gnuplot's messages, quoted in an error
constexpr std::array<unsigned char, 8> kPngSignature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

// A directory only this process uses (mkdtemp: mode 0700, a fresh random name), removed with
// everything in it when the plot is done or has failed.
class PrivateTempDir {
 public:
  PrivateTempDir() {
    std::error_code ec;
    const fs::path base = fs::temp_directory_path(ec);
    if (ec) throw Error("plot: no temporary directory (" + ec.message() + "); set TMPDIR to a writable directory");
    std::string pattern = (base / "mlp-plot-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw Error(base.string() + ": cannot create a temporary directory for gnuplot (" + std::strerror(errno) + ")");
    }
    path_ = pattern;
  }
  ~PrivateTempDir() {
    std::error_code ignored;  // nothing to report from a destructor; the directory is ours alone
    fs::remove_all(path_, ignored);
  }
  PrivateTempDir(const PrivateTempDir&) = delete;
  PrivateTempDir& operator=(const PrivateTempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw Error(path + ": cannot write gnuplot's input (" + std::strerror(errno) + ")");
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// gnuplot's messages, trimmed for an error message (the end is where the error is).
std::string log_excerpt(std::string log) {
  while (!log.empty() && (log.back() == '\n' || log.back() == ' ')) log.pop_back();
  if (log.size() > kMaxLogChars) log = "..." + log.substr(log.size() - kMaxLogChars);
  return log.empty() ? "no message" : log;
}

// Runs `gnuplot script` (PATH lookup, no shell) with stdout and stderr in `log`; returns the wait
// status.
int run_gnuplot(const std::string& script, const std::string& log) {
  posix_spawn_file_actions_t actions;
  if (::posix_spawn_file_actions_init(&actions) != 0) throw Error("cannot run gnuplot (out of memory)");
  int rc = ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  if (rc == 0) rc = ::posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (rc == 0) rc = ::posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::string arg0 = "gnuplot";
  std::string arg1 = script;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  // gnuplot runs in a process group of its own, out of reach of the terminal's Ctrl-C: its SIGINT
  // handler is not async-signal-safe (a Ctrl-C during a plot left it deadlocked on malloc's lock
  // and mlp waiting for it forever). A plot takes a fraction of a second; mlp's own handler
  // decides what a Ctrl-C means.
  posix_spawnattr_t attributes;
  if (rc == 0 && ::posix_spawnattr_init(&attributes) != 0) rc = ENOMEM;
  const bool have_attributes = rc == 0;
  if (rc == 0) rc = ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  if (rc == 0) rc = ::posix_spawnattr_setpgroup(&attributes, 0);
  pid_t pid = 0;
  if (rc == 0) rc = ::posix_spawnp(&pid, "gnuplot", &actions, &attributes, argv, environ);
  if (have_attributes) ::posix_spawnattr_destroy(&attributes);
  ::posix_spawn_file_actions_destroy(&actions);
  if (rc == ENOENT) throw Error("gnuplot not found: install gnuplot-nox (scripts/bootstrap does)");
  if (rc != 0) throw Error(std::string("cannot run gnuplot (") + std::strerror(rc) + ")");
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw Error(std::string("lost track of gnuplot (") + std::strerror(errno) + ")");
  }
  return status;
}

}  // namespace

std::string gnuplot_quote(std::string_view text) {
  std::string out = "\"";
  out.reserve(text.size() * 4 + 2);
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte == 0) continue;
    // Digits are escaped too: gnuplot 5.4 reads up to four octal digits after "\0", so a digit
    // right after an escape would join it.
    if ((byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || byte == ' ') {
      out += c;
    } else {
      out += '\\';
      out += static_cast<char>('0' + (byte >> 6));
      out += static_cast<char>('0' + ((byte >> 3) & 7));
      out += static_cast<char>('0' + (byte & 7));
    }
  }
  out += '"';
  return out;
}

std::string gnuplot_number(double value) {
  if (!std::isfinite(value)) return "NaN";
  std::array<char, 32> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  return std::string(buf.data(), end);
}

GnuplotScript& GnuplotScript::add(std::string_view line) {
  commands_.append(line);
  commands_ += '\n';
  return *this;
}

std::string GnuplotScript::add_data(std::string content) {
  data_.push_back(std::move(content));
  return "data_" + std::to_string(data_.size() - 1);
}

void render_png(const std::string& png_path, const GnuplotScript& script, ImageSize size) {
  if (size.width < kMinSide || size.width > kMaxSide || size.height < kMinSide || size.height > kMaxSide) {
    throw Error(png_path + ": image size " + std::to_string(size.width) + "x" + std::to_string(size.height) +
                " pixels; each side must be in [" + std::to_string(kMinSide) + ", " + std::to_string(kMaxSide) + "]");
  }
  const PrivateTempDir dir;
  const std::string image = dir.file("plot.png");
  std::string text = "set terminal pngcairo size " + std::to_string(size.width) + "," + std::to_string(size.height) +
                     " noenhanced font \"Sans,10\" background rgb \"white\"\n";
  text += "set output " + gnuplot_quote(image) + "\n";
  text += "set encoding utf8\n";
  for (std::size_t i = 0; i < script.data().size(); ++i) {
    const std::string data_path = dir.file("data_" + std::to_string(i) + ".dat");
    write_text(data_path, script.data()[i]);
    text += "data_" + std::to_string(i) + " = " + gnuplot_quote(data_path) + "\n";
  }
  text += script.commands();
  text += "unset output\n";
  const std::string script_path = dir.file("plot.gp");
  write_text(script_path, text);

  const std::string log = dir.file("gnuplot.log");
  const int status = run_gnuplot(script_path, log);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const std::string how = WIFEXITED(status) ? "exit code " + std::to_string(WEXITSTATUS(status))
                                              : "killed by signal " + std::to_string(WTERMSIG(status));
    throw Error(png_path + ": gnuplot failed (" + how + "): " + log_excerpt(read_all(log)));
  }
  const std::string png = read_all(image);
  if (png.size() < kPngSignature.size() || std::memcmp(png.data(), kPngSignature.data(), kPngSignature.size()) != 0) {
    throw Error(png_path + ": gnuplot wrote no PNG image (does `gnuplot -e \"set terminal\"` list pngcairo?): " +
                log_excerpt(read_all(log)));
  }
  write_file_atomic(png_path, {reinterpret_cast<const std::uint8_t*>(png.data()), png.size()});
}

}  // namespace mlp
