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

// A string member of a header or payload; "" when absent or of another type
// (nlohmann's value() would throw type_error on, say, {"alg": 1}).
std::string StringMember(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

bool IsBase64Url(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!(absl::ascii_isalnum(c) || c == '-' || c == '_')) return false;
  }
  return true;
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
  if (!LooksLikeJwt(token)) return Invalid("malformed");
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  std::string header_text, payload_text, signature;
  if (!absl::WebSafeBase64Unescape(parts[0], &header_text) ||
      !absl::WebSafeBase64Unescape(parts[1], &payload_text) ||
      !absl::WebSafeBase64Unescape(parts[2], &signature)) {
    return Invalid("malformed");
  }
  auto header = nlohmann::json::parse(header_text, nullptr, false);
  auto payload = nlohmann::json::parse(payload_text, nullptr, false);
  if (!header.is_object() || !payload.is_object()) return Invalid("malformed");
  if (StringMember(header, "alg") != "EdDSA") return Invalid("unsupported alg");
  const std::string kid = StringMember(header, "kid");
  std::optional<std::string> key = public_key_for(kid);
  if (!key.has_value()) return Invalid("unknown signing key (kid)");
  const std::string input = absl::StrCat(parts[0], ".", parts[1]);
  if (!VerifySignature(*key, input, signature)) return Invalid("bad signature");
  auto number = [&](const char* name) -> std::optional<int64_t> {
    auto it = payload.find(name);
    if (it == payload.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int64_t>();
  };
  auto exp = number("exp"), nbf = number("nbf"), iat = number("iat");
  if (!exp || !nbf || !iat) return Invalid("missing time claims");
  if (StringMember(payload, "iss") != kJwtIssuer) return Invalid("wrong issuer");
  if (StringMember(payload, "aud") != kJwtAudience) return Invalid("wrong audience");
  if (now - skew >= absl::FromUnixSeconds(*exp)) return Invalid("expired");
  if (now + skew < absl::FromUnixSeconds(*nbf)) return Invalid("not yet valid");
  JwtClaims claims;
  claims.subject = StringMember(payload, "sub");
  claims.tenant = StringMember(payload, "tenant");
  claims.id = StringMember(payload, "jti");
  claims.issued_at = absl::FromUnixSeconds(*iat);
  claims.not_before = absl::FromUnixSeconds(*nbf);
  claims.expires = absl::FromUnixSeconds(*exp);
  if (claims.subject.empty() || claims.tenant.empty()) {
    return Invalid("missing subject or tenant");
  }
  return claims;
}

}  // namespace scim::token
