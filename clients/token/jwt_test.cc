// Hostile bearer JWTs: every malformed header or claim is UNAUTHENTICATED,
// never an exception (which the edge would turn into a 500).
#include "clients/token/jwt.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/random.h"
#include "common/signing_key.h"
#include "gtest/gtest.h"

namespace scim::token {
namespace {

constexpr char kGoodHeader[] = R"({"alg":"EdDSA","typ":"JWT","kid":"k1"})";

class JwtTest : public ::testing::Test {
 protected:
  JwtTest()
      : key_(*SigningKey::Generate(*RandomSource::Secure())),
        now_(absl::FromUnixSeconds(1700000000)) {}

  // The claims a good token carries, as JSON text with `override` spliced in
  // (`"name":value` pairs; later members win in nlohmann's parser).
  std::string Payload(absl::string_view override = "") const {
    const int64_t now = absl::ToUnixSeconds(now_);
    std::string payload = absl::StrCat(
        R"({"iss":"scim-token-service","aud":"scim","sub":"c","tenant":"acme",)",
        R"("jti":"j","iat":)", now, R"(,"nbf":)", now, R"(,"exp":)", now + 60);
    if (!override.empty()) absl::StrAppend(&payload, ",", override);
    return absl::StrCat(payload, "}");
  }

  // A token with exactly this header and payload text, correctly signed:
  // what a holder of the key (or a buggy issuer) could send.
  std::string Signed(absl::string_view header, absl::string_view payload) const {
    const std::string input =
        absl::StrCat(Base64UrlEncode(header), ".", Base64UrlEncode(payload));
    return absl::StrCat(input, ".", Base64UrlEncode(key_.Sign(input)));
  }

  absl::StatusOr<JwtClaims> Verify(const std::string& token) const {
    return VerifyJwt(
        token,
        [&](const std::string& kid) -> std::optional<std::string> {
          if (kid == "k1") return key_.public_key();
          return std::nullopt;
        },
        now_);
  }

  SigningKey key_;
  absl::Time now_;
};

TEST_F(JwtTest, TheGoodTokenVerifies) {
  auto claims = Verify(Signed(kGoodHeader, Payload()));
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->tenant, "acme");
}

TEST_F(JwtTest, HostileHeadersAreUnauthenticated) {
  const std::vector<std::string> wrong_types = {
      "1", "-1", "1.5", "true", "null", "[]", R"(["EdDSA"])", "{}",
      R"({"a":"EdDSA"})", "18446744073709551615", "1e308"};
  std::vector<std::string> headers = {
      // Not an object, or not JSON at all.
      "[]", R"(["EdDSA"])", R"("EdDSA")", "1", "null", "true", "", "{",
      R"({"alg":"EdDSA",})", std::string("\xff\xfe", 2),
      R"({"alg":"none","kid":"k1"})", R"({"kid":"k1"})",
      std::string(100000, '['),  // deep nesting
  };
  for (const char* field : {"alg", "kid", "typ"}) {
    for (const std::string& value : wrong_types) {
      std::string header = R"({"alg":"EdDSA","typ":"JWT","kid":"k1")";
      // Later duplicates win, so this replaces the good member.
      absl::StrAppend(&header, R"(,")", field, R"(":)", value, "}");
      headers.push_back(header);
    }
  }
  for (const std::string& header : headers) {
    SCOPED_TRACE(header.substr(0, 80));
    EXPECT_EQ(Verify(Signed(header, Payload())).status().code(),
              absl::StatusCode::kUnauthenticated);
  }
}

TEST_F(JwtTest, HostileClaimsAreUnauthenticated) {
  std::vector<std::string> payloads = {"[]", "1", R"("x")", "null", "{", ""};
  for (const char* claim : {"iss", "aud", "sub", "tenant", "jti"}) {
    for (const char* value :
         {"1", "-1", "1.5", "true", "null", "[]", R"(["scim"])", "{}",
          "18446744073709551615", "1e308"}) {
      payloads.push_back(Payload(absl::StrCat(R"(")", claim, R"(":)", value)));
    }
  }
  for (const char* claim : {"iat", "nbf", "exp"}) {
    for (const char* value :
         {R"("1700000000")", "1700000000.5", "true", "null", "[]", "{}",
          "-1", "-9223372036854775808", "9223372036854775807",
          "18446744073709551615", "99999999999999999999999999", "1e308",
          "-1e308", "1e400"}) {
      payloads.push_back(Payload(absl::StrCat(R"(")", claim, R"(":)", value)));
    }
  }
  for (const std::string& payload : payloads) {
    SCOPED_TRACE(payload);
    EXPECT_EQ(Verify(Signed(kGoodHeader, payload)).status().code(),
              absl::StatusCode::kUnauthenticated);
  }
}

TEST_F(JwtTest, MalformedShapesAreUnauthenticated) {
  const std::string good = Signed(kGoodHeader, Payload());
  const std::string header = good.substr(0, good.find('.'));
  std::vector<std::string> tokens = {
      "", ".", "..", "...", "a..b", "..b", "a.b.", ".b.c", "a.b.c.d",
      absl::StrCat(header, ".."),
      absl::StrCat(good, "."),
      absl::StrCat(good, ".x"),
      absl::StrCat("+", good.substr(1)),       // base64, not base64url
      absl::StrCat(header, "=.", good.substr(header.size() + 1)),  // padding
      absl::StrCat(header, "/.", good.substr(header.size() + 1)),
      "A.A.A",                                   // 6 bits: no whole byte
      std::string(kMaxJwtBytes + 1, 'a'),
      absl::StrCat(Signed(kGoodHeader, Payload(absl::StrCat(
                                            R"("pad":")",
                                            std::string(kMaxJwtBytes, 'x'),
                                            R"(")"))))};
  for (const std::string& token : tokens) {
    SCOPED_TRACE(token.substr(0, 80));
    EXPECT_EQ(Verify(token).status().code(), absl::StatusCode::kUnauthenticated);
  }
}

}  // namespace
}  // namespace scim::token
