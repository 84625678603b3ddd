// Standard Webhooks signatures (https://www.standardwebhooks.com/, symmetric
// scheme): HMAC-SHA256 over "<msg_id>.<timestamp>.<body>", keyed by the
// base64-decoded part of a "whsec_..." secret, sent as "v1,<base64>".
#ifndef SCIM_WEBHOOKS_SIGNATURE_H_
#define SCIM_WEBHOOKS_SIGNATURE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/random.h"

namespace scim::webhooks {

inline constexpr char kSecretPrefix[] = "whsec_";

// A fresh secret: "whsec_" + base64 of 32 random bytes (the specification
// asks for 24 to 64).
std::string NewSecret(RandomSource& random);

// The signing key inside `secret`; INVALID_ARGUMENT unless it is "whsec_"
// followed by base64 of 24 to 64 bytes.
absl::StatusOr<std::string> SecretKey(absl::string_view secret);

// "v1,<base64 HMAC-SHA256(key, msg_id + "." + timestamp + "." + body)>".
absl::StatusOr<std::string> Sign(absl::string_view secret, absl::string_view msg_id,
                                 int64_t timestamp_seconds, absl::string_view body);

// The webhook-signature header: one signature per secret, space-separated
// (during a rotation the new and the previous secret both sign, so that a
// receiver holding either verifies). At least one secret is required.
absl::StatusOr<std::string> SignatureHeader(const std::vector<std::string>& secrets,
                                            absl::string_view msg_id,
                                            int64_t timestamp_seconds,
                                            absl::string_view body);

}  // namespace scim::webhooks

#endif  // SCIM_WEBHOOKS_SIGNATURE_H_
