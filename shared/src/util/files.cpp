#include "secu/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "secu/crypto.hpp"

namespace secu::files {

namespace {
// Owns a file descriptor (model: ccache's util::Fd).
class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  int get() const { return m_fd; }
  bool ok() const { return m_fd >= 0; }
  int release() {
    int f = m_fd;
    m_fd = -1;
    return f;
  }

 private:
  int m_fd;
};

Error io_error(std::string_view what, const std::string& path) {
  return Error::make(ErrorKind::kUnavailable, "io_error",
                     std::string(what) + " " + path + ": " + std::strerror(errno));
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}
}  // namespace

Status write_atomic(const std::string& path, std::string_view content, unsigned mode) {
  const std::string tmp = path + ".tmp." + crypto::random_token(6);
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd.ok()) return io_error("cannot create", tmp);
  // fchmod: the umask may have narrowed the mode, never widened it; make it exactly `mode`.
  (void)::fchmod(fd.get(), mode);
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto e = io_error("cannot write", tmp);
      ::unlink(tmp.c_str());
      return e;
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
    auto e = io_error("cannot sync", tmp);
    ::unlink(tmp.c_str());
    return e;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto e = io_error("cannot rename to", path);
    ::unlink(tmp.c_str());
    return e;
  }
  Fd dir(::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.ok()) (void)::fsync(dir.get());
  return {};
}

Result<std::string> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::make(ErrorKind::kNotFound, "file_not_found", "cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Status make_dir(const std::string& path, unsigned mode) {
  if (path.empty()) return Error::invalid("empty directory path");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return Error::invalid(path + " exists and is not a directory");
    return {};
  }
  const std::string parent = dir_of(path);
  if (parent != path && parent != "." && parent != "/" && !exists(parent)) {
    SECU_TRY_VOID(make_dir(parent, 0755));
  }
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return io_error("cannot create", path);
  (void)::chmod(path.c_str(), mode);
  return {};
}

Result<unsigned> mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return io_error("cannot stat", path);
  return static_cast<unsigned>(st.st_mode & 07777);
}

}  // namespace secu::files
