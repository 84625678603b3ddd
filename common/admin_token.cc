#include "common/admin_token.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace scim {

absl::StatusOr<std::string> LoadOrCreateAdminToken(const std::string& path,
                                                   RandomSource& random) {
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::string token = "scimadm_" + Base64UrlEncode(random.Bytes(32));
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd >= 0) {
    std::string line = token + "\n";
    bool ok = write(fd, line.data(), line.size()) ==
                  static_cast<ssize_t>(line.size()) &&
              fsync(fd) == 0;
    close(fd);
    if (!ok) return absl::InternalError("cannot write admin token " + path);
    return token;
  }
  if (errno != EEXIST) {
    return absl::InternalError(
        absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  std::string existing(absl::StripAsciiWhitespace(content.str()));
  if (existing.empty()) {
    return absl::FailedPreconditionError("admin token file is empty: " + path);
  }
  return existing;
}

std::string BearerFromMetadata(const grpc::ServerContext& context) {
  const auto& md = context.client_metadata();
  auto it = md.find("authorization");
  if (it == md.end()) return "";
  absl::string_view value(it->second.data(), it->second.size());
  if (!absl::StartsWithIgnoreCase(value, "bearer ")) return "";
  return std::string(absl::StripAsciiWhitespace(value.substr(7)));
}

absl::Status CheckAdmin(const grpc::ServerContext& context,
                        absl::string_view token) {
  std::string presented = BearerFromMetadata(context);
  if (presented.empty() || !ConstantTimeEquals(presented, token)) {
    return ScimError(absl::StatusCode::kUnauthenticated, "",
                     "admin token required");
  }
  return absl::OkStatus();
}

}  // namespace scim
