// The directory events each write of the store stages (change_events.h),
// over every KvStore: types, member events one per member and net of the
// write, versions, deletes and tombstones, tenant deletion.
#include "identity-service/change_events.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "identity-service/message_fields.h"
#include "identity-service/store_test_fixture.h"
#include "scim/json_codec.h"

namespace scim::identity {
namespace {

using v1::Group;
using v1::User;

class ChangeEventsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    log_ = std::make_unique<events::EventLog>(kv_.get(), &clock_);
    store_->set_event_log(log_.get());
    store_->set_tombstone_retention(absl::Hours(1));
  }
  void TearDown() override {
    store_->set_event_log(nullptr);
    log_.reset();
    StoreTest::TearDown();
  }

  // The events numbered since the last call, as "type resource [member] [attrs]".
  std::vector<std::string> NewEvents(const std::string& tenant = "acme") {
    EXPECT_TRUE(log_->NumberCommitted().ok());
    auto page = log_->Read(tenant, seen_[tenant], 1000, {});
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> out;
    if (!page.ok()) return out;
    for (const auto& e : page->events) {
      EXPECT_EQ(e.sequence(), seen_[tenant] + 1);
      seen_[tenant] = e.sequence();
      EXPECT_EQ(e.tenant(), tenant);
      EXPECT_FALSE(e.id().empty());
      if (e.type() != "user.purged") {
        EXPECT_EQ(e.actor(), "key1");
        EXPECT_EQ(e.request_id(), "req-1");
      }
      last_.push_back(e);
      std::string line = absl::StrCat(e.type(), " ", e.resource_id());
      if (!e.member_id().empty()) absl::StrAppend(&line, " +", e.member_id());
      if (e.changed_attributes_size() > 0) {
        absl::StrAppend(&line, " [", absl::StrJoin(e.changed_attributes(), ","), "]");
      }
      if (!e.delete_mode().empty()) absl::StrAppend(&line, " ", e.delete_mode());
      out.push_back(line);
    }
    return out;
  }
  std::string NewUser(const std::string& name) {
    User u;
    u.set_user_name(name);
    EXPECT_TRUE(store_->Create(UserResourceType(), "acme", &u, ctx_).ok());
    return u.id();
  }
  absl::Status Patch(const ResourceType& type, const std::string& id,
                     const std::string& operations) {
    auto ops = ParsePatchOperations(Json::parse(operations)["Operations"]);
    if (!ops.ok()) return ops.status();
    std::unique_ptr<google::protobuf::Message> out = NewMessage(type);
    return store_->Patch(type, "acme", id, "", *ops, out.get(), ctx_);
  }

  std::unique_ptr<events::EventLog> log_;
  std::map<std::string, uint64_t> seen_;
  std::vector<v1::Event> last_;
};

using Events = std::vector<std::string>;

TEST_P(ChangeEventsTest, UserLifecycle) {
  const std::string u = NewUser("ann");
  EXPECT_EQ(NewEvents(), Events{"user.created " + u});
  EXPECT_EQ(last_.back().version(), "W/\"1\"");
  ASSERT_TRUE(Patch(UserResourceType(), u,
                    R"({"Operations":[{"op":"replace","path":"active","value":false}]})")
                  .ok());
  EXPECT_EQ(NewEvents(), Events{"user.deactivated " + u});
  EXPECT_EQ(last_.back().version(), "W/\"2\"");
  ASSERT_TRUE(Patch(UserResourceType(), u,
                    R"({"Operations":[{"op":"replace","value":{"active":true,"displayName":"Ann"}}]})")
                  .ok());
  EXPECT_EQ(NewEvents(), (Events{"user.reactivated " + u, "user.updated " + u + " [displayName]"}));
  // Changing nothing is no event.
  ASSERT_TRUE(Patch(UserResourceType(), u,
                    R"({"Operations":[{"op":"replace","path":"displayName","value":"Ann"}]})")
                  .ok());
  EXPECT_EQ(NewEvents(), Events{});
  User replacement;
  replacement.set_user_name("ann");
  replacement.set_display_name("Ann B");
  ASSERT_TRUE(store_->Replace(UserResourceType(), "acme", u, "", &replacement, ctx_).ok());
  EXPECT_EQ(NewEvents(), Events{"user.updated " + u + " [displayName]"});
  ASSERT_TRUE(store_->Delete(UserResourceType(), "acme", u, "", ctx_, /*soft=*/true).ok());
  EXPECT_EQ(NewEvents(), Events{"user.deleted " + u + " soft"});
  // A tombstone brought back by the IdP's reactivation.
  ASSERT_TRUE(Patch(UserResourceType(), u,
                    R"({"Operations":[{"op":"replace","path":"active","value":true}]})")
                  .ok());
  EXPECT_EQ(NewEvents(), Events{"user.restored " + u});
  ASSERT_TRUE(store_->Delete(UserResourceType(), "acme", u, "", ctx_, true).ok());
  clock_.Advance(absl::Hours(2));
  ASSERT_EQ(*store_->PurgeTombstones(), 1);
  auto purged = NewEvents();
  ASSERT_EQ(purged, (Events{"user.deleted " + u + " soft", "user.purged " + u}));
  EXPECT_EQ(last_.back().actor(), "system:retention") << "overrides the fixture's";
}

