#include "common/admin_token.h"

#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/request_metadata.h"
#include "common/secret_file.h"
#include "common/status.h"

namespace scim {

namespace {

// A token file this process's user owns must be theirs alone (0600, 0400).
// One owned by another user may also be readable by our group: that is a
// Kubernetes Secret mounted with fsGroup (0440, root:fsGroup). Nobody else
// may read it, and only the owner may change it.
absl::Status CheckPrivate(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return absl::OkStatus();  // created 0600
  const mode_t mode = st.st_mode & 0777;
  const bool others = (mode & 0007) != 0;
  const bool group_writes = (mode & 0020) != 0;
  const bool group_reads_ours = (mode & 0040) != 0 && st.st_uid == geteuid();
  if (!others && !group_writes && !group_reads_ours) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrFormat(
      "the admin token file %s has mode %04o: other users can read or change "
      "it; chmod 600 %s (on Kubernetes: mount the Secret with defaultMode 0440 "
      "and an fsGroup)",
      path, mode, path));
}

}  // namespace

absl::StatusOr<std::string> LoadOrCreateAdminToken(const std::string& path,
                                                   RandomSource& random) {
  RETURN_IF_ERROR(CheckPrivate(path));
  return LoadOrCreateSecretFile(path,
                                "scimadm_" + Base64UrlEncode(random.Bytes(32)));
}

std::string DenialRecorderToken(absl::string_view admin_token) {
  return "scimden_" +
         Base64UrlEncode(HmacSha256(admin_token, "scim/v1 audit: record denials"));
}

std::string BearerFromMetadata(const grpc::ServerContext& context) {
  return BearerOf(MetadataValue(context, "authorization"));
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
