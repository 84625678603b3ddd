#include "token-service/oauth_store.h"

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "clients/token/jwt.h"
#include "storage/kv_store_test_params.h"

namespace scim::token {
namespace {

// Over every KvStore implementation (the test parameter).
class OAuthStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const absl::Status opened = kv_.Open(GetParam(), ColumnFamilies());
    ASSERT_TRUE(opened.ok()) << opened;
    outbox_ = std::make_unique<audit::Outbox>(kv_.get(), TokenStore::kOutboxCf);
    tenants_ = std::make_unique<TokenStore>(kv_.get(), outbox_.get(), &clock_,
                                            RandomSource::Secure());
    oauth_ = std::make_unique<OAuthStore>(kv_.get(), outbox_.get(),
                                          tenants_.get(), &clock_,
                                          RandomSource::Secure());
    EXPECT_TRUE(tenants_->CreateTenant("acme").ok());
  }

  // Verifies against the store's current JWKS, at the fake clock's time.
  absl::StatusOr<JwtClaims> Verify(const std::string& token) {
    auto jwks = oauth_->Jwks();
    EXPECT_TRUE(jwks.ok());
    return VerifyJwt(
        token,
        [&](const std::string& kid) -> std::optional<std::string> {
          for (const auto& k : *jwks) {
            if (k.kid() == kid) return k.public_key();
          }
          return std::nullopt;
        },
        clock_.Now());
  }

  FakeClock clock_;
  TestKvStore kv_;  // outlives the stores and outbox over it
  std::unique_ptr<audit::Outbox> outbox_;
  std::unique_ptr<TokenStore> tenants_;
  std::unique_ptr<OAuthStore> oauth_;
};

TEST_P(OAuthStoreTest, IssuesShortLivedTokensOnlyToActiveClients) {
  auto client = oauth_->CreateClient("acme", {});
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_TRUE(client->client.secret_hash().empty());
  auto issued = oauth_->IssueToken(client->client.id(), client->secret, {});
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->expires_in(), 900);
  auto claims = Verify(issued->access_token());
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->tenant, "acme");
  EXPECT_EQ(claims->subject, client->client.id());

  EXPECT_EQ(oauth_->IssueToken(client->client.id(), "wrong", {}).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(oauth_->IssueToken("nobody", client->secret, {}).status().code(),
            absl::StatusCode::kUnauthenticated);
  ASSERT_TRUE(tenants_->SetTenantDisabled("acme", true).ok());
  EXPECT_FALSE(oauth_->IssueToken(client->client.id(), client->secret, {}).ok());
  ASSERT_TRUE(tenants_->SetTenantDisabled("acme", false).ok());
  ASSERT_TRUE(oauth_->RevokeClient("acme", client->client.id(), {}).ok());
  EXPECT_FALSE(oauth_->IssueToken(client->client.id(), client->secret, {}).ok());
  EXPECT_EQ(oauth_->RevokeClient("other", client->client.id(), {}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(OAuthStoreTest, RejectsExpiredFutureTamperedAndUnknownKeys) {
  auto client = oauth_->CreateClient("acme", {});
  std::string token = oauth_->IssueToken(client->client.id(), client->secret, {})
                          ->access_token();
  ASSERT_TRUE(Verify(token).ok());
  // Tampered payload (another tenant), signature unchanged.
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string payload;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[1], &payload));
  auto json = nlohmann::json::parse(payload);
  json["tenant"] = "beta";
  std::string forged = absl::StrCat(parts[0], ".",
                                    Base64UrlEncode(json.dump()), ".", parts[2]);
  EXPECT_NE(Verify(forged).status().message().find("bad signature"),
            std::string::npos);
  // Signed by a key nobody published.
  auto stranger = SigningKey::Generate(*RandomSource::Secure());
  JwtClaims claims{"c", "acme", "j", clock_.Now(), clock_.Now(),
                   clock_.Now() + absl::Minutes(5)};
  EXPECT_NE(Verify(SignJwt(claims, "unknown-kid", *stranger)).status().message()
                .find("unknown signing key"),
            std::string::npos);
  EXPECT_FALSE(Verify("not.a.jwt").ok());
  EXPECT_FALSE(Verify("").ok());
  // Expiry and not-before, with 30 s of allowed skew.
  clock_.Advance(absl::Minutes(15) + absl::Seconds(31));
  EXPECT_NE(Verify(token).status().message().find("expired"), std::string::npos);
}

TEST_P(OAuthStoreTest, WrongAudienceAndNotYetValidAreRejected) {
  auto key = SigningKey::Generate(*RandomSource::Secure());
  auto sign = [&](nlohmann::json payload) {
    std::string input = absl::StrCat(
        Base64UrlEncode(R"({"alg":"EdDSA","typ":"JWT","kid":"k1"})"), ".",
        Base64UrlEncode(payload.dump()));
    return absl::StrCat(input, ".", Base64UrlEncode(key->Sign(input)));
  };
  auto verify = [&](const std::string& token) {
    return VerifyJwt(
        token,
        [&](const std::string& kid) -> std::optional<std::string> {
          if (kid == "k1") return key->public_key();
          return std::nullopt;
        },
        clock_.Now());
  };
  const int64_t now = absl::ToUnixSeconds(clock_.Now());
  nlohmann::json good = {{"iss", kJwtIssuer}, {"aud", kJwtAudience},
                         {"sub", "c"},        {"tenant", "acme"},
                         {"iat", now},        {"nbf", now},
                         {"exp", now + 60},   {"jti", "j"}};
  EXPECT_TRUE(verify(sign(good)).ok());
  auto wrong_aud = good;
  wrong_aud["aud"] = "someone-else";
  EXPECT_NE(verify(sign(wrong_aud)).status().message().find("wrong audience"),
            std::string::npos);
  auto future = good;
  future["nbf"] = now + 120;
  EXPECT_NE(verify(sign(future)).status().message().find("not yet valid"),
            std::string::npos);
  auto no_tenant = good;
  no_tenant.erase("tenant");
  EXPECT_FALSE(verify(sign(no_tenant)).ok());
}

TEST_P(OAuthStoreTest, SigningKeyRolloverKeepsIssuedTokensValidUntilExpiry) {
  auto client = oauth_->CreateClient("acme", {});
  const std::string before = oauth_->IssueToken(client->client.id(),
                                               client->secret, {})->access_token();
  auto rotated = oauth_->RotateSigningKey();
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->size(), 2u);  // the new key and the retired one
  const std::string after = oauth_->IssueToken(client->client.id(),
                                              client->secret, {})->access_token();
  auto kid_of = [](const std::string& token) {
    std::string header;
    absl::WebSafeBase64Unescape(token.substr(0, token.find('.')), &header);
    return nlohmann::json::parse(header)["kid"].get<std::string>();
  };
  EXPECT_NE(kid_of(before), kid_of(after));
  EXPECT_TRUE(Verify(before).ok());
  EXPECT_TRUE(Verify(after).ok());
  clock_.Advance(absl::Minutes(17));  // past the old tokens' lifetime
  EXPECT_EQ(oauth_->Jwks()->size(), 1u);
  EXPECT_FALSE(Verify(before).ok());
}

