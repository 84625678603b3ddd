// IdentityService.GetUserAccess over in-process gRPC, on a directory the
// IdP wrote through the edge: direct roles and entitlements, groups (also
// nested) as roles with the tenant's groups_as_roles on and off, unknown and
// deleted users, deactivated users, and tenant isolation.
#include "edge/edge_test_fixture.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "scim/v1/identity.grpc.pb.h"

namespace scim::edge {
namespace {

using json = nlohmann::json;

// A tenant's directory written over SCIM, as an IdP would.
class Directory {
 public:
  Directory(httplib::Client& client, std::string tenant, std::string key)
      : client_(client), base_(absl::StrCat("/t/", tenant, "/scim/v2")),
        auth_({{"Authorization", "Bearer " + key}}) {}

  std::string Create(const std::string& type, const std::string& body) {
    auto res = client_.Post((base_ + "/" + type).c_str(), auth_, body,
                            "application/scim+json");
    EXPECT_TRUE(res);
    if (!res) return "";
    EXPECT_EQ(res->status, 201) << res->body;
    return json::parse(res->body).value("id", "");
  }
  std::string Group(const std::string& name, const std::vector<std::string>& members) {
    json body = {{"displayName", name}, {"members", json::array()}};
    for (const auto& m : members) body["members"].push_back({{"value", m}});
    return Create("Groups", body.dump());
  }
  int Send(const std::string& method, const std::string& path, const std::string& body = "") {
    httplib::Result res =
        method == "DELETE"
            ? client_.Delete((base_ + path).c_str(), auth_)
            : client_.Patch((base_ + path).c_str(), auth_, body, "application/scim+json");
    return res ? res->status : 0;
  }

 private:
  httplib::Client& client_;
  std::string base_;
  httplib::Headers auth_;
};

class UserAccessTest : public EdgeTest {
 protected:
  void SetUp() override {
    EdgeTest::SetUp();
    if (HasFatalFailure()) return;
    stub_ = v1::IdentityService::NewStub(grpc_->InProcessChannel(grpc::ChannelArguments()));
  }

  void SetGroupsAsRoles(const std::string& tenant, bool on) {
    v1::UpdateTenantSettingsRequest r;
    r.set_id(tenant);
    r.set_groups_as_roles(on);
    ASSERT_TRUE(token_->store().UpdateTenantSettings(r).ok());
  }

  grpc::Status Access(const std::string& bearer, const std::string& tenant,
                      const std::string& user, v1::UserAccess* out) {
    grpc::ClientContext context;
    if (!bearer.empty()) context.AddMetadata("authorization", "Bearer " + bearer);
    v1::GetUserAccessRequest request;
    request.set_tenant(tenant);
    request.set_user_id(user);
    return stub_->GetUserAccess(&context, request, out);
  }

  static std::vector<std::string> Names(const v1::UserAccess& a) {
    return {a.role_names().begin(), a.role_names().end()};
  }
  // "display:direct|nested" per group role: the direct ones first (checked
  // here), each part sorted (within a level the order is the groups' ids).
  static std::vector<std::string> GroupRoles(const v1::UserAccess& a) {
    std::vector<std::string> direct, nested;
    for (const auto& g : a.group_roles()) {
      if (g.direct()) {
        EXPECT_TRUE(nested.empty()) << "a direct group after a nested one: " << g.display();
        direct.push_back(g.display() + ":direct");
      } else {
        nested.push_back(g.display() + ":nested");
      }
    }
    std::sort(direct.begin(), direct.end());
    std::sort(nested.begin(), nested.end());
    direct.insert(direct.end(), nested.begin(), nested.end());
    return direct;
  }

  std::unique_ptr<v1::IdentityService::Stub> stub_;
};

// acme has groups_as_roles on, beta keeps the default (off); each is set
// before its first request, since verifiers cache settings for 5 s.
TEST_F(UserAccessTest, RolesEntitlementsAndGroupsAsRoles) {
  SetGroupsAsRoles("acme", true);
  Directory acme(*client_, "acme", acme_key_);
  const std::string ann = acme.Create("Users", R"({"userName":"ann",
      "roles":[{"value":"admin","display":"Administrator","type":"app","primary":true},
               {"value":"Engineering"}],
      "entitlements":[{"value":"license:pro","type":"license"}]})");
  const std::string bob = acme.Create("Users", R"({"userName":"bob","active":false,
      "roles":[{"value":"viewer"}]})");
  const std::string cat = acme.Create("Users", R"({"userName":"cat"})");
  // Engineering ⊃ Platform ⊃ ann; Everyone ⊃ Engineering; Ops ⊃ ann, bob.
  const std::string platform = acme.Group("Platform", {ann});
  const std::string engineering = acme.Group("Engineering", {platform});
  acme.Group("Everyone", {engineering, cat});
  const std::string ops = acme.Group("Ops", {ann, bob});
  ASSERT_FALSE(HasFailure());

