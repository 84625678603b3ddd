#include "webhooks/signature.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/status.h"

namespace scim::webhooks {
namespace {

constexpr size_t kSecretBytes = 32;
constexpr size_t kMinKeyBytes = 24;
constexpr size_t kMaxKeyBytes = 64;

}  // namespace

std::string NewSecret(RandomSource& random) {
  return absl::StrCat(kSecretPrefix, absl::Base64Escape(random.Bytes(kSecretBytes)));
}

absl::StatusOr<std::string> SecretKey(absl::string_view secret) {
  if (!absl::ConsumePrefix(&secret, kSecretPrefix)) {
    return InvalidValue("a webhook secret starts with whsec_");
  }
  // Bounded before decoding: 64 bytes are 88 base64 characters.
  std::string key;
  if (secret.size() > 4 * ((kMaxKeyBytes + 2) / 3) ||
      !absl::Base64Unescape(secret, &key) || key.size() < kMinKeyBytes ||
      key.size() > kMaxKeyBytes) {
    return InvalidValue("a webhook secret is whsec_ + base64 of 24 to 64 bytes");
  }
  return key;
}

absl::StatusOr<std::string> Sign(absl::string_view secret, absl::string_view msg_id,
                                 int64_t timestamp_seconds, absl::string_view body) {
  ASSIGN_OR_RETURN(const std::string key, SecretKey(secret));
  const std::string mac =
      HmacSha256(key, absl::StrCat(msg_id, ".", timestamp_seconds, ".", body));
  return absl::StrCat("v1,", absl::Base64Escape(mac));
}

absl::StatusOr<std::string> SignatureHeader(const std::vector<std::string>& secrets,
                                            absl::string_view msg_id,
                                            int64_t timestamp_seconds,
                                            absl::string_view body) {
  if (secrets.empty()) return absl::FailedPreconditionError("no signing secret");
  std::vector<std::string> signatures;
  for (const std::string& secret : secrets) {
    ASSIGN_OR_RETURN(std::string signature, Sign(secret, msg_id, timestamp_seconds, body));
    signatures.push_back(std::move(signature));
  }
  return absl::StrJoin(signatures, " ");
}

}  // namespace scim::webhooks
