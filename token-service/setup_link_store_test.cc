// Setup links: shown once, checked by hash, expiring, revocable, bounded.
#include "token-service/setup_link_store.h"

#include "absl/strings/match.h"
#include "common/clock.h"
#include "common/random.h"
#include "gtest/gtest.h"
#include "storage/kv_store_test_params.h"

namespace scim::token {
namespace {

class SetupLinkStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(kv_.Open(GetParam(), ColumnFamilies()).ok());
    outbox_ = std::make_unique<audit::Outbox>(kv_.get(), TokenStore::kOutboxCf);
    tenants_ = std::make_unique<TokenStore>(kv_.get(), outbox_.get(), &clock_, &random_);
    links_ = std::make_unique<SetupLinkStore>(kv_.get(), outbox_.get(), tenants_.get(), &clock_,
                                              &random_);
    ASSERT_TRUE(tenants_->CreateTenant("acme").ok());
    ASSERT_TRUE(tenants_->CreateTenant("beta").ok());
  }
  void TearDown() override {
    links_.reset();
    tenants_.reset();
    outbox_.reset();
    kv_.Close();
  }

  FakeClock clock_;
  FakeRandom random_;
  audit::EventContext who_{"admin", "127.0.0.1", "req"};
  TestKvStore kv_;
  std::unique_ptr<audit::Outbox> outbox_;
  std::unique_ptr<TokenStore> tenants_;
  std::unique_ptr<SetupLinkStore> links_;
};

TEST_P(SetupLinkStoreTest, ALinkOpensUntilItExpires) {
  auto made = links_->Create("acme", absl::Hours(1), who_);
  ASSERT_TRUE(made.ok()) << made.status();
  EXPECT_TRUE(absl::StartsWith(made->secret, kSetupLinkPrefix));
  EXPECT_TRUE(made->link.secret_hash().empty());
  auto opened = links_->Verify(made->secret);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->tenant(), "acme");
  EXPECT_TRUE(opened->secret_hash().empty());
  clock_.Advance(absl::Minutes(61));
  EXPECT_EQ(links_->Verify(made->secret).status().code(), absl::StatusCode::kUnauthenticated);
  // Expired links are not listed.
  EXPECT_TRUE(links_->List("acme")->empty());
}

TEST_P(SetupLinkStoreTest, ForgedDamagedRevokedOrOrphanedLinksDoNotOpen) {
  auto made = links_->Create("acme", absl::ZeroDuration(), who_);
  ASSERT_TRUE(made.ok());
  std::string damaged = made->secret;
  damaged.back() = damaged.back() == 'A' ? 'B' : 'A';
  for (const std::string& bad : {std::string(""), std::string("scl_"), std::string("scim_x"),
                                 damaged, made->secret.substr(0, 20),
                                 made->secret + "x"}) {
    EXPECT_EQ(links_->Verify(bad).status().code(), absl::StatusCode::kUnauthenticated) << bad;
  }
  // Another tenant cannot revoke it; its own can.
  EXPECT_EQ(links_->Revoke("beta", made->link.id(), who_).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(links_->Revoke("acme", made->link.id(), who_).ok());
  EXPECT_FALSE(links_->Verify(made->secret).ok());
  // A deleted tenant's links die with it.
  auto other = links_->Create("beta", absl::Hours(2), who_);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(tenants_->DeleteTenant("beta", who_).ok());
  EXPECT_FALSE(links_->Verify(other->secret).ok());
}

TEST_P(SetupLinkStoreTest, LifetimesAndCountsAreBounded) {
  EXPECT_EQ(links_->Create("acme", absl::Seconds(10), who_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(links_->Create("acme", absl::Hours(24 * 31), who_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(links_->Create("nope", absl::Hours(1), who_).status().code(),
            absl::StatusCode::kNotFound);
  for (size_t i = 0; i < kMaxSetupLinksPerTenant; ++i) {
    ASSERT_TRUE(links_->Create("acme", absl::Hours(1), who_).ok()) << i;
  }
  EXPECT_EQ(links_->Create("acme", absl::Hours(1), who_).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(links_->List("acme")->size(), kMaxSetupLinksPerTenant);
  EXPECT_TRUE(links_->List("beta")->empty());
}

INSTANTIATE_TEST_SUITE_P(AllStores, SetupLinkStoreTest, AllKvStores(), KvStoreName);

}  // namespace
}  // namespace scim::token
