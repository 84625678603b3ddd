// JWT verification (clients/token/jwt.h) with a fixed key lookup. The first
// byte picks the mode: even, the rest is the bearer token as sent; odd, the
// rest is "<header JSON>\n<payload JSON>", which the target encodes and signs
// with the fixed key, so that claim parsing behind the signature is reached
// too.
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "clients/token/jwt.h"
#include "common/random.h"
#include "common/signing_key.h"
#include "fuzz/fuzz_fixtures.h"

using namespace scim;

namespace {

const SigningKey& Key() {
  static const SigningKey* key =
      new SigningKey(*SigningKey::FromSeed(std::string(32, '\x2a')));
  return *key;
}

std::optional<std::string> PublicKeyFor(const std::string& kid) {
  if (kid == "k1") return Key().public_key();
  if (kid == "k2") return std::string(32, '\0');  // a key nothing signs with
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view rest = fuzz::AsText(data + 1, size - 1);
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  std::string token;
  if (data[0] % 2 == 0) {
    token = std::string(rest);
  } else {
    const size_t newline = rest.find('\n');
    if (newline == absl::string_view::npos) return 0;
    const std::string input =
        absl::StrCat(Base64UrlEncode(rest.substr(0, newline)), ".",
                     Base64UrlEncode(rest.substr(newline + 1)));
    token = absl::StrCat(input, ".", Base64UrlEncode(Key().Sign(input)));
  }
  (void)token::LooksLikeJwt(token);
  (void)token::VerifyJwt(token, PublicKeyFor, now);
  return 0;
}