// With a key-encryption key, no signing-key seed is stored in the clear;
// tokens still verify, and only the same key opens them again.
TEST_P(OAuthStoreTest, SigningKeysAreSealedAtRestUnderTheKek) {
  auto kek = KeyEncryption::FromKey(std::string(32, 'k'));
  ASSERT_TRUE(kek.ok());
  OAuthStore sealed(kv_.get(), outbox_.get(), tenants_.get(), &clock_,
                    RandomSource::Secure(), kek->get());
  auto client = sealed.CreateClient("acme", {});
  ASSERT_TRUE(client.ok()) << client.status();
  auto issued = sealed.IssueToken(client->client.id(), client->secret, {});
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(oauth_->Jwks().status().code(), absl::StatusCode::kFailedPrecondition)
      << "a store without the KEK cannot open a sealed seed";
  int records = 0;
  ASSERT_TRUE(kv_->Scan("signing_keys", "", "",
                        [&](absl::string_view kid, absl::string_view value) {
                          if (kid == "~current") return true;
                          v1::SigningKeyRecord record;
                          EXPECT_TRUE(record.ParseFromArray(
                              value.data(), static_cast<int>(value.size())));
                          EXPECT_TRUE(KeyEncryption::IsSealed(record.seed()));
                          ++records;
                          return true;
                        })
                  .ok());
  EXPECT_EQ(records, 1);
  auto jwks = sealed.Jwks();
  ASSERT_TRUE(jwks.ok()) << jwks.status();
  auto verified = VerifyJwt(
      issued->access_token(),
      [&](const std::string& kid) -> std::optional<std::string> {
        for (const auto& k : *jwks) {
          if (k.kid() == kid) return k.public_key();
        }
        return std::nullopt;
      },
      clock_.Now());
  EXPECT_TRUE(verified.ok()) << verified.status();
  auto other = KeyEncryption::FromKey(std::string(32, 'o'));
  OAuthStore wrong(kv_.get(), outbox_.get(), tenants_.get(), &clock_,
                   RandomSource::Secure(), other->get());
  EXPECT_EQ(wrong.Jwks().status().code(), absl::StatusCode::kDataLoss);
}

// Keys stored before a KEK was configured stay usable after.
TEST_P(OAuthStoreTest, PlainKeysStayReadableOnceAKekIsConfigured) {
  auto jwks = oauth_->Jwks();
  ASSERT_TRUE(jwks.ok());
  auto kek = KeyEncryption::FromKey(std::string(32, 'k'));
  OAuthStore sealed(kv_.get(), outbox_.get(), tenants_.get(), &clock_,
                    RandomSource::Secure(), kek->get());
  auto again = sealed.Jwks();
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(again->size(), jwks->size());
  EXPECT_EQ((*again)[0].public_key(), (*jwks)[0].public_key());
}

INSTANTIATE_TEST_SUITE_P(AllStores, OAuthStoreTest, AllKvStores(), KvStoreName);

}  // namespace
}  // namespace scim::token
