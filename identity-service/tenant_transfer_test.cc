// A tenant's data leaves one store for another whole, and only its data:
// export, import, summaries, drop; and the fence that holds it still.
#include "identity-service/tenant_transfer.h"

#include "gtest/gtest.h"
#include "identity-service/resource_types.h"
#include "identity-service/store_test_fixture.h"
#include "identity-service/tenant_fence.h"

namespace scim::identity {
namespace {

using v1::User;

class TenantTransferTest : public StoreTest {
 protected:
  std::string CreateUser(ResourceStore& store, const std::string& tenant, const std::string& name) {
    User user;
    user.set_user_name(name);
    absl::Status s = store.Create(UserResourceType(), tenant, &user, ctx_);
    EXPECT_TRUE(s.ok()) << s;
    return user.id();
  }
  int64_t Count(ResourceStore& store, const std::string& tenant) {
    v1::ListRequest request;
    request.set_count(0);
    ListResult result;
    EXPECT_TRUE(store.List(UserResourceType(), tenant, request, &result).ok());
    return result.total_results;
  }
};

TEST_P(TenantTransferTest, ATenantMovesWholeAndAlone) {
  std::vector<std::string> acme;
  for (int i = 0; i < 30; ++i) acme.push_back(CreateUser(*store_, "acme", "u" + std::to_string(i)));
  // Tenants whose ids share a prefix with it stay where they are.
  CreateUser(*store_, "acme-2", "other");
  CreateUser(*store_, "acm", "other");

  TestKvStore target_kv;
  ASSERT_TRUE(target_kv.Open(GetParam(), ColumnFamilies()).ok());
  TenantTransfer source(kv_.get()), target(target_kv.get());
  int64_t rows = 0;
  ASSERT_TRUE(source
                  .Export("acme",
                          [&](const std::string& cf, Rows batch) {
                            rows += static_cast<int64_t>(batch.size());
                            return target.Import(cf, batch);
                          },
                          /*batch=*/7)
                  .ok());
  EXPECT_GT(rows, 60) << "resources, unique and index keys, counts";
  auto from = source.Summarize("acme");
  auto to = target.Summarize("acme");
  ASSERT_TRUE(from.ok() && to.ok());
  EXPECT_EQ(*from, *to);
  EXPECT_EQ((*to)[kResourcesCf].keys, 30);
  EXPECT_EQ((*target.Summarize("acme-2"))[kResourcesCf].keys, 0);

  // The target serves the tenant: reads, filters by an indexed attribute, writes.
  audit::Outbox outbox(target_kv.get(), kOutboxCf);
  ResourceStore moved(target_kv.get(), &outbox, &CoreRegistryForTests(), &clock_, &random_);
  ASSERT_TRUE(moved.EnsureCounts().ok());
  ASSERT_TRUE(moved.EnsureIndexes().ok());
  EXPECT_EQ(Count(moved, "acme"), 30);
  User user;
  ASSERT_TRUE(moved.Get(UserResourceType(), "acme", acme[7], &user).ok());
  EXPECT_EQ(user.user_name(), "u7");
  v1::ListRequest byName;
  byName.set_filter("userName eq \"u12\"");
  ListResult found;
  ASSERT_TRUE(moved.List(UserResourceType(), "acme", byName, &found).ok());
  EXPECT_EQ(found.total_results, 1);
  User dup;
  dup.set_user_name("u3");
  EXPECT_FALSE(moved.Create(UserResourceType(), "acme", &dup, ctx_).ok()) << "uniqueness came along";
  CreateUser(moved, "acme", "new-on-target");
  EXPECT_EQ(Count(moved, "acme"), 31);

  // The source drops it; its neighbours stay.
  ASSERT_TRUE(source.Drop("acme").ok());
  auto dropped = source.Summarize("acme");
  for (const auto& [cf, s] : *dropped) EXPECT_EQ(s.keys, 0) << cf;
  EXPECT_EQ(Count(*store_, "acme-2"), 1);
  EXPECT_EQ(Count(*store_, "acm"), 1);
}

TEST_P(TenantTransferTest, SummariesTellAnyDifference) {
  CreateUser(*store_, "acme", "a");
  TenantTransfer transfer(kv_.get());
  auto before = transfer.Summarize("acme");
  CreateUser(*store_, "acme", "b");
  auto after = transfer.Summarize("acme");
  EXPECT_FALSE(*before == *after);
}

TEST(TenantKeyRangesTest, RangesHoldOnlyTheTenant) {
  for (const TenantKeyRange& r : TenantKeyRanges("acme")) {
    EXPECT_LT(r.begin, r.end);
    for (const char* other : {"acme-2/x", "acm/x", "acmea/x", "acme0", "b/x", "~ready/User/x"}) {
      EXPECT_FALSE(other >= r.begin && other < r.end) << r.cf << " " << other;
    }
  }
  int holding = 0;
  for (const TenantKeyRange& r : TenantKeyRanges("acme")) {
    for (const char* own : {"acme/User/1", "acme"}) holding += (own >= r.begin && own < r.end);
  }
  EXPECT_GE(holding, 2);
}

TEST_P(TenantTransferTest, AFrozenTenantsWritesFailWholeAndOthersGoOn) {
  TenantFence fence;
  std::unique_ptr<KvStore> owned = NewFencedKvStore(
      std::make_unique<CountingKvStore>(kv_.get()), &fence);
  ResourceStore fenced(owned.get(), outbox_.get(), &CoreRegistryForTests(), &clock_, &random_);
  CreateUser(fenced, "acme", "before");
  fence.Freeze("acme");
  User user;
  user.set_user_name("during");
  absl::Status refused = fenced.Create(UserResourceType(), "acme", &user, ctx_);
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_EQ(Count(fenced, "acme"), 1) << "nothing of the refused write is stored";
  CreateUser(fenced, "acme-2", "unaffected");
  fence.Thaw("acme");
  CreateUser(fenced, "acme", "after");
  EXPECT_EQ(Count(fenced, "acme"), 2);
  // A tenant this shard no longer serves: its commits are refused too (a
  // request that passed the owner check before a move's flip).
  fence.set_owner_check([](const std::string& tenant) { return tenant != "acme"; });
  User late;
  late.set_user_name("late");
  EXPECT_EQ(fenced.Create(UserResourceType(), "acme", &late, ctx_).code(),
            absl::StatusCode::kUnavailable);
  CreateUser(fenced, "acme-2", "still served");
  EXPECT_EQ(FencedTenantOf(kResourcesCf, "acme/User/1"), "acme");
  EXPECT_EQ(FencedTenantOf(kSchemasCf, "acme"), "acme");
  EXPECT_EQ(FencedTenantOf(kIndexCf, "~ready/User/userName"), "");
  EXPECT_EQ(FencedTenantOf(kOutboxCf, "acme/x"), "");
}

TEST_P(TenantTransferTest, ThroughTheFenceAsIdentityServiceHasIt) {
  CreateUser(*store_, "acme", "a");
  TenantFence fence;
  std::unique_ptr<KvStore> fenced = NewFencedKvStore(std::make_unique<CountingKvStore>(kv_.get()), &fence);
  TenantTransfer transfer(fenced.get());
  TestKvStore target_kv;
  ASSERT_TRUE(target_kv.Open(GetParam(), ColumnFamilies()).ok());
  std::unique_ptr<KvStore> target_fenced =
      NewFencedKvStore(std::make_unique<CountingKvStore>(target_kv.get()), &fence);
  TenantTransfer target(target_fenced.get());
  ASSERT_TRUE(target.Drop("acme").ok());
  ASSERT_TRUE(transfer.Export("acme", [&](const std::string& cf, Rows rows) {
                        return target.Import(cf, rows);
                      }).ok());
  EXPECT_EQ(*transfer.Summarize("acme"), *target.Summarize("acme"));
  absl::Status dropped = transfer.Drop("acme");
  ASSERT_TRUE(dropped.ok()) << dropped;
  EXPECT_EQ((*transfer.Summarize("acme"))[kResourcesCf].keys, 0);
}

INSTANTIATE_TEST_SUITE_P(AllStores, TenantTransferTest, ::testing::Values("Memory", "RocksDb"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace scim::identity
