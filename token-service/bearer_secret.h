// The shape of the credentials token-service shows once and keeps only as a
// hash: "<prefix><id>_<secret>". The id (hex, fixed length) names the record;
// the secret is 256 random bits (base64url) kept as its SHA-256. A hash
// suffices (no slow KDF): the secret has full entropy. API keys ("scim_")
// and setup links ("scl_") are made and read here.
#ifndef SCIM_TOKEN_SERVICE_BEARER_SECRET_H_
#define SCIM_TOKEN_SERVICE_BEARER_SECRET_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/random.h"

namespace scim::token {

struct NewBearerSecret {
  std::string id;
  std::string hash;  // what the record keeps
  std::string text;  // the whole credential, shown once
};

inline NewBearerSecret MakeBearerSecret(RandomSource& random, absl::string_view prefix,
                                        size_t id_length) {
  NewBearerSecret made;
  made.id = HexEncode(random.Bytes(id_length / 2));
  const std::string secret = Base64UrlEncode(random.Bytes(32));
  made.hash = Sha256(secret);
  made.text = absl::StrCat(prefix, made.id, "_", secret);
  return made;
}

struct PresentedSecret {
  std::string id;
  absl::string_view secret;
};

// The id and secret of `presented`, or nullopt when it is not of the shape.
inline std::optional<PresentedSecret> ParseBearerSecret(absl::string_view presented,
                                                        absl::string_view prefix,
                                                        size_t id_length) {
  if (!absl::StartsWith(presented, prefix)) return std::nullopt;
  const absl::string_view rest = presented.substr(prefix.size());
  if (rest.size() <= id_length + 1 || rest[id_length] != '_') return std::nullopt;
  return PresentedSecret{std::string(rest.substr(0, id_length)), rest.substr(id_length + 1)};
}

// Whether `secret` is the one `hash` was made from (constant time).
inline bool SecretMatches(absl::string_view secret, absl::string_view hash) {
  return ConstantTimeEquals(Sha256(secret), hash);
}

}  // namespace scim::token

#endif  // SCIM_TOKEN_SERVICE_BEARER_SECRET_H_
