// IdPs' incremental sync (`meta.lastModified gt "<last run>"`), over every
// KvStore: it reads the k resources changed since, not the tenant's N, and
// the meta.lastModified index entry moves with every write in its
// transaction.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/proto_util.h"
#include "gtest/gtest.h"
#include "identity-service/index_encoding.h"
#include "identity-service/message_fields.h"
#include "identity-service/store_test_fixture.h"

namespace scim::identity {
namespace {

using v1::Group;
using v1::User;

std::string Since(absl::Time t) {
  return absl::StrCat("meta.lastModified gt \"", absl::FormatTime(absl::RFC3339_full, t,
                                                                 absl::UTCTimeZone()),
                      "\"");
}

class IndexSyncTest : public CountingStoreTest {
 protected:
  void SetUp() override {
    CountingStoreTest::SetUp();
    store_->set_tombstone_retention(absl::Hours(24));
  }
  std::string NewUser(int i) {
    clock_.Advance(absl::Milliseconds(10));
    User u;
    u.set_user_name(absl::StrCat("user", i));
    u.set_active(true);
    u.add_emails()->set_value(absl::StrCat("user", i, "@example.com"));
    EXPECT_TRUE(store_->Create(UserResourceType(), "acme", &u, ctx_).ok());
    return u.id();
  }
  absl::Status Patch(const ResourceType& type, const std::string& id, const std::string& ops) {
    clock_.Advance(absl::Milliseconds(10));
    auto parsed = ParsePatchOperations(Json::parse(ops));
    if (!parsed.ok()) return parsed.status();
    std::unique_ptr<google::protobuf::Message> out = NewMessage(type);
    return store_->Patch(type, "acme", id, "", *parsed, out.get(), ctx_);
  }
  std::set<std::string> Ids(const ResourceType& type, const std::string& filter,
                            int64_t* total = nullptr) {
    v1::ListRequest request;
    request.set_filter(filter);
    request.set_count(200);
    ListResult result;
    absl::Status s = store_->List(type, "acme", request, &result);
    EXPECT_TRUE(s.ok()) << s;
    std::set<std::string> ids;
    for (const auto& m : result.resources) {
      ids.insert(m->GetReflection()->GetString(*m, m->GetDescriptor()->FindFieldByName("id")));
    }
    if (total != nullptr) *total = result.total_results;
    return ids;
  }
  // The meta.lastModified entries of `id` in the index.
  int Entries(const ResourceType& type, const std::string& id) {
    int n = 0;
    EXPECT_TRUE(kv_->Scan(kIndexCf, AttributeKeyPrefix("acme", type.name, "meta.lastModified"),
                          "", [&](absl::string_view key, absl::string_view) {
                            n += absl::EndsWith(key, id);
                            return true;
                          }).ok());
    return n;
  }

};

TEST_P(IndexSyncTest, IncrementalSyncReadsOnlyWhatChanged) {
  constexpr int kUsers = 300;
  std::vector<std::string> ids;
  for (int i = 0; i < kUsers; ++i) ids.push_back(NewUser(i));
  const absl::Time last_run = clock_.Now();
  std::set<std::string> changed;
  for (int i : {3, 150, 299, 42, 7}) {
    ASSERT_TRUE(Patch(UserResourceType(), ids[i],
                      R"([{"op":"replace","path":"title","value":"changed"}])").ok());
    changed.insert(ids[i]);
  }
  clock_.Advance(absl::Milliseconds(10));
  User created;
  created.set_user_name("newcomer");
  ASSERT_TRUE(store_->Create(UserResourceType(), "acme", &created, ctx_).ok());
  changed.insert(created.id());
  const int k = static_cast<int>(changed.size());

  counting_->Reset();
  int64_t total = 0;
  EXPECT_EQ(Ids(UserResourceType(), Since(last_run), &total), changed);
  EXPECT_EQ(total, k);
  EXPECT_EQ(counting_->gets(kResourcesCf), k) << "reads the k changed resources";
  EXPECT_EQ(counting_->visited(kResourcesCf), 0) << "and scans none";
  EXPECT_EQ(counting_->visited(kIndexCf), k);
  // What the same query costs as a scan: every resource of the tenant.
  counting_->Reset();
  EXPECT_EQ(Ids(UserResourceType(), absl::StrCat("(", Since(last_run), ") or nickName pr")),
            changed);
  EXPECT_EQ(counting_->visited(kResourcesCf), kUsers + 1);
  // Nothing since the latest write: no resource read at all.
  counting_->Reset();
  EXPECT_TRUE(Ids(UserResourceType(), Since(clock_.Now())).empty());
  EXPECT_EQ(counting_->gets(kResourcesCf) + counting_->visited(kResourcesCf), 0);
}

TEST_P(IndexSyncTest, GroupsChangedByTheirMembersAreFoundToo) {
  const std::string member = NewUser(0);
  std::vector<std::string> groups;
  for (int i = 0; i < 40; ++i) {
    clock_.Advance(absl::Milliseconds(10));
    Group g;
    g.set_display_name(absl::StrCat("group ", i));
    ASSERT_TRUE(store_->Create(GroupResourceType(), "acme", &g, ctx_).ok());
    groups.push_back(g.id());
  }
  const absl::Time last_run = clock_.Now();
  for (int i : {5, 30}) {
    ASSERT_TRUE(Patch(GroupResourceType(), groups[i],
                      absl::StrCat(R"([{"op":"add","path":"members","value":[{"value":")",
                                   member, R"("}]}])")).ok());
  }
  counting_->Reset();
  EXPECT_EQ(Ids(GroupResourceType(), Since(last_run)),
            (std::set<std::string>{groups[5], groups[30]}));
  EXPECT_EQ(counting_->gets(kResourcesCf), 2);
  EXPECT_EQ(counting_->visited(kResourcesCf), 0);
}

