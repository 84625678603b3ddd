#include "common/admin_token.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/secret_file.h"
#include "common/status.h"

namespace scim {

absl::StatusOr<std::string> LoadOrCreateAdminToken(const std::string& path,
                                                   RandomSource& random) {
  return LoadOrCreateSecretFile(path,
                                "scimadm_" + Base64UrlEncode(random.Bytes(32)));
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
