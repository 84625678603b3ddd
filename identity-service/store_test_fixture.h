// The fixture of every ResourceStore test: a fresh store over RocksDB or
// memory (the test parameter), with a fake clock and randomness.
#ifndef SCIM_IDENTITY_SERVICE_STORE_TEST_FIXTURE_H_
#define SCIM_IDENTITY_SERVICE_STORE_TEST_FIXTURE_H_

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/random.h"
#include "gtest/gtest.h"
#include "identity-service/counting_kv_store_for_tests.h"
#include "identity-service/keys.h"
#include "identity-service/resource_store.h"
#include "scim/core_registry_for_tests.h"
#include "storage/kv_store_test_params.h"

namespace scim::identity {

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const absl::Status opened = kv_.Open(GetParam(), ColumnFamilies());
    ASSERT_TRUE(opened.ok()) << opened;
    outbox_ = std::make_unique<audit::Outbox>(kv_.get(), kOutboxCf);
    store_ = std::make_unique<ResourceStore>(kv_.get(), outbox_.get(),
                                             &CoreRegistryForTests(), &clock_,
                                             &random_);
    // As IdentityComponent does before serving.
    ASSERT_TRUE(store_->EnsureCounts().ok());
    ASSERT_TRUE(store_->EnsureIndexes().ok());
  }
  void TearDown() override {
    store_.reset();
    outbox_.reset();
    kv_.Close();
  }

  FakeClock clock_;
  FakeRandom random_;
  RequestContext ctx_{"key1", "10.0.0.1", "req-1"};
  TestKvStore kv_;
  std::unique_ptr<audit::Outbox> outbox_;
  std::unique_ptr<ResourceStore> store_;
};

// A StoreTest whose store reads through a CountingKvStore (`counting_`), for
// the tests that check what an operation reads.
class CountingStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    counting_ = std::make_unique<CountingKvStore>(kv_.get());
    store_ = std::make_unique<ResourceStore>(counting_.get(), outbox_.get(),
                                             &CoreRegistryForTests(), &clock_, &random_);
  }
  void TearDown() override {
    store_.reset();
    counting_.reset();
    StoreTest::TearDown();
  }

  std::unique_ptr<CountingKvStore> counting_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_STORE_TEST_FIXTURE_H_
