// ResourceStore::EnsureIndexes over every KvStore: a database written before
// an index existed gets its entries once, in bounded transactions, and
// filters scan until then; an index in another encoding is rebuilt, one no
// longer declared is removed.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "identity-service/counting_kv_store_for_tests.h"
#include "identity-service/index_encoding.h"
#include "identity-service/query_planner.h"
#include "identity-service/store_test_fixture.h"

namespace scim::identity {
namespace {

using v1::Group;
using v1::User;

class IndexBackfillTest : public StoreTest {
 protected:
  std::string NewUser(const std::string& name, const std::string& tenant = "acme") {
    clock_.Advance(absl::Seconds(1));
    User u;
    u.set_user_name(name);
    u.set_external_id(absl::StrCat("EXT-", name));
    u.add_emails()->set_value(absl::StrCat(name, "@example.com"));
    EXPECT_TRUE(store_->Create(UserResourceType(), tenant, &u, ctx_).ok());
    return u.id();
  }
  // Keys of `index` (markers included) that `pick` takes.
  std::vector<std::string> IndexKeys(const std::function<bool(absl::string_view)>& pick) {
    std::vector<std::string> keys;
    EXPECT_TRUE(kv_->Scan(kIndexCf, "", "", [&](absl::string_view key, absl::string_view) {
                      if (pick(key)) keys.emplace_back(key);
                      return true;
                    }).ok());
    return keys;
  }
  void Write(const std::vector<std::string>& deletes,
             const std::vector<std::pair<std::string, std::string>>& puts = {}) {
    ASSERT_TRUE(RunInTransaction(*kv_, [&](KvTransaction& txn) {
                  for (const auto& key : deletes) RETURN_IF_ERROR(txn.Delete(kIndexCf, key));
                  for (const auto& [key, value] : puts) {
                    RETURN_IF_ERROR(txn.Put(kIndexCf, key, value));
                  }
                  return absl::OkStatus();
                }).ok());
  }
  // Whether the planner reads `filter` from an index, and what List answers.
  bool Planned(const ResourceType& type, const std::string& filter) {
    auto compiled = CompiledFilter::Compile(store_->SchemaOf(type), filter);
    EXPECT_TRUE(compiled.ok()) << compiled.status();
    auto plan = PlanCandidates(*kv_, store_->KeysOf(type), "acme", compiled->root());
    EXPECT_TRUE(plan.ok()) << plan.status();
    return plan.ok() && plan->has_value();
  }
  int64_t Listed(const ResourceType& type, const std::string& filter) {
    v1::ListRequest request;
    request.set_filter(filter);
    ListResult result;
    EXPECT_TRUE(store_->List(type, "acme", request, &result).ok()) << filter;
    return result.total_results;
  }
  static std::string After(absl::Time t) {
    return absl::StrCat("meta.lastModified gt \"", absl::FormatTime(absl::RFC3339_full, t,
                                                                   absl::UTCTimeZone()),
                        "\"");
  }
};

TEST_P(IndexBackfillTest, ADatabaseFromBeforeTheIndexGetsItsEntriesOnce) {
  // The fixture's start-up marked every declared index ready.
  EXPECT_EQ(IndexKeys([](auto key) { return absl::StartsWith(key, kIndexReadyPrefix); })
                .size(),
            UserResourceType().indexed.size() + GroupResourceType().indexed.size());
  absl::Time middle;
  for (int i = 0; i < 23; ++i) {
    NewUser(absl::StrCat("u", i));
    if (i == 14) middle = clock_.Now();
  }
  for (int i = 0; i < 4; ++i) NewUser(absl::StrCat("b", i), "beta");
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(absl::Seconds(1));
    Group g;
    g.set_display_name(absl::StrCat("g", i));
    ASSERT_TRUE(store_->Create(GroupResourceType(), "acme", &g, ctx_).ok());
  }
  const std::string since_middle = After(middle);
  ASSERT_TRUE(Planned(UserResourceType(), since_middle));
  ASSERT_EQ(Listed(UserResourceType(), since_middle), 8);

  // As written before meta.lastModified was indexed: no entries, no marker.
  auto last_modified = [](absl::string_view key) {
    return absl::StrContains(key, "/meta.lastModified");
  };
  const size_t entries = IndexKeys(last_modified).size();
  ASSERT_EQ(entries, 23 + 4 + 5 + 2u);  // and the two markers
  Write(IndexKeys(last_modified));
  EXPECT_FALSE(Planned(UserResourceType(), since_middle)) << "no entries: a scan";
  EXPECT_EQ(Listed(UserResourceType(), since_middle), 8) << "which finds them all";
  EXPECT_EQ(Listed(GroupResourceType(), After(absl::UnixEpoch())), 5);
  EXPECT_TRUE(Planned(UserResourceType(), R"(externalId eq "EXT-u3")"))
      << "the other indexes are complete";

