// Soft delete over every KvStore: the tombstone leaves every SCIM read and
// frees its userName, stays readable until its retention has passed, is
// purged after it, and comes back on PATCH/PUT with active=true.
#include "absl/strings/str_cat.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "identity-service/store_test_fixture.h"

namespace scim::identity {
namespace {

using v1::User;

class TombstoneTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store_->set_tombstone_retention(absl::Hours(24));
  }
  User NewUser(const std::string& name) {
    User u;
    u.set_user_name(name);
    u.set_active(true);
    u.set_title("Guide");
    u.add_emails()->set_value(absl::StrCat(name, "@example.com"));
    EXPECT_TRUE(store_->Create(UserResourceType(), "acme", &u, ctx_).ok());
    return u;
  }
  absl::Status SoftDelete(const std::string& id, const std::string& if_match = "") {
    return store_->Delete(UserResourceType(), "acme", id, if_match, ctx_, true);
  }
  absl::StatusOr<User> Patch(const std::string& id, const std::string& operations,
                             const std::string& if_match = "") {
    auto ops = ParsePatchOperations(Json::parse(operations));
    if (!ops.ok()) return ops.status();
    User out;
    absl::Status s =
        store_->Patch(UserResourceType(), "acme", id, if_match, *ops, &out, ctx_);
    if (!s.ok()) return s;
    return out;
  }
  int64_t Listed(const std::string& filter) {
    v1::ListRequest request;
    request.set_filter(filter);
    ListResult result;
    EXPECT_TRUE(store_->List(UserResourceType(), "acme", request, &result).ok());
    return result.total_results;
  }
  std::string LastEvent() {
    std::vector<std::string> keys;
    std::vector<v1::AuditEvent> events;
    EXPECT_TRUE(outbox_->Peek(1000, &keys, &events).ok());
    return events.empty() ? "" : events.back().operation();
  }
};

TEST_P(TombstoneTest, SoftDeleteHidesFromScimAndKeepsATombstone) {
  User u = NewUser("bjensen");
  v1::Group g;
  g.set_display_name("Admins");
  g.add_members()->set_value(u.id());
  ASSERT_TRUE(store_->Create(GroupResourceType(), "acme", &g, ctx_).ok());
  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(SoftDelete(u.id()).ok());
  EXPECT_EQ(LastEvent(), "user.soft_delete");

  User read;
  EXPECT_TRUE(absl::IsNotFound(store_->Get(UserResourceType(), "acme", u.id(), &read)));
  EXPECT_EQ(Listed(""), 0);
  EXPECT_EQ(Listed("userName eq \"bjensen\""), 0);
  EXPECT_EQ(Listed("emails.value eq \"bjensen@example.com\""), 0);
  // A second DELETE sees nothing to delete.
  EXPECT_TRUE(absl::IsNotFound(SoftDelete(u.id())));
  // The group no longer lists it.
  v1::Group group;
  ASSERT_TRUE(store_->Get(GroupResourceType(), "acme", g.id(), &group).ok());
  EXPECT_EQ(group.members_size(), 0);

  v1::Tombstone t;
  ASSERT_TRUE(store_->GetTombstone(UserResourceType(), "acme", u.id(), &t).ok());
  User kept;
  ASSERT_TRUE(kept.ParseFromString(t.resource()));
  EXPECT_EQ(kept.user_name(), "bjensen");
  EXPECT_EQ(kept.title(), "Guide");
  EXPECT_FALSE(kept.active());
  EXPECT_EQ(kept.meta().version(), "W/\"2\"");
  ASSERT_EQ(kept.groups_size(), 1);  // the group it was in, on record
  EXPECT_EQ(kept.groups(0).value(), g.id());
  EXPECT_EQ(kept.groups(0).display(), "Admins");
  EXPECT_EQ(FromTimestamp(t.purge_after()) - FromTimestamp(t.deleted()), absl::Hours(24));
  // Another tenant sees no tombstone of it.
  EXPECT_TRUE(absl::IsNotFound(
      store_->GetTombstone(UserResourceType(), "other", u.id(), &t)));
}

