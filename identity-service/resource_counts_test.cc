// The per-tenant, per-type resource counts: kept by every create, delete and
// restore, they give an unfiltered list its totalResults, so the list reads
// only its page (O(page), not O(tenant)). Over every KvStore.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "identity-service/counting_kv_store_for_tests.h"
#include "identity-service/keys.h"
#include "identity-service/resource_counts.h"
#include "identity-service/store_test_fixture.h"
#include "scim/core_registry_for_tests.h"

namespace scim::identity {
namespace {

using v1::User;

// Makes the store look like a database from before the counts: none of
// them, or (with `key`) one entry of an older layout.
absl::Status WipeCounts(KvStore& kv, const std::string& key = "",
                        const std::string& value = "") {
  return RunInTransaction(kv, [&](KvTransaction& txn) {
    std::vector<std::string> keys;
    RETURN_IF_ERROR(txn.Scan(kCountsCf, "", "",
                             [&](absl::string_view k, absl::string_view) {
                               keys.emplace_back(k);
                               return true;
                             }));
    for (const auto& k : keys) RETURN_IF_ERROR(txn.Delete(kCountsCf, k));
    return key.empty() ? absl::OkStatus() : txn.Put(kCountsCf, key, value);
  });
}

class ResourceCountsTest : public StoreTest {
 protected:
  std::string NewUser(ResourceStore& store, const std::string& name,
                      const std::string& tenant = "acme") {
    User u;
    u.set_user_name(name);
    u.set_active(true);
    EXPECT_TRUE(store.Create(UserResourceType(), tenant, &u, ctx_).ok());
    return u.id();
  }
  int64_t CountOf(const ResourceType& type, const std::string& tenant = "acme") {
    auto n = store_->Count(type, tenant);
    EXPECT_TRUE(n.ok() && n->has_value());
    return n.ok() && n->has_value() ? **n : -1;
  }
  int64_t Total(ResourceStore& store, int count) {
    v1::ListRequest request;
    request.set_count(count);
    ListResult result;
    EXPECT_TRUE(store.List(UserResourceType(), "acme", request, &result).ok());
    return result.total_results;
  }
};

TEST_P(ResourceCountsTest, FollowCreatesDeletesAndRestoresPerTenantAndType) {
  store_->set_tombstone_retention(absl::Hours(24));
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) ids.push_back(NewUser(*store_, absl::StrCat("u", i)));
  NewUser(*store_, "other", "beta");
  EXPECT_EQ(CountOf(UserResourceType()), 30);
  ASSERT_TRUE(store_->Delete(UserResourceType(), "acme", ids[0], "", ctx_).ok());
  ASSERT_TRUE(store_->Delete(UserResourceType(), "acme", ids[1], "", ctx_, true).ok());
  EXPECT_EQ(CountOf(UserResourceType()), 28) << "hard and soft deletes both count";
  // Reactivating the tombstone brings it back into lists.
  User restored;
  auto ops = ParsePatchOperations(
      Json::parse(R"([{"op":"replace","path":"active","value":true}])"));
  ASSERT_TRUE(ops.ok());
  ASSERT_TRUE(store_->Patch(UserResourceType(), "acme", ids[1], "", *ops, &restored, ctx_)
                  .ok());
  EXPECT_EQ(CountOf(UserResourceType()), 29);
  // A failed create (taken userName) changes nothing.
  User dup;
  dup.set_user_name("U2");
  EXPECT_FALSE(store_->Create(UserResourceType(), "acme", &dup, ctx_).ok());
  EXPECT_EQ(CountOf(UserResourceType()), 29);
  EXPECT_EQ(CountOf(UserResourceType(), "beta"), 1);
  EXPECT_EQ(CountOf(GroupResourceType()), 0);
  EXPECT_EQ(Total(*store_, 0), 29);
  ASSERT_TRUE(store_->DeleteTenant("acme", ctx_).ok());
  EXPECT_EQ(CountOf(UserResourceType()), 0);
  EXPECT_EQ(CountOf(UserResourceType(), "beta"), 1);
}

TEST_P(ResourceCountsTest, UnfilteredPagesReadOnlyThePage) {
  CountingKvStore counting(kv_.get());
  ResourceStore store(&counting, outbox_.get(), &CoreRegistryForTests(), &clock_,
                      &random_);
  ASSERT_TRUE(store.EnsureCounts().ok());
  for (int i = 0; i < 50; ++i) NewUser(store, absl::StrCat("p", i));
  counting.Reset();
  EXPECT_EQ(Total(store, 0), 50);
  EXPECT_LE(counting.visited(kResourcesCf), 1) << "count=0 reads no page";
  counting.Reset();
  EXPECT_EQ(Total(store, 5), 50);
  EXPECT_LE(counting.visited(kResourcesCf), 6) << "a page of 5 reads 5 keys and one past";
}

TEST_P(ResourceCountsTest, ADatabaseFromBeforeTheCountsIsCountedOnce) {
  for (int i = 0; i < 12; ++i) NewUser(*store_, absl::StrCat("old", i));
  // As a database written before the counts existed: none at all.
  ASSERT_TRUE(WipeCounts(*kv_).ok());
  auto unknown = store_->Count(UserResourceType(), "acme");
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value()) << "not trusted before EnsureCounts";
  EXPECT_EQ(Total(*store_, 3), 12) << "lists count by scanning meanwhile";
  ASSERT_TRUE(store_->EnsureCounts().ok());
  EXPECT_EQ(CountOf(UserResourceType()), 12);
  NewUser(*store_, "new");
  EXPECT_EQ(CountOf(UserResourceType()), 13);
  EXPECT_EQ(Total(*store_, 0), 13);
}

