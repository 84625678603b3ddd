// ReadUserAccess over the store: what it answers, and what it costs,
// checked structurally over every KvStore: O(the user's groups) reads
// through the reverse edges, never a group's member list or the tenant.
#include "identity-service/user_access.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "identity-service/keys.h"
#include "identity-service/store_test_fixture.h"

namespace scim::identity {
namespace {

class UserAccessStoreTest : public CountingStoreTest {
 protected:
  std::string User(const std::string& name, const std::string& tenant = "acme") {
    v1::User u;
    u.set_user_name(name);
    u.add_roles()->set_value("r-" + name);
    u.add_entitlements()->set_value("e-" + name);
    EXPECT_TRUE(store_->Create(UserResourceType(), tenant, &u, ctx_).ok());
    return u.id();
  }
  std::string Group(const std::string& name, const std::vector<std::string>& members) {
    v1::Group g;
    g.set_display_name(name);
    for (const auto& m : members) g.add_members()->set_value(m);
    absl::Status s = store_->Create(GroupResourceType(), "acme", &g, ctx_);
    EXPECT_TRUE(s.ok()) << s;
    return g.id();
  }
};

TEST_P(UserAccessStoreTest, CostsTheUsersGroupsNotTheTenant) {
  std::vector<std::string> crowd;
  for (int i = 0; i < 300; ++i) crowd.push_back(User(absl::StrCat("u", i)));
  const std::string ann = User("ann");
  crowd.push_back(ann);
  Group("Everyone", crowd);  // 301 members: never read
  const std::string a = Group("A", {ann});
  Group("Outer", {a});
  for (int i = 0; i < 20; ++i) Group(absl::StrCat("Other", i), {crowd[i]});

  counting_->Reset();
  v1::UserAccess access;
  ASSERT_TRUE(ReadUserAccess(*store_, "acme", ann, true, &access).ok());
  EXPECT_EQ(access.user_name(), "ann");
  EXPECT_EQ(access.group_roles_size(), 3);
  EXPECT_EQ(std::vector<std::string>(access.role_names().begin(), access.role_names().end()),
            (std::vector<std::string>{"A", "Everyone", "Outer", "r-ann"}));
  // The user and its three groups; one reverse-edge scan per node visited.
  EXPECT_EQ(counting_->gets(kResourcesCf), 4);
  EXPECT_EQ(counting_->visited(kResourcesCf), 0);
  EXPECT_EQ(counting_->scans(kMembersReverseCf), 4);
  EXPECT_LE(counting_->visited(kMembersReverseCf), 3);
  EXPECT_EQ(counting_->visited(kMembersCf), 0);
  EXPECT_EQ(counting_->transactions(), 0);

  // Without the setting no edge is read at all.
  counting_->Reset();
  ASSERT_TRUE(ReadUserAccess(*store_, "acme", ann, false, &access).ok());
  EXPECT_TRUE(access.group_roles().empty());
  EXPECT_EQ(std::vector<std::string>(access.role_names().begin(), access.role_names().end()),
            std::vector<std::string>{"r-ann"});
  EXPECT_EQ(counting_->gets(kResourcesCf), 1);
  EXPECT_EQ(counting_->scans(kMembersReverseCf), 0);
  EXPECT_EQ(counting_->scans(kMembersCf), 0);
}

TEST_P(UserAccessStoreTest, UnknownDeletedOrOtherTenantsUserIsNotFound) {
  const std::string ann = User("ann");
  const std::string gone = User("gone");
  const std::string soft = User("soft");
  const std::string elsewhere = User("bob", "beta");
  ASSERT_TRUE(store_->Delete(UserResourceType(), "acme", gone, "", ctx_).ok());
  ASSERT_TRUE(store_->Delete(UserResourceType(), "acme", soft, "", ctx_, /*soft=*/true).ok());
  for (const std::string& id : {std::string("nope"), gone, soft, elsewhere,
                                std::string("../") + ann, ann + "/x"}) {
    v1::UserAccess access;
    absl::Status s = ReadUserAccess(*store_, "acme", id, true, &access);
    EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << id << ": " << s;
    EXPECT_TRUE(access.user_id().empty()) << id;
  }
  v1::UserAccess access;
  EXPECT_EQ(ScimTypeOf(ReadUserAccess(*store_, "acme", "", true, &access)),
            scim_type::kInvalidValue);
  // No password or other attribute beyond the answer's leaks in.
  ASSERT_TRUE(ReadUserAccess(*store_, "acme", ann, true, &access).ok());
  EXPECT_EQ(access.user_id(), ann);
  EXPECT_TRUE(access.active());
  EXPECT_EQ(access.entitlements(0).value(), "e-ann");
}

INSTANTIATE_TEST_SUITE_P(AllStores, UserAccessStoreTest, AllKvStores(), KvStoreName);

}  // namespace
}  // namespace scim::identity
