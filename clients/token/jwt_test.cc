// VerifyJwt on hostile tokens (the cases fuzz/jwt_fuzzer.cc found, among
// others): always a status, never an exception. The happy paths are tested
// with token-service's keys in token-service/oauth_store_test.cc.
#include "clients/token/jwt.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/random.h"
#include "common/signing_key.h"
#include "gtest/gtest.h"

namespace scim::token {
namespace {

class JwtTest : public ::testing::Test {
 protected:
  JwtTest() : key_(*SigningKey::FromSeed(std::string(32, '\x2a'))) {}

  // header and payload as given (any JSON, or none), signed with the key.
  std::string Sign(absl::string_view header, absl::string_view payload) const {
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
        absl::FromUnixSeconds(1700000000));
  }

  SigningKey key_;
};

constexpr char kHeader[] = R"({"alg":"EdDSA","typ":"JWT","kid":"k1"})";
constexpr char kPayload[] =
    R"({"iss":"scim-token-service","sub":"c","aud":"scim","tenant":"acme",)"
    R"("iat":1699999000,"nbf":1699999000,"exp":1700003600,"jti":"j"})";

TEST_F(JwtTest, VerifiesAWellFormedToken) {
  auto claims = Verify(Sign(kHeader, kPayload));
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->tenant, "acme");
}

// Found by fuzz/jwt_fuzzer.cc: a header field of another type than string
// made nlohmann's value() throw type_error out of VerifyJwt, before any
// signature check (any client could send it).
TEST_F(JwtTest, HeaderFieldsOfTheWrongTypeAreRejected) {
  for (const char* header : {R"({"alg":1,"kid":"k1"})", R"({"alg":null})",
                             R"({"alg":"EdDSA","kid":{"a":1}})",
                             R"({"alg":["EdDSA"],"kid":"k1"})",
                             R"({"alg":"EdDSA","kid":7})"}) {
    absl::StatusOr<JwtClaims> claims;
    EXPECT_NO_THROW(claims = Verify(Sign(header, kPayload))) << header;
    EXPECT_EQ(claims.status().code(), absl::StatusCode::kUnauthenticated) << header;
  }
}

// The same behind a valid signature: claims of the wrong type.
TEST_F(JwtTest, ClaimsOfTheWrongTypeAreRejected) {
  for (const char* payload :
       {R"({"iss":1,"sub":"c","aud":"scim","tenant":"acme","iat":1,"nbf":1,"exp":1800000000})",
        R"({"iss":"scim-token-service","sub":"c","aud":["scim"],"tenant":"acme","iat":1,"nbf":1,"exp":1800000000})",
        R"({"iss":"scim-token-service","sub":[],"aud":"scim","tenant":"acme","iat":1,"nbf":1,"exp":1800000000})",
        R"({"iss":"scim-token-service","sub":"c","aud":"scim","tenant":null,"iat":1,"nbf":1,"exp":1800000000})"}) {
    absl::StatusOr<JwtClaims> claims;
    EXPECT_NO_THROW(claims = Verify(Sign(kHeader, payload))) << payload;
    EXPECT_EQ(claims.status().code(), absl::StatusCode::kUnauthenticated) << payload;
  }
}

// jti is optional: one of another type counts as absent.
TEST_F(JwtTest, AJtiOfAnotherTypeIsIgnored) {
  auto claims = Verify(Sign(
      kHeader,
      R"({"iss":"scim-token-service","sub":"c","aud":"scim","tenant":"acme",)"
      R"("iat":1,"nbf":1,"exp":1800000000,"jti":5})"));
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->id, "");
}

TEST_F(JwtTest, ExtremeTimesAreRejectedNotOverflowed) {
  for (const char* times :
       {R"("iat":1,"nbf":-9223372036854775808,"exp":9223372036854775807)",
        R"("iat":1,"nbf":1,"exp":18446744073709551615)",
        R"("iat":1,"nbf":1,"exp":1.7e308)"}) {
    const std::string payload = absl::StrCat(
        R"({"iss":"scim-token-service","sub":"c","aud":"scim","tenant":"acme",)",
        times, "}");
    absl::StatusOr<JwtClaims> claims;
    EXPECT_NO_THROW(claims = Verify(Sign(kHeader, payload))) << payload;
  }
}

}  // namespace
}  // namespace scim::token
