// Compact JWTs signed with Ed25519 ("alg": "EdDSA", RFC 8037): what
// token-service issues to OAuth clients and what the edge and the services
// verify locally, with no RPC per request.
#ifndef SCIM_CLIENTS_TOKEN_JWT_H_
#define SCIM_CLIENTS_TOKEN_JWT_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/signing_key.h"

namespace scim::token {

inline constexpr char kJwtIssuer[] = "scim-token-service";
inline constexpr char kJwtAudience[] = "scim";

// Longer bearer tokens are refused before decoding. Ours are about 400
// bytes; 8 KiB is the usual HTTP header line limit.
inline constexpr size_t kMaxJwtBytes = 8192;

struct JwtClaims {
  std::string subject;  // the OAuth client id
  std::string tenant;
  std::string id;       // jti
  absl::Time issued_at;
  absl::Time not_before;
  absl::Time expires;
};

std::string SignJwt(const JwtClaims& claims, const std::string& kid,
                    const SigningKey& key);

// True iff `token` has the shape of a JWT (three base64url parts).
bool LooksLikeJwt(absl::string_view token);

// Verifies signature (with the key `public_key_for(kid)` returns), issuer,
// audience, nbf and exp (with `skew`), and returns the claims.
// UNAUTHENTICATED, with the reason, for anything else: never throws, whatever
// the JSON in the header or the claims (wrong types, huge numbers).
absl::StatusOr<JwtClaims> VerifyJwt(
    absl::string_view token,
    const std::function<std::optional<std::string>(const std::string& kid)>&
        public_key_for,
    absl::Time now, absl::Duration skew = absl::Seconds(30));

}  // namespace scim::token

#endif  // SCIM_CLIENTS_TOKEN_JWT_H_
