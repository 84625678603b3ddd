#include "common/secret_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace scim {

absl::StatusOr<std::string> LoadOrCreateSecretFile(const std::string& path,
                                                   const std::string& initial) {
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  // O_EXCL: of two processes starting at once, exactly one writes the file.
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd >= 0) {
    std::string line = initial + "\n";
    bool ok = write(fd, line.data(), line.size()) ==
                  static_cast<ssize_t>(line.size()) &&
              fsync(fd) == 0;
    close(fd);
    if (!ok) return absl::InternalError("cannot write " + path);
    return initial;
  }
  if (errno != EEXIST) {
    return absl::InternalError(
        absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  return LoadSecretFile(path);
}

absl::StatusOr<std::string> LoadSecretFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read " + path);
  std::stringstream content;
  content << in.rdbuf();
  std::string existing(absl::StripAsciiWhitespace(content.str()));
  if (existing.empty()) {
    return absl::FailedPreconditionError("secret file is empty: " + path);
  }
  return existing;
}

}  // namespace scim