  CountingKvStore counting(kv_.get());
  ResourceStore store(&counting, outbox_.get(), &CoreRegistryForTests(), &clock_, &random_);
  auto read = store.EnsureIndexes(/*batch=*/7);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, 23 + 4 + 5);
  EXPECT_EQ(counting.visited(kResourcesCf), 23 + 4 + 5 + 4)
      << "one pass (and the key past each full batch)";
  EXPECT_EQ(counting.transactions(), 5 + 1)
      << "32 resources, 7 per transaction, then the markers";
  EXPECT_EQ(IndexKeys(last_modified).size(), entries);
  EXPECT_TRUE(Planned(UserResourceType(), since_middle));
  EXPECT_EQ(Listed(UserResourceType(), since_middle), 8);
  EXPECT_TRUE(Planned(GroupResourceType(), After(absl::UnixEpoch())));
  EXPECT_EQ(Listed(GroupResourceType(), After(absl::UnixEpoch())), 5);
  EXPECT_EQ(Listed(UserResourceType(), After(absl::UnixEpoch())), 23);

  // Once is enough: the next start-up reads the markers only.
  counting.Reset();
  read = store.EnsureIndexes();
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, 0);
  EXPECT_EQ(counting.visited(kResourcesCf), 0);
  EXPECT_EQ(counting.transactions(), 0);
  // And writes keep the entries from there on.
  NewUser("late");
  EXPECT_EQ(Listed(UserResourceType(), since_middle), 9);
}

TEST_P(IndexBackfillTest, AnIndexInAnotherEncodingIsRebuiltOneNoLongerDeclaredRemoved) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(NewUser(absl::StrCat("u", i)));
  auto of = [](absl::string_view attribute) {
    return [attribute](absl::string_view key) {
      return absl::StrContains(key, absl::StrCat("User/", attribute, "/"));
    };
  };
  const size_t emails = IndexKeys(of("emails.value")).size();
  ASSERT_EQ(IndexKeys(of("externalId")).size(), 5u);
  // externalId as an older version kept it (folded, say), and nickName as
  // a version that indexed it did.
  Write({}, {{IndexReadyKey("User", "externalId"), "string/0"},
             {IndexKey("acme", "User", "externalId", "ext-u0", ids[0]), ""},
             {IndexKey("acme", "User", "externalId", "ext-u1", ids[1]), ""},
             {IndexReadyKey("User", "nickName"), "folded-string/1"},
             {IndexKey("acme", "User", "nickName", "bob", ids[2]), ""}});
  EXPECT_FALSE(Planned(UserResourceType(), R"(externalId eq "EXT-u1")"))
      << "entries of another encoding are not used";
  EXPECT_EQ(Listed(UserResourceType(), R"(externalId eq "EXT-u1")"), 1);

  auto read = store_->EnsureIndexes(/*batch=*/2);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, 5) << "the users, not the groups: theirs are complete";
  std::vector<std::string> external = IndexKeys(of("externalId"));
  ASSERT_EQ(external.size(), 5u);
  for (const auto& key : external) EXPECT_TRUE(absl::StrContains(key, "EXT-u")) << key;
  EXPECT_TRUE(IndexKeys(of("nickName")).empty());
  EXPECT_TRUE(IndexKeys([](auto key) { return absl::StrContains(key, "nickName"); }).empty());
  EXPECT_EQ(IndexKeys(of("emails.value")).size(), emails) << "others untouched";
  auto marker = kv_->Get(kIndexCf, IndexReadyKey("User", "externalId"));
  ASSERT_TRUE(marker.ok() && marker->has_value());
  EXPECT_EQ(**marker, EncodingVersion(IndexEncoding::kExactString));
  EXPECT_TRUE(Planned(UserResourceType(), R"(externalId eq "EXT-u1")"));
  EXPECT_EQ(Listed(UserResourceType(), R"(externalId eq "EXT-u1")"), 1);
  EXPECT_EQ(Listed(UserResourceType(), R"(externalId eq "ext-u1")"), 0);
}

INSTANTIATE_TEST_SUITE_P(AllStores, IndexBackfillTest, AllKvStores(), KvStoreName);

}  // namespace
}  // namespace scim::identity
