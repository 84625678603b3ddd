#include "token-service/token_store.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "storage/kv_store_test_params.h"

namespace scim::token {
namespace {

// Over every KvStore implementation (the test parameter).
class TokenStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const absl::Status opened = kv_.Open(GetParam(), ColumnFamilies());
    ASSERT_TRUE(opened.ok()) << opened;
    outbox_ = std::make_unique<audit::Outbox>(kv_.get(), TokenStore::kOutboxCf);
    store_ = std::make_unique<TokenStore>(kv_.get(), outbox_.get(), &clock_,
                                          RandomSource::Secure());
  }
  std::vector<v1::AuditEvent> Events() {
    std::vector<std::string> keys;
    std::vector<v1::AuditEvent> events;
    EXPECT_TRUE(outbox_->Peek(1000, &keys, &events).ok());
    return events;
  }
  FakeClock clock_;
  TestKvStore kv_;  // outlives the store and outbox over it
  std::unique_ptr<audit::Outbox> outbox_;
  std::unique_ptr<TokenStore> store_;
};

TEST_P(TokenStoreTest, TenantIdsFollowTheContract) {
  for (const std::string& ok : std::vector<std::string>{
           "a", "demo", "acme-corp", "0", std::string(63, 'x')}) {
    EXPECT_TRUE(store_->CreateTenant(ok).ok()) << ok;
  }
  for (const std::string& bad : std::vector<std::string>{
           "", "-a", "Acme", "a_b", "a/b", "a b", "é", std::string(64, 'y')}) {
    auto t = store_->CreateTenant(bad);
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(store_->CreateTenant("demo").status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->ListTenants()->size(), 5u);
  auto demo = store_->GetTenant("demo");
  ASSERT_TRUE(demo.ok());
  EXPECT_EQ(demo->settings().delete_mode(), "hard");
  EXPECT_EQ(store_->GetTenant("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(TokenStoreTest, KeysAreHighEntropyShownOnceAndStoredHashed) {
  ASSERT_TRUE(store_->CreateTenant("acme").ok());
  auto key = store_->CreateApiKey("acme", "okta");
  ASSERT_TRUE(key.ok()) << key.status();
  // scim_ + 16 hex + _ + 43 base64url chars (256 bits).
  EXPECT_TRUE(absl::StartsWith(key->secret, "scim_"));
  EXPECT_EQ(key->secret.size(), 5u + 16 + 1 + 43);
  EXPECT_TRUE(key->key.secret_hash().empty());
  auto other = store_->CreateApiKey("acme", "okta");
  EXPECT_NE(other->secret, key->secret);
  // Nothing stored contains the secret.
  std::string secret_part = key->secret.substr(22);
  ASSERT_TRUE(kv_->Scan("api_keys", "", "", [&](auto, absl::string_view v) {
                   EXPECT_EQ(v.find(secret_part), absl::string_view::npos);
                   return true;
                 }).ok());
  auto keys = store_->ListApiKeys("acme");
  ASSERT_EQ(keys->size(), 2u);
  for (const auto& k : *keys) EXPECT_TRUE(k.secret_hash().empty());
  EXPECT_EQ(store_->CreateApiKey("nope", "").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(TokenStoreTest, VerifyAcceptsOnlyTheExactKey) {
  ASSERT_TRUE(store_->CreateTenant("acme").ok());
  auto key = store_->CreateApiKey("acme", "");
  auto ok = store_->VerifyApiKey(key->secret);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->tenant(), "acme");
  EXPECT_EQ(ok->key_id(), key->key.id());
  std::string tampered = key->secret;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  for (const std::string& bad :
       {std::string(""), std::string("scim_"), std::string("Bearer x"),
        tampered, key->secret.substr(0, key->secret.size() - 1),
        key->secret + "x", std::string("scim_0000000000000000_") + "x",
        std::string("scim_") + key->key.id()}) {
    auto v = store_->VerifyApiKey(bad);
    EXPECT_EQ(v.status().code(), absl::StatusCode::kUnauthenticated) << bad;
    EXPECT_EQ(v.status().message(), "the bearer token is not valid");
  }
}

TEST_P(TokenStoreTest, LastUsedIsRecordedCoarsely) {
  ASSERT_TRUE(store_->CreateTenant("acme").ok());
  auto key = store_->CreateApiKey("acme", "");
  EXPECT_FALSE((*store_->ListApiKeys("acme"))[0].has_last_used());
  ASSERT_TRUE(store_->VerifyApiKey(key->secret).ok());
  auto first = (*store_->ListApiKeys("acme"))[0].last_used().seconds();
  EXPECT_EQ(first, 1700000000);
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(store_->VerifyApiKey(key->secret).ok());
  EXPECT_EQ((*store_->ListApiKeys("acme"))[0].last_used().seconds(), first);
  clock_.Advance(absl::Seconds(31));
  ASSERT_TRUE(store_->VerifyApiKey(key->secret).ok());
  EXPECT_EQ((*store_->ListApiKeys("acme"))[0].last_used().seconds(),
            1700000061);
}

TEST_P(TokenStoreTest, TenantAndKeyChangesAreAuditedWithoutSecrets) {
  ASSERT_TRUE(store_->CreateTenant("acme", {"admin", "10.1.1.1", "r1"}).ok());
  auto key = store_->CreateApiKey("acme", "okta", {"admin", "10.1.1.1", "r2"});
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(store_->CreateTenant("acme").ok());  // no event for a failure
  auto events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].operation(), "tenant.create");
  EXPECT_EQ(events[0].tenant(), "acme");
  EXPECT_EQ(events[0].actor(), "admin");
  EXPECT_EQ(events[1].operation(), "key.create");
  EXPECT_EQ(events[1].resource_id(), key->key.id());
  EXPECT_EQ(events[1].request_id(), "r2");
  const std::string secret = key->secret.substr(22);
  for (const auto& e : events) {
    std::string bytes = e.SerializeAsString();
    EXPECT_EQ(bytes.find(secret), std::string::npos);
    EXPECT_EQ(bytes.find(Sha256(secret)), std::string::npos);
  }
}

TEST_P(TokenStoreTest, DisableEnableAndSettingsAreAuditedAndVerified) {
  ASSERT_TRUE(store_->CreateTenant("acme").ok());
  auto key = store_->CreateApiKey("acme", "");
  ASSERT_TRUE(store_->SetTenantDisabled("acme", true).ok());
  auto verified = store_->VerifyApiKey(key->secret);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->tenant_disabled());
  ASSERT_TRUE(store_->SetTenantDisabled("acme", false).ok());
  EXPECT_FALSE(store_->VerifyApiKey(key->secret)->tenant_disabled());

  v1::UpdateTenantSettingsRequest update;
  update.set_id("acme");
  update.set_rate_limit(50);
  update.set_rate_burst(100);
  auto tenant = store_->UpdateTenantSettings(update);
  ASSERT_TRUE(tenant.ok()) << tenant.status();
  EXPECT_EQ(tenant->settings().rate_limit(), 50);
  EXPECT_EQ(tenant->settings().delete_mode(), "hard");  // untouched
  EXPECT_EQ(store_->VerifyApiKey(key->secret)->settings().rate_burst(), 100);

  for (int field = 0; field < 2; ++field) {
    v1::UpdateTenantSettingsRequest r;
    r.set_id("acme");
    field == 0 ? r.set_delete_mode("sometimes")
               : r.set_unknown_attributes("sometimes");
    EXPECT_EQ(store_->UpdateTenantSettings(r).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
  v1::UpdateTenantSettingsRequest negative;
  negative.set_id("acme");
  negative.set_rate_limit(-1);
  EXPECT_FALSE(store_->UpdateTenantSettings(negative).ok());
  update.set_id("nope");
  EXPECT_EQ(store_->UpdateTenantSettings(update).status().code(),
            absl::StatusCode::kNotFound);

  std::vector<std::string> ops;
  for (const auto& e : Events()) ops.push_back(e.operation());
  EXPECT_EQ(ops, (std::vector<std::string>{"tenant.create", "key.create",
                                           "tenant.disable", "tenant.enable",
                                           "tenant.update"}));
  EXPECT_EQ(Events().back().changed_attributes_size(), 2);
}

// groups_as_roles: off by default, set and cleared on its own (other
// settings untouched), seen by verifiers, audited by name.
TEST_P(TokenStoreTest, GroupsAsRolesSetting) {
  ASSERT_TRUE(store_->CreateTenant("acme").ok());
  auto key = store_->CreateApiKey("acme", "");
  EXPECT_FALSE(store_->GetTenant("acme")->settings().groups_as_roles());
  EXPECT_FALSE(store_->VerifyApiKey(key->secret)->settings().groups_as_roles());
  for (bool on : {true, false, true}) {
    v1::UpdateTenantSettingsRequest r;
    r.set_id("acme");
    r.set_groups_as_roles(on);
    auto tenant = store_->UpdateTenantSettings(r);
    ASSERT_TRUE(tenant.ok()) << tenant.status();
    EXPECT_EQ(tenant->settings().groups_as_roles(), on);
    EXPECT_EQ(tenant->settings().delete_mode(), "hard");  // untouched
    EXPECT_EQ(store_->GetTenant("acme")->settings().groups_as_roles(), on);
    EXPECT_EQ(store_->VerifyApiKey(key->secret)->settings().groups_as_roles(), on);
    const v1::AuditEvent event = Events().back();
    EXPECT_EQ(event.operation(), "tenant.update");
    EXPECT_EQ(std::vector<std::string>(event.changed_attributes().begin(),
                                       event.changed_attributes().end()),
              std::vector<std::string>{"groupsAsRoles"});
  }
  // A request that leaves it unset does not change it.
  v1::UpdateTenantSettingsRequest other;
  other.set_id("acme");
  other.set_delete_mode("soft");
  EXPECT_TRUE(store_->UpdateTenantSettings(other)->settings().groups_as_roles());
}

TEST_P(TokenStoreTest, DeleteTenantTakesItsKeys) {
  ASSERT_TRUE(store_->CreateTenant("acme").ok());
  ASSERT_TRUE(store_->CreateTenant("acme-2").ok());
  auto key = store_->CreateApiKey("acme", "");
  auto other = store_->CreateApiKey("acme-2", "");
  ASSERT_TRUE(store_->DeleteTenant("acme").ok());
  EXPECT_EQ(store_->GetTenant("acme").status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(store_->VerifyApiKey(key->secret).ok());
  EXPECT_TRUE(store_->VerifyApiKey(other->secret).ok());
  EXPECT_EQ(store_->DeleteTenant("acme").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Events().back().operation(), "tenant.delete");
}

TEST_P(TokenStoreTest, RotateWithGraceRevokeAndExpiry) {
  ASSERT_TRUE(store_->CreateTenant("acme").ok());
  ASSERT_TRUE(store_->CreateTenant("beta").ok());
  auto old_key = store_->CreateApiKey("acme", "okta");
  auto rotated = store_->RotateApiKey("acme", old_key->key.id(), absl::Hours(1));
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  EXPECT_NE(rotated->secret, old_key->secret);
  EXPECT_TRUE(store_->VerifyApiKey(rotated->secret).ok());
  EXPECT_TRUE(store_->VerifyApiKey(old_key->secret).ok());  // grace
  clock_.Advance(absl::Minutes(61));
  EXPECT_EQ(store_->VerifyApiKey(old_key->secret).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(store_->VerifyApiKey(rotated->secret).ok());
  // Without grace the old key stops at once; a revoked key cannot rotate.
  auto again = store_->RotateApiKey("acme", rotated->key.id(), absl::ZeroDuration());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(store_->VerifyApiKey(rotated->secret).ok());
  EXPECT_EQ(store_->RotateApiKey("acme", rotated->key.id(), absl::ZeroDuration())
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  // Revoke; another tenant's key is not found.
  EXPECT_EQ(store_->RevokeApiKey("beta", again->key.id()).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(store_->RevokeApiKey("acme", again->key.id()).ok());
  EXPECT_FALSE(store_->VerifyApiKey(again->secret).ok());
  // Expiry set at creation.
  auto short_lived = store_->CreateApiKey("acme", "", {}, absl::Minutes(5));
  EXPECT_TRUE(store_->VerifyApiKey(short_lived->secret).ok());
  clock_.Advance(absl::Minutes(6));
  EXPECT_FALSE(store_->VerifyApiKey(short_lived->secret).ok());
  auto keys = store_->ListApiKeys("acme");
  int revoked = 0;
  for (const auto& k : *keys) revoked += k.state() == "revoked";
  EXPECT_EQ(revoked, 2);
  // Every change is audited, and the outbox count matches what it holds.
  std::vector<std::string> ops;
  for (const auto& e : Events()) ops.push_back(e.operation());
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "key.rotate"), 2);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "key.revoke"), 1);
  EXPECT_EQ(outbox_->Depth(), Events().size());
}

INSTANTIATE_TEST_SUITE_P(AllStores, TokenStoreTest, AllKvStores(), KvStoreName);

}  // namespace
}  // namespace scim::token