TEST_P(TombstoneTest, HardDeleteKeepsNothing) {
  User u = NewUser("bjensen");
  ASSERT_TRUE(store_->Delete(UserResourceType(), "acme", u.id(), "", ctx_).ok());
  EXPECT_EQ(LastEvent(), "user.delete");
  v1::Tombstone t;
  EXPECT_TRUE(absl::IsNotFound(
      store_->GetTombstone(UserResourceType(), "acme", u.id(), &t)));
  // PATCH active=true cannot bring back what a hard delete removed.
  EXPECT_TRUE(absl::IsNotFound(
      Patch(u.id(), R"([{"op":"replace","path":"active","value":true}])").status()));
}

TEST_P(TombstoneTest, GroupsAreNeverKeptAsTombstones) {
  v1::Group g;
  g.set_display_name("Admins");
  ASSERT_TRUE(store_->Create(GroupResourceType(), "acme", &g, ctx_).ok());
  ASSERT_TRUE(store_->Delete(GroupResourceType(), "acme", g.id(), "", ctx_, true).ok());
  EXPECT_EQ(LastEvent(), "group.delete");
  v1::Tombstone t;
  EXPECT_TRUE(absl::IsNotFound(
      store_->GetTombstone(GroupResourceType(), "acme", g.id(), &t)));
}

TEST_P(TombstoneTest, FreesUserNameForANewUser) {
  User old = NewUser("bjensen");
  ASSERT_TRUE(SoftDelete(old.id()).ok());
  User fresh = NewUser("bjensen");
  ASSERT_FALSE(fresh.id().empty());
  EXPECT_NE(fresh.id(), old.id());
  EXPECT_EQ(Listed("userName eq \"bjensen\""), 1);
  // The old one cannot come back while its userName is taken.
  auto revived = Patch(old.id(), R"([{"op":"replace","path":"active","value":true}])");
  EXPECT_EQ(revived.status().code(), absl::StatusCode::kAlreadyExists)
      << revived.status();
  v1::Tombstone t;
  EXPECT_TRUE(store_->GetTombstone(UserResourceType(), "acme", old.id(), &t).ok());
}

