#include "clients/token/jwt.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/random.h"
#include "common/status.h"
#include "nlohmann/json.hpp"

namespace scim::token {
namespace {

absl::Status Invalid(absl::string_view why) {
  return ScimError(absl::StatusCode::kUnauthenticated, "",
                   absl::StrCat("the bearer token is not valid: ", why));
}

bool IsBase64Url(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(absl::ascii_isalnum(c) || c == '-' || c == '_')) return false;
  }
  return true;
}

// The string member `name` of `object`, "" when absent; a member of any other
// JSON type makes the whole token invalid.
absl::StatusOr<std::string> StringMember(const nlohmann::json& object,
                                         const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return std::string();
  if (!it->is_string()) return Invalid(absl::StrCat("\"", name, "\" is not a string"));
  return it->get_ref<const std::string&>();
}

// Seconds since the epoch in `name`, nullopt when absent. Only integers in
// [0, year 9999] pass: a larger unsigned would wrap on conversion, and a
// float or a string is not a NumericDate we issue.
absl::StatusOr<std::optional<int64_t>> TimeMember(const nlohmann::json& object,
                                                  const char* name) {
  constexpr int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z
  auto it = object.find(name);
  if (it == object.end()) return std::optional<int64_t>();
  if (it->is_number_unsigned()) {
    const uint64_t value = it->get<uint64_t>();
    if (value > static_cast<uint64_t>(kMaxSeconds)) {
      return Invalid(absl::StrCat("\"", name, "\" is out of range"));
    }
    return std::optional<int64_t>(static_cast<int64_t>(value));
  }
  if (it->is_number_integer()) {
    const int64_t value = it->get<int64_t>();
    if (value < 0 || value > kMaxSeconds) {
      return Invalid(absl::StrCat("\"", name, "\" is out of range"));
    }
    return std::optional<int64_t>(value);
  }
  return Invalid(absl::StrCat("\"", name, "\" is not an integer"));
}

}  // namespace

std::string SignJwt(const JwtClaims& claims, const std::string& kid,
                    const SigningKey& key) {
  nlohmann::ordered_json header = {{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", kid}};
  nlohmann::ordered_json payload = {
      {"iss", kJwtIssuer},
      {"sub", claims.subject},
      {"aud", kJwtAudience},
      {"tenant", claims.tenant},
      {"iat", absl::ToUnixSeconds(claims.issued_at)},
      {"nbf", absl::ToUnixSeconds(claims.not_before)},
      {"exp", absl::ToUnixSeconds(claims.expires)},
      {"jti", claims.id}};
  std::string input = absl::StrCat(Base64UrlEncode(header.dump()), ".",
                                   Base64UrlEncode(payload.dump()));
  return absl::StrCat(input, ".", Base64UrlEncode(key.Sign(input)));
}

bool LooksLikeJwt(absl::string_view token) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  return parts.size() == 3 && IsBase64Url(parts[0]) && IsBase64Url(parts[1]) &&
         IsBase64Url(parts[2]);
}

absl::StatusOr<JwtClaims> VerifyJwt(
    absl::string_view token,
    const std::function<std::optional<std::string>(const std::string& kid)>&
        public_key_for,
    absl::Time now, absl::Duration skew) {
  // Checked before any decoding: a bearer token is attacker-controlled and
  // arrives unauthenticated.
  if (token.size() > kMaxJwtBytes) return Invalid("too long");
  if (!LooksLikeJwt(token)) return Invalid("malformed");
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  std::string header_text, payload_text, signature;
  if (!absl::WebSafeBase64Unescape(parts[0], &header_text) ||
      !absl::WebSafeBase64Unescape(parts[1], &payload_text) ||
      !absl::WebSafeBase64Unescape(parts[2], &signature)) {
    return Invalid("malformed");
  }
  // No exceptions: parse failures come back as `discarded`, and every member
  // below is read through the type-checking helpers, never json::value() or
  // get<>() (both throw on a member of the wrong JSON type).
  const nlohmann::json header = nlohmann::json::parse(header_text, nullptr, false);
  const nlohmann::json payload =
      nlohmann::json::parse(payload_text, nullptr, false);
  if (!header.is_object() || !payload.is_object()) return Invalid("malformed");
  ASSIGN_OR_RETURN(std::string alg, StringMember(header, "alg"));
  if (alg != "EdDSA") return Invalid("unsupported alg");
  ASSIGN_OR_RETURN(std::string kid, StringMember(header, "kid"));
  // typ is optional (RFC 7519 §5.1) and its value not checked, but it must
  // be a string like every other member we know.
  ASSIGN_OR_RETURN(std::string typ, StringMember(header, "typ"));
  std::optional<std::string> key = public_key_for(kid);
  if (!key.has_value()) return Invalid("unknown signing key (kid)");
  const std::string input = absl::StrCat(parts[0], ".", parts[1]);
  if (!VerifySignature(*key, input, signature)) return Invalid("bad signature");
  // Signed by us, yet still read defensively: a key can be misused.
  ASSIGN_OR_RETURN(std::optional<int64_t> exp, TimeMember(payload, "exp"));
  ASSIGN_OR_RETURN(std::optional<int64_t> nbf, TimeMember(payload, "nbf"));
  ASSIGN_OR_RETURN(std::optional<int64_t> iat, TimeMember(payload, "iat"));
  if (!exp || !nbf || !iat) return Invalid("missing time claims");
  ASSIGN_OR_RETURN(std::string iss, StringMember(payload, "iss"));
  ASSIGN_OR_RETURN(std::string aud, StringMember(payload, "aud"));
  if (iss != kJwtIssuer) return Invalid("wrong issuer");
  if (aud != kJwtAudience) return Invalid("wrong audience");
  if (now - skew >= absl::FromUnixSeconds(*exp)) return Invalid("expired");
  if (now + skew < absl::FromUnixSeconds(*nbf)) return Invalid("not yet valid");
  JwtClaims claims;
  ASSIGN_OR_RETURN(claims.subject, StringMember(payload, "sub"));
  ASSIGN_OR_RETURN(claims.tenant, StringMember(payload, "tenant"));
  ASSIGN_OR_RETURN(claims.id, StringMember(payload, "jti"));
  claims.issued_at = absl::FromUnixSeconds(*iat);
  claims.not_before = absl::FromUnixSeconds(*nbf);
  claims.expires = absl::FromUnixSeconds(*exp);
  if (claims.subject.empty() || claims.tenant.empty()) {
    return Invalid("missing subject or tenant");
  }
  return claims;
}

}  // namespace scim::token