INSTANTIATE_TEST_SUITE_P(AllStores, ResourceCountsTest, AllKvStores(), KvStoreName);

// Every position found from the counts is the id at that position, over ids
// of any shape (UUIDv7, short, sharing prefixes), and after deletes.
class LocateByCountTest : public StoreTest {
 protected:
  void Add(const std::string& id, int64_t delta) {
    ASSERT_TRUE(RunInTransaction(*kv_, [&](KvTransaction& txn) {
                  const std::string key = ResourceKey("acme", "User", id);
                  RETURN_IF_ERROR(delta > 0 ? txn.Put(kResourcesCf, key, "")
                                            : txn.Delete(kResourcesCf, key));
                  return AdjustCounts(txn, "acme", "User", id, delta);
                }).ok());
  }
  // Checks every offset against `ids` (sorted), and one past the end.
  void ExpectEveryPosition(const std::vector<std::string>& ids) {
    const std::string prefix = ResourcePrefix("acme", "User");
    for (int64_t offset = 0; offset <= static_cast<int64_t>(ids.size()) + 1; ++offset) {
      auto at = LocateByCount(*kv_, "acme", "User", offset);
      ASSERT_TRUE(at.ok()) << at.status();
      ASSERT_TRUE(at->has_value());
      if (offset >= static_cast<int64_t>(ids.size())) {
        EXPECT_TRUE((*at)->past_end) << offset;
        continue;
      }
      ASSERT_FALSE((*at)->past_end) << offset;
      int64_t skip = (*at)->skip;
      std::string found;
      ASSERT_TRUE(kv_->Scan(kResourcesCf, prefix, prefix + (*at)->from,
                            [&](absl::string_view key, absl::string_view) {
                              if (skip-- > 0) return true;
                              found = std::string(key.substr(prefix.size()));
                              return false;
                            })
                      .ok());
      EXPECT_EQ(found, ids[offset]) << "offset " << offset;
    }
  }
};

TEST_P(LocateByCountTest, FindsEveryPositionOverAnyIdsAndAfterDeletes) {
  std::mt19937 rng(7);
  std::vector<std::string> ids = {"a", "ab", "abc", "abcd", "b", "0190aaaa-0000"};
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 300; ++i) {
    // UUIDv7-shaped, crowded into few prefixes so every level branches.
    std::string id = "0190a";
    for (char c : {hex[rng() % 3], 'f', hex[rng() % 2], '-', hex[rng() % 4],
                   hex[rng() % 16], hex[rng() % 16]}) {
      id.push_back(c);
    }
    absl::StrAppend(&id, "-7", i);
    ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (const auto& id : ids) Add(id, +1);
  ExpectEveryPosition(ids);
  std::vector<std::string> kept;
  for (const auto& id : ids) {
    if (rng() % 3 == 0) {
      Add(id, -1);
    } else {
      kept.push_back(id);
    }
  }
  ExpectEveryPosition(kept);
  auto total = ReadCount(*kv_, "acme", "User");
  ASSERT_TRUE(total.ok() && total->has_value());
  EXPECT_EQ(**total, static_cast<int64_t>(kept.size()));
}

TEST_P(LocateByCountTest, EnsureCountsRebuildsThePositions) {
  std::vector<std::string> ids;
  for (int i = 0; i < 120; ++i) ids.push_back(absl::StrCat("0190ab", i % 7, "c-", 1000 + i));
  std::sort(ids.begin(), ids.end());
  for (const auto& id : ids) Add(id, +1);
  // As a database from before: the counts wiped, then rebuilt in one pass.
  ASSERT_TRUE(WipeCounts(*kv_, "acme/User/00", "17").ok());  // the old layout
  auto unknown = LocateByCount(*kv_, "acme", "User", 3);
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());
  ASSERT_TRUE(EnsureCounts(*kv_, random_).ok());
  ExpectEveryPosition(ids);
}

INSTANTIATE_TEST_SUITE_P(AllStores, LocateByCountTest, AllKvStores(), KvStoreName);

}  // namespace
}  // namespace scim::identity