TEST_P(TombstoneTest, PatchActiveTrueReactivates) {
  User u = NewUser("bjensen");
  ASSERT_TRUE(SoftDelete(u.id()).ok());
  // Any other change to a deleted user is a 404.
  EXPECT_TRUE(absl::IsNotFound(
      Patch(u.id(), R"([{"op":"replace","path":"title","value":"x"}])").status()));
  // If-Match is checked against the tombstone's version.
  EXPECT_EQ(Patch(u.id(), R"([{"op":"replace","path":"active","value":true}])",
                  "W/\"1\"")
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  auto revived = Patch(u.id(), R"([{"op":"Replace","value":{"active":"True"}}])",
                       "W/\"2\"");
  ASSERT_TRUE(revived.ok()) << revived.status();
  EXPECT_TRUE(revived->active());
  EXPECT_EQ(revived->title(), "Guide");  // its data came back with it
  EXPECT_EQ(revived->groups_size(), 0);  // memberships are not restored
  EXPECT_EQ(revived->meta().version(), "W/\"3\"");
  EXPECT_EQ(LastEvent(), "user.restore");
  User read;
  EXPECT_TRUE(store_->Get(UserResourceType(), "acme", u.id(), &read).ok());
  EXPECT_EQ(Listed("userName eq \"bjensen\""), 1);
  EXPECT_EQ(Listed("emails.value eq \"bjensen@example.com\""), 1);
  v1::Tombstone t;
  EXPECT_TRUE(absl::IsNotFound(
      store_->GetTombstone(UserResourceType(), "acme", u.id(), &t)));
  // Its userName is held again.
  User dup;
  dup.set_user_name("BJENSEN");
  EXPECT_EQ(store_->Create(UserResourceType(), "acme", &dup, ctx_).code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_P(TombstoneTest, PutActiveTrueReactivates) {
  User u = NewUser("bjensen");
  ASSERT_TRUE(SoftDelete(u.id()).ok());
  User inactive;
  inactive.set_user_name("bjensen");
  inactive.set_active(false);
  EXPECT_TRUE(absl::IsNotFound(
      store_->Replace(UserResourceType(), "acme", u.id(), "", &inactive, ctx_)));
  User put;
  put.set_user_name("bjensen2");
  put.set_active(true);
  ASSERT_TRUE(store_->Replace(UserResourceType(), "acme", u.id(), "", &put, ctx_).ok());
  EXPECT_EQ(put.user_name(), "bjensen2");
  EXPECT_EQ(put.title(), "");  // PUT replaces: omitted attributes are cleared
  EXPECT_EQ(LastEvent(), "user.restore");
  EXPECT_EQ(Listed("userName eq \"bjensen2\""), 1);
}

TEST_P(TombstoneTest, PurgedAfterRetention) {
  User a = NewUser("a");
  User b = NewUser("b");
  ASSERT_TRUE(SoftDelete(a.id()).ok());
  clock_.Advance(absl::Hours(12));
  ASSERT_TRUE(SoftDelete(b.id()).ok());
  auto purged = store_->PurgeTombstones();
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 0);

  clock_.Advance(absl::Hours(12));  // a's retention has passed, b's not
  v1::Tombstone t;
  // Past its retention a tombstone is gone even before the sweep runs.
  EXPECT_TRUE(absl::IsNotFound(store_->GetTombstone(UserResourceType(), "acme", a.id(), &t)));
  EXPECT_TRUE(absl::IsNotFound(
      Patch(a.id(), R"([{"op":"replace","path":"active","value":true}])").status()));
  TombstonePage page;
  ASSERT_TRUE(store_->ListTombstones(UserResourceType(), "acme", "", 0, &page).ok());
  ASSERT_EQ(page.tombstones.size(), 1u);

  purged = store_->PurgeTombstones();
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1);
  EXPECT_EQ(LastEvent(), "user.purge");
  EXPECT_FALSE(kv_->Get(kTombstonesCf, ResourceKey("acme", "User", a.id()))->has_value());
  EXPECT_TRUE(kv_->Get(kTombstonesCf, ResourceKey("acme", "User", b.id()))->has_value());
  clock_.Advance(absl::Hours(12));
  purged = store_->PurgeTombstones();
  EXPECT_EQ(*purged, 1);
  EXPECT_FALSE(kv_->Get(kTombstonesCf, ResourceKey("acme", "User", b.id()))->has_value());
}

TEST_P(TombstoneTest, ListsInPages) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    User u = NewUser(absl::StrCat("u", i));
    ASSERT_TRUE(SoftDelete(u.id()).ok());
    ids.push_back(u.id());
  }
  NewUser("alive");
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    TombstonePage page;
    ASSERT_TRUE(store_->ListTombstones(UserResourceType(), "acme", token, 2, &page).ok());
    for (const auto& t : page.tombstones) {
      User u;
      u.ParseFromString(t.resource());
      seen.push_back(u.id());
    }
    token = page.next_page_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(pages, 3);
}

TEST_P(TombstoneTest, TenantDeletionRemovesTombstones) {
  User u = NewUser("bjensen");
  ASSERT_TRUE(SoftDelete(u.id()).ok());
  ASSERT_TRUE(store_->DeleteTenant("acme", ctx_).ok());
  v1::Tombstone t;
  EXPECT_TRUE(absl::IsNotFound(store_->GetTombstone(UserResourceType(), "acme", u.id(), &t)));
}

INSTANTIATE_TEST_SUITE_P(AllStores, TombstoneTest, ::testing::Values("Memory", "RocksDb"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace scim::identity
