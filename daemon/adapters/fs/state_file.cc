#include "adapters/fs/state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

namespace larder {
namespace {

Status sys_error(const std::string& what, const std::string& path) {
  return Status::Error(what + " \"" + path + "\": " + std::strerror(errno));
}

}  // namespace

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

Status check_room(const std::string& dir, std::size_t bytes) {
  std::string path = (std::filesystem::path(dir) / ".larder-room-XXXXXX").string();
  const int fd = ::mkstemp(path.data());
  if (fd < 0) return sys_error("cannot write a file in", dir);
  const bool ok = write_all(fd, std::string(bytes, '\0')) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  ::unlink(path.c_str());
  if (ok) return Status::Ok();
  errno = err;
  return sys_error("no room for " + std::to_string(bytes) + " bytes in", dir);
}

void sync_parent_dir(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

Status write_state_file(const std::string& path, const std::string& data) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return sys_error("cannot create", tmp);
  if (!write_all(fd, data) || ::fsync(fd) != 0) {
    Status s = sys_error("cannot write", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return s;
  }
  if (::close(fd) != 0) {
    Status s = sys_error("cannot write", tmp);
    ::unlink(tmp.c_str());
    return s;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = sys_error("cannot replace", path);
    ::unlink(tmp.c_str());
    return s;
  }
  // The rename is durable only once the directory is synced.
  sync_parent_dir(path);
  return Status::Ok();
}

Result<std::optional<std::string>> read_state_file(const std::string& path, std::size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return sys_error("cannot open", path);
  }
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = sys_error("cannot read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) {
      ::close(fd);
      return Status::Error("\"" + path + "\" is larger than " + std::to_string(max_bytes) +
                           " bytes");
    }
  }
  ::close(fd);
  return std::optional<std::string>(std::move(out));
}

Status make_state_dir(const std::string& dir) {
  if (dir.empty()) return Status::Error("the state directory is empty");
  std::filesystem::path prefix;
  for (const auto& part : std::filesystem::path(dir)) {
    prefix /= part;
    if (part.empty() || prefix == prefix.root_path()) continue;
    if (::mkdir(prefix.c_str(), 0750) != 0 && errno != EEXIST) {
      return Status::Error("cannot create the state directory " + prefix.string() + ": " +
                           std::strerror(errno));
    }
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::Error("the state directory " + dir + " is not a directory");
  }
  return Status::Ok();
}

}  // namespace larder