  for (const std::string& bearer : {acme_key_, std::string("admin")}) {
    v1::UserAccess a;
    grpc::Status s = Access(bearer, "acme", ann, &a);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(a.user_id(), ann);
    EXPECT_EQ(a.user_name(), "ann");
    EXPECT_TRUE(a.active());  // unassigned counts as active
    EXPECT_TRUE(a.groups_as_roles());
    ASSERT_EQ(a.roles_size(), 2);  // direct roles only, as sent
    EXPECT_EQ(a.roles(0).value(), "admin");
    EXPECT_EQ(a.roles(0).display(), "Administrator");
    EXPECT_EQ(a.roles(0).type(), "app");
    EXPECT_TRUE(a.roles(0).primary());
    ASSERT_EQ(a.entitlements_size(), 1);
    EXPECT_EQ(a.entitlements(0).value(), "license:pro");
    EXPECT_EQ(a.entitlements(0).type(), "license");
    // Direct groups first, then outward; each once.
    ASSERT_EQ(a.group_roles_size(), 4);
    EXPECT_EQ(GroupRoles(a), (std::vector<std::string>{"Ops:direct", "Platform:direct",
                                                       "Engineering:nested",
                                                       "Everyone:nested"}));
    for (const auto& g : a.group_roles()) {
      if (g.display() == "Ops") EXPECT_EQ(g.group_id(), ops);
      if (g.display() == "Engineering") EXPECT_EQ(g.group_id(), engineering);
    }
    // One list to check: direct values and group names, once each, sorted.
    EXPECT_EQ(Names(a), (std::vector<std::string>{"Engineering", "Everyone", "Ops",
                                                  "Platform", "admin"}));
  }

  // A deactivated user: its roles are reported, role_names grants nothing.
  v1::UserAccess b;
  ASSERT_TRUE(Access(acme_key_, "acme", bob, &b).ok());
  EXPECT_FALSE(b.active());
  ASSERT_EQ(b.roles_size(), 1);
  EXPECT_EQ(GroupRoles(b), std::vector<std::string>{"Ops:direct"});
  EXPECT_TRUE(b.role_names().empty());

  // Membership changes show at once: cat joins Platform, Ops is deleted.
  v1::UserAccess c;
  ASSERT_TRUE(Access(acme_key_, "acme", cat, &c).ok());
  EXPECT_EQ(Names(c), std::vector<std::string>{"Everyone"});
  ASSERT_EQ(acme.Send("PATCH", "/Groups/" + platform,
                      absl::StrCat(R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                          "Operations":[{"op":"add","path":"members","value":[{"value":")",
                                   cat, R"("}]}]})")),
            204);
  ASSERT_EQ(acme.Send("DELETE", "/Groups/" + ops), 204);
  ASSERT_TRUE(Access(acme_key_, "acme", cat, &c).ok());
  EXPECT_EQ(GroupRoles(c), (std::vector<std::string>{"Everyone:direct", "Platform:direct",
                                                     "Engineering:nested"}));
  ASSERT_TRUE(Access(acme_key_, "acme", bob, &b).ok());
  EXPECT_TRUE(b.group_roles().empty());

  // Unknown and deleted users are NOT_FOUND; a missing id is a 400.
  v1::UserAccess none;
  EXPECT_EQ(Access(acme_key_, "acme", "no-such-user", &none).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_EQ(acme.Send("DELETE", "/Users/" + cat), 204);
  EXPECT_EQ(Access(acme_key_, "acme", cat, &none).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Access("admin", "acme", cat, &none).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Access(acme_key_, "acme", "", &none).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(UserAccessTest, WithoutTheSettingGroupsAreNoRoles) {
  Directory beta(*client_, "beta", beta_key_);
  const std::string dee = beta.Create("Users", R"({"userName":"dee",
      "roles":[{"value":"editor"},{"value":"editor","type":"other"},{"value":"admin"}],
      "entitlements":[{"value":"e1"}]})");
  const std::string inner = beta.Group("Inner", {dee});
  beta.Group("Outer", {inner});
  ASSERT_FALSE(HasFailure());
  for (const std::string& bearer : {beta_key_, std::string("admin")}) {
    v1::UserAccess a;
    grpc::Status s = Access(bearer, "beta", dee, &a);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_FALSE(a.groups_as_roles());
    EXPECT_EQ(a.roles_size(), 3);
    EXPECT_EQ(a.entitlements_size(), 1);
    EXPECT_TRUE(a.group_roles().empty());
    EXPECT_EQ(Names(a), (std::vector<std::string>{"admin", "editor"}));
  }
}

// Same authorization as every identity RPC: the admin token or a credential
// of the tenant named; nothing of another tenant, whatever the id.
TEST_F(UserAccessTest, TenantIsolation) {
  SetGroupsAsRoles("acme", true);
  Directory acme(*client_, "acme", acme_key_);
  const std::string ann = acme.Create("Users", R"({"userName":"ann","roles":[{"value":"admin"}]})");
  acme.Group("Admins", {ann});
  ASSERT_FALSE(HasFailure());

  v1::UserAccess a;
  // beta's key, asking about acme: refused before any read.
  EXPECT_EQ(Access(beta_key_, "acme", ann, &a).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // beta's key, about its own tenant but acme's user id: not there.
  EXPECT_EQ(Access(beta_key_, "beta", ann, &a).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(a.role_names().empty());
  EXPECT_EQ(Access("", "acme", ann, &a).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Access("scim_not_a_key", "acme", ann, &a).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Access(acme_key_, "", ann, &a).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // The admin token with a tenant that does not exist: no such user.
  EXPECT_EQ(Access("admin", "nope", ann, &a).error_code(), grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(Access(acme_key_, "acme", ann, &a).ok());
  EXPECT_EQ(Names(a), (std::vector<std::string>{"Admins", "admin"}));

  // A disabled tenant's own key is refused (a key no verifier has cached).
  ASSERT_TRUE(token_->store().SetTenantDisabled("beta", true).ok());
  const std::string fresh = token_->store().CreateApiKey("beta", "")->secret;
  EXPECT_EQ(Access(fresh, "beta", "x", &a).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace scim::edge