TEST_P(ChangeEventsTest, HardDeleteLeavesEveryGroupWithAMemberRemovedEvent) {
  const std::string u = NewUser("ann");
  Group a, b;
  a.set_display_name("a");
  a.add_members()->set_value(u);
  b.set_display_name("b");
  b.add_members()->set_value(u);
  ASSERT_TRUE(store_->Create(GroupResourceType(), "acme", &a, ctx_).ok());
  ASSERT_TRUE(store_->Create(GroupResourceType(), "acme", &b, ctx_).ok());
  NewEvents();
  ASSERT_TRUE(store_->Delete(UserResourceType(), "acme", u, "", ctx_).ok());
  Events expected = {"user.deleted " + u + " hard",
                     "group.member_removed " + std::min(a.id(), b.id()) + " +" + u,
                     "group.member_removed " + std::max(a.id(), b.id()) + " +" + u};
  EXPECT_EQ(NewEvents(), expected);
}

TEST_P(ChangeEventsTest, MemberEventsAreOnePerMemberAndNetOfTheWrite) {
  std::vector<std::string> users;
  for (int i = 0; i < 100; ++i) users.push_back(NewUser(absl::StrCat("u", i)));
  std::sort(users.begin(), users.end());
  Group g;
  g.set_display_name("eng");
  g.add_members()->set_value(users[0]);
  ASSERT_TRUE(store_->Create(GroupResourceType(), "acme", &g, ctx_).ok());
  NewEvents();
  EXPECT_EQ(last_.size(), 102u);
  EXPECT_EQ(last_[100].type(), "group.created");
  EXPECT_EQ(last_[101].type(), "group.member_added");
  EXPECT_EQ(last_[101].member_id(), users[0]);
  // 99 members in one PATCH: 99 events, no group.updated.
  Json add = {{"op", "add"}, {"path", "members"}, {"value", Json::array()}};
  for (size_t i = 1; i < users.size(); ++i) add["value"].push_back({{"value", users[i]}});
  Json ops = {{"Operations", Json::array({add})}};
  ASSERT_TRUE(Patch(GroupResourceType(), g.id(), ops.dump()).ok());
  Events events = NewEvents();
  ASSERT_EQ(events.size(), 99u);
  for (size_t i = 1; i < users.size(); ++i) {
    EXPECT_EQ(events[i - 1], "group.member_added " + g.id() + " +" + users[i]);
  }
  // Removed and added back in one PATCH: no change, no event; a rename is.
  ASSERT_TRUE(Patch(GroupResourceType(), g.id(),
                    absl::StrCat(R"({"Operations":[{"op":"remove","path":"members[value eq \")",
                                 users[5], R"(\"]"},{"op":"add","path":"members","value":[{"value":")",
                                 users[5], R"("}]},{"op":"replace","path":"displayName","value":"eng2"}]})"))
                  .ok());
  EXPECT_EQ(NewEvents(), Events{"group.updated " + g.id() + " [displayName]"});
  // A PUT names the whole list: events for the difference only.
  Group replacement;
  replacement.set_display_name("eng2");
  replacement.add_members()->set_value(users[0]);
  replacement.add_members()->set_value(users[1]);
  ASSERT_TRUE(store_->Replace(GroupResourceType(), "acme", g.id(), "", &replacement, ctx_).ok());
  events = NewEvents();
  ASSERT_EQ(events.size(), 98u);
  for (const auto& e : events) {
    EXPECT_EQ(e.rfind("group.member_removed " + g.id(), 0), 0u) << e;
  }
  ASSERT_TRUE(store_->Delete(GroupResourceType(), "acme", g.id(), "", ctx_).ok());
  EXPECT_EQ(NewEvents(), Events{"group.deleted " + g.id()});
}

TEST_P(ChangeEventsTest, TenantDeletionKeepsOnlyItsOwnEvent) {
  NewUser("ann");
  NewUser("bob");
  NewEvents();
  ASSERT_TRUE(store_->DeleteTenant("acme", ctx_).ok());
  ASSERT_TRUE(log_->NumberCommitted().ok());
  auto page = log_->Read("acme", 0, 100, {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 2u);  // the newest before, kept for numbering
  EXPECT_EQ(page->events[1].type(), "tenant.deleted");
  EXPECT_EQ(page->events[1].sequence(), 3u);
}

TEST_P(ChangeEventsTest, AStoreWithoutALogStagesNothing) {
  store_->set_event_log(nullptr);
  NewUser("ann");
  EXPECT_EQ(NewEvents(), Events{});
}

INSTANTIATE_TEST_SUITE_P(AllStores, ChangeEventsTest, AllKvStores(), KvStoreName);

}  // namespace
}  // namespace scim::identity