TEST_P(IndexSyncTest, TheEntryMovesWithEveryWrite) {
  const std::string id = NewUser(1);
  auto found_at_its_time = [&] {
    User u;
    EXPECT_TRUE(store_->Get(UserResourceType(), "acme", id, &u).ok());
    const std::string at = absl::FormatTime(
        absl::RFC3339_full, FromTimestamp(u.meta().last_modified()), absl::UTCTimeZone());
    return Ids(UserResourceType(), absl::StrCat("meta.lastModified eq \"", at, "\"")) ==
           std::set<std::string>{id};
  };
  EXPECT_EQ(Entries(UserResourceType(), id), 1);
  EXPECT_TRUE(found_at_its_time());
  absl::Time before = clock_.Now();
  ASSERT_TRUE(Patch(UserResourceType(), id,
                    R"([{"op":"replace","path":"title","value":"t"}])").ok());
  EXPECT_EQ(Entries(UserResourceType(), id), 1) << "the old entry went";
  EXPECT_TRUE(found_at_its_time());
  EXPECT_EQ(Ids(UserResourceType(), Since(before)).size(), 1u);
  // A PATCH that changes nothing keeps meta.lastModified, and its entry.
  before = clock_.Now();
  ASSERT_TRUE(Patch(UserResourceType(), id,
                    R"([{"op":"replace","path":"title","value":"t"}])").ok());
  EXPECT_TRUE(Ids(UserResourceType(), Since(before)).empty());
  EXPECT_TRUE(found_at_its_time());
  clock_.Advance(absl::Milliseconds(10));
  User replaced;
  replaced.set_user_name("user1");
  replaced.set_active(true);
  ASSERT_TRUE(store_->Replace(UserResourceType(), "acme", id, "", &replaced, ctx_).ok());
  EXPECT_EQ(Entries(UserResourceType(), id), 1);
  EXPECT_TRUE(found_at_its_time());
  // A tombstone has no entry; its restore has one again.
  ASSERT_TRUE(store_->Delete(UserResourceType(), "acme", id, "", ctx_, /*soft=*/true).ok());
  EXPECT_EQ(Entries(UserResourceType(), id), 0);
  EXPECT_TRUE(Ids(UserResourceType(), Since(before)).empty());
  ASSERT_TRUE(Patch(UserResourceType(), id,
                    R"([{"op":"replace","path":"active","value":true}])").ok());
  EXPECT_EQ(Entries(UserResourceType(), id), 1);
  EXPECT_TRUE(found_at_its_time());
  ASSERT_TRUE(store_->Delete(UserResourceType(), "acme", id, "", ctx_).ok());
  EXPECT_EQ(Entries(UserResourceType(), id), 0);
}

// A single-valued indexed attribute has one entry per resource: its value,
// or "no value" (so that a sort walking the index finds everyone).
TEST_P(IndexSyncTest, TheEntryOfNoValueComesAndGoesWithTheValue) {
  const std::string id = NewUser(1);
  // {value} -> how many of `id`'s displayName entries have it.
  auto entries = [&] {
    std::map<std::string, int> out;
    const std::string prefix = AttributeKeyPrefix("acme", "User", "displayName");
    EXPECT_TRUE(kv_->Scan(kIndexCf, prefix, "", [&](absl::string_view key, absl::string_view) {
                      if (absl::EndsWith(key, id)) {
                        const absl::string_view value = key.substr(prefix.size());
                        ++out[std::string(value.substr(0, value.find(std::string("\0\x01", 2))))];
                      }
                      return true;
                    }).ok());
    return out;
  };
  const std::map<std::string, int> none = {{kAbsentIndexValue, 1}};
  EXPECT_EQ(entries(), none);
  ASSERT_TRUE(Patch(UserResourceType(), id,
                    R"([{"op":"add","path":"displayName","value":"Ann"}])").ok());
  EXPECT_EQ(entries(), (std::map<std::string, int>{{"ann", 1}}));
  ASSERT_TRUE(Patch(UserResourceType(), id, R"([{"op":"remove","path":"displayName"}])").ok());
  EXPECT_EQ(entries(), none);
  ASSERT_TRUE(store_->Delete(UserResourceType(), "acme", id, "", ctx_).ok());
  EXPECT_TRUE(entries().empty());
  // Multi-valued attributes have no such entry: emails.value none at all.
  const std::string bare = NewUser(2);
  ASSERT_TRUE(Patch(UserResourceType(), bare, R"([{"op":"remove","path":"emails"}])").ok());
  int emails = 0;
  EXPECT_TRUE(kv_->Scan(kIndexCf, AttributeKeyPrefix("acme", "User", "emails.value"), "",
                        [&](absl::string_view key, absl::string_view) {
                          emails += absl::EndsWith(key, bare);
                          return true;
                        }).ok());
  EXPECT_EQ(emails, 0);
}

INSTANTIATE_TEST_SUITE_P(AllStores, IndexSyncTest, AllKvStores(), KvStoreName);

}  // namespace
}  // namespace scim::identity
