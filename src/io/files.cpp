// SPDX-License-Identifier: MIT
#include "mlp/io/files.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "mlp/error.hpp"

namespace mlp {
namespace {
std::string reason() { return std::strerror(errno); }

// Temporary files "<name>.tmp.<pid>" left beside `target` by a writer that was killed before its
// rename (SIGKILL, power cut) are removed once their process is gone, so repeated crashes do not
// pile them up. Best effort: any error here is ignored.
void remove_stale_temporaries(const std::filesystem::path& dir, const std::filesystem::path& target) {
  const std::string prefix = target.filename().string() + ".tmp.";
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix)) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (pid == ::getpid() || (::kill(pid, 0) != 0 && errno == ESRCH)) {
      std::error_code ignored;
      std::filesystem::remove(it->path(), ignored);
    }
  }
}
}  // namespace

void write_file_atomic(const std::string& path, std::span<const std::uint8_t> bytes) {
  const std::filesystem::path target(path);
  const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(path + ": cannot write (" + reason() + ")");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string why = reason();
      ::close(fd);
      ::unlink(temp.c_str());
      throw Error(path + ": cannot write (" + why + "); the existing file, if any, is unchanged");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string why = reason();
    ::unlink(temp.c_str());
    throw Error(path + ": cannot write (" + why + "); the existing file, if any, is unchanged");
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = reason();
    ::unlink(temp.c_str());
    throw Error(path + ": cannot replace (" + why + "); the existing file, if any, is unchanged");
  }
  remove_stale_temporaries(dir, target);
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);  // makes the rename durable; failure here loses nothing already written
    ::close(dir_fd);
  }
}

}  // namespace mlp
