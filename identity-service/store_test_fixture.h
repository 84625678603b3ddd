// The fixture of every ResourceStore test: a fresh store over RocksDB or
// memory (the test parameter), with a fake clock and randomness.
#ifndef SCIM_IDENTITY_SERVICE_STORE_TEST_FIXTURE_H_
#define SCIM_IDENTITY_SERVICE_STORE_TEST_FIXTURE_H_

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/random.h"
#include "gtest/gtest.h"
#include "identity-service/keys.h"
#include "identity-service/resource_store.h"

namespace scim::identity {

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "RocksDb") {
      const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
      std::string suite = info->test_suite_name();  // "AllStores/QueryTest"
      std::replace(suite.begin(), suite.end(), '/', '_');
      dir_ = (std::filesystem::temp_directory_path() /
              absl::StrCat("store_", getpid(), "_", suite, "_", info->line()))
                 .string();
      std::filesystem::remove_all(dir_);
      auto kv = OpenRocksDbKvStore(dir_, ColumnFamilies());
      ASSERT_TRUE(kv.ok()) << kv.status();
      kv_ = std::move(*kv);
    } else {
      kv_ = NewMemoryKvStore(ColumnFamilies());
    }
    outbox_ = std::make_unique<audit::Outbox>(kv_.get(), kOutboxCf);
    store_ = std::make_unique<ResourceStore>(kv_.get(), outbox_.get(), &clock_,
                                             &random_);
  }
  void TearDown() override {
    store_.reset();
    outbox_.reset();
    kv_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::string dir_;
  FakeClock clock_;
  FakeRandom random_;
  RequestContext ctx_{"key1", "10.0.0.1", "req-1"};
  std::unique_ptr<KvStore> kv_;
  std::unique_ptr<audit::Outbox> outbox_;
  std::unique_ptr<ResourceStore> store_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_STORE_TEST_FIXTURE_H_
