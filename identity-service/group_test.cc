// Groups over every KvStore: members as edges, User.groups from the reverse
// edges, nesting without loops, uniqueness, deletes, and 10 000 members.
// Over 400 lines for a reason: one fixture, one case per membership rule.
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "identity-service/counting_kv_store_for_tests.h"
#include "identity-service/store_test_fixture.h"
#include "scim/json_codec.h"

namespace scim::identity {
namespace {

using v1::Group;
using v1::User;

class GroupTest : public StoreTest {
 protected:
  std::string NewUser(const std::string& name, const std::string& tenant = "acme") {
    User u;
    u.set_user_name(name);
    absl::Status s = store_->Create(UserResourceType(), tenant, &u, ctx_);
    EXPECT_TRUE(s.ok()) << s;
    return u.id();
  }
  absl::StatusOr<Group> NewGroup(const std::string& name,
                                 std::vector<std::string> members = {},
                                 const std::string& tenant = "acme") {
    Group g;
    g.set_display_name(name);
    for (auto& m : members) g.add_members()->set_value(m);
    absl::Status s = store_->Create(GroupResourceType(), tenant, &g, ctx_);
    if (!s.ok()) return s;
    return g;
  }
  Group GetGroup(const std::string& id, const Projection* projection = nullptr) {
    Group g;
    absl::Status s = store_->Get(GroupResourceType(), "acme", id, &g, projection);
    EXPECT_TRUE(s.ok()) << s;
    return g;
  }
  User GetUser(const std::string& id) {
    User u;
    absl::Status s = store_->Get(UserResourceType(), "acme", id, &u);
    EXPECT_TRUE(s.ok()) << s;
    return u;
  }
  absl::Status Patch(const std::string& group, const std::string& operations,
                     Group* out = nullptr) {
    absl::StatusOr<std::vector<PatchOp>> ops = ParsePatchOperations(Json::parse(operations));
    if (!ops.ok()) return ops.status();
    Group g;
    return store_->Patch(GroupResourceType(), "acme", group, "", *ops,
                         out != nullptr ? out : &g, ctx_);
  }
  static std::vector<std::string> Values(
      const google::protobuf::RepeatedPtrField<v1::ResourceReference>& refs) {
    std::vector<std::string> out;
    for (const auto& r : refs) out.push_back(r.value());
    std::sort(out.begin(), out.end());
    return out;
  }
  int EdgeCount(const char* cf) {
    int n = 0;
    EXPECT_TRUE(kv_->Scan(cf, "acme/", "", [&](auto, auto) { return ++n, true; }).ok());
    return n;
  }
  static std::vector<std::string> Sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }
};

TEST_P(GroupTest, MembersAreEdgesAndUserGroupsComesFromThem) {
  const std::string a = NewUser("alice"), b = NewUser("bob");
  auto g = NewGroup("Engineering", {a, b});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->meta().resource_type(), "Group");
  EXPECT_EQ(Values(g->members()), Sorted({a, b}));
  EXPECT_EQ(EdgeCount(kMembersCf), 2);
  EXPECT_EQ(EdgeCount(kMembersReverseCf), 2);
  // The stored group holds no member list.
  auto bytes = kv_->Get(kResourcesCf, ResourceKey("acme", "Group", g->id()));
  Group stored;
  stored.ParseFromString(**bytes);
  EXPECT_EQ(stored.members_size(), 0);

  Group read = GetGroup(g->id());
  ASSERT_EQ(read.members_size(), 2);
  for (const auto& m : read.members()) {
    EXPECT_EQ(m.type(), "User");
    EXPECT_EQ(m.display(), m.value() == a ? "alice" : "bob");
    EXPECT_EQ(m.ref(), absl::StrCat("/t/acme/scim/v2/Users/", m.value()));
  }
  User alice = GetUser(a);
  ASSERT_EQ(alice.groups_size(), 1);
  EXPECT_EQ(alice.groups(0).value(), g->id());
  EXPECT_EQ(alice.groups(0).display(), "Engineering");
  EXPECT_EQ(alice.groups(0).type(), "direct");
}

TEST_P(GroupTest, ExcludedMembersNeverReadsEdges) {
  const std::string a = NewUser("alice");
  auto g = NewGroup("Ops", {a});
  ASSERT_TRUE(g.ok());
  CountingKvStore counting(kv_.get());
  ResourceStore store(&counting, outbox_.get(), &CoreRegistryForTests(), &clock_,
                      &random_);
  const ResourceTypeSchema& schema = store.SchemaOf(GroupResourceType());
  Projection without(schema, {}, {"members"});
  Group read;
  ASSERT_TRUE(store.Get(GroupResourceType(), "acme", g->id(), &read, &without).ok());
  EXPECT_EQ(read.display_name(), "Ops");
  EXPECT_EQ(read.members_size(), 0);
  Projection only_name(schema, {"displayName"}, {});
  ASSERT_TRUE(store.Get(GroupResourceType(), "acme", g->id(), &read, &only_name).ok());
  v1::ListRequest list;
  list.add_excluded_attributes("members");
  ListResult result;
  ASSERT_TRUE(store.List(GroupResourceType(), "acme", list, &result).ok());
  EXPECT_EQ(result.total_results, 1);
  // Adding and removing members answered without them: O(changed members).
  const std::string b = NewUser("bob");
  Group patched;
  ASSERT_TRUE(store.Patch(GroupResourceType(), "acme", g->id(), "",
                          {{"add", "members", Json::array({{{"value", b}}})},
                           {"remove", absl::StrCat("members[value eq \"", a, "\"]"), Json()}},
                          &patched, ctx_, {}, &without).ok());
  EXPECT_EQ(patched.members_size(), 0);
  EXPECT_EQ(counting.scans(kMembersCf) + counting.scans(kMembersReverseCf), 0);
  // And the default read does read them.
  ASSERT_TRUE(store.Get(GroupResourceType(), "acme", g->id(), &read).ok());
  ASSERT_EQ(read.members_size(), 1);
  EXPECT_EQ(read.members(0).value(), b);
  EXPECT_GT(counting.scans(kMembersCf) + counting.scans(kMembersReverseCf), 0);
}

TEST_P(GroupTest, DisplayNameIsUniquePerTenant) {
  ASSERT_TRUE(NewGroup("Sales").ok());
  auto dup = NewGroup("SALES");
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ScimTypeOf(dup.status()), scim_type::kUniqueness);
  EXPECT_TRUE(NewGroup("Sales", {}, "other").ok());
  auto g = NewGroup("Support");
  Group renamed;
  EXPECT_EQ(Patch(g->id(), R"([{"op":"replace","path":"displayName","value":"sales"}])")
                .code(),
            absl::StatusCode::kAlreadyExists);
  Group missing;
  EXPECT_EQ(ScimTypeOf(store_->Create(GroupResourceType(), "acme", &missing, ctx_)),
            scim_type::kInvalidValue);  // displayName is required
}

TEST_P(GroupTest, UnknownMembersAreRefusedByNameAndNothingIsWritten) {
  const std::string a = NewUser("alice");
  const std::string other_tenant = NewUser("eve", "other");
  auto g = NewGroup("X", {a, "no-such-id", other_tenant});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(ScimTypeOf(g.status()), scim_type::kInvalidValue);
  EXPECT_NE(g.status().message().find("no-such-id"), std::string::npos) << g.status();
  EXPECT_NE(g.status().message().find(other_tenant), std::string::npos) << g.status();
  EXPECT_EQ(EdgeCount(kMembersCf), 0);
  v1::ListRequest list;
  ListResult result;
  ASSERT_TRUE(store_->List(GroupResourceType(), "acme", list, &result).ok());
  EXPECT_EQ(result.total_results, 0);

  auto ok = NewGroup("Y", {a});
  absl::Status s = Patch(ok->id(), R"([{"op":"add","path":"members","value":[{"value":"ghost"}]}])");
  EXPECT_EQ(ScimTypeOf(s), scim_type::kInvalidValue);
  EXPECT_EQ(GetGroup(ok->id()).meta().version(), ok->meta().version());
}

TEST_P(GroupTest, NestedGroupsGiveIndirectGroupsAndRefuseLoops) {
  const std::string a = NewUser("alice");
  auto inner = NewGroup("Inner", {a});
  auto outer = NewGroup("Outer", {inner->id()});
  auto top = NewGroup("Top", {outer->id()});
  ASSERT_TRUE(top.ok()) << top.status();
  EXPECT_EQ(GetGroup(outer->id()).members(0).type(), "Group");
  User alice = GetUser(a);
  ASSERT_EQ(alice.groups_size(), 3);
  std::map<std::string, std::string> kinds;
  for (const auto& g : alice.groups()) kinds[g.display()] = g.type();
  EXPECT_EQ(kinds, (std::map<std::string, std::string>{
                       {"Inner", "direct"}, {"Outer", "indirect"}, {"Top", "indirect"}}));
  // Inner ⊂ Outer ⊂ Top: Top may not go into Inner, nor a group into itself.
  for (const std::string& g : {top->id(), inner->id()}) {
    absl::Status s = Patch(inner->id(), absl::StrCat(
        R"([{"op":"add","path":"members","value":[{"value":")", g, R"(","type":"Group"}]}])"));
    EXPECT_EQ(ScimTypeOf(s), scim_type::kInvalidValue) << s;
    EXPECT_NE(s.message().find("contain itself"), std::string::npos) << s;
  }
}

TEST_P(GroupTest, PatchMembersChangesOnlyThoseNamed) {
  std::vector<std::string> u;
  for (int i = 0; i < 5; ++i) u.push_back(NewUser(absl::StrCat("u", i)));
  auto g = NewGroup("G", {u[0], u[1], u[2]});
  // Add merges; adding an existing member again is harmless.
  ASSERT_TRUE(Patch(g->id(), absl::StrCat(R"([{"op":"add","path":"members","value":[{"value":")",
                                          u[3], R"("},{"value":")", u[0], R"("}]}])")).ok());
  EXPECT_EQ(Values(GetGroup(g->id()).members()), Sorted({u[0], u[1], u[2], u[3]}));
  // Entra: remove with a value list removes only those.
  ASSERT_TRUE(Patch(g->id(), absl::StrCat(R"([{"op":"Remove","path":"members","value":[{"value":")",
                                          u[1], R"("}]}])")).ok());
  EXPECT_EQ(Values(GetGroup(g->id()).members()), Sorted({u[0], u[2], u[3]}));
  // Okta: remove by filter; a member no longer there is no error.
  ASSERT_TRUE(Patch(g->id(), absl::StrCat(R"([{"op":"remove","path":"members[value eq \")",
                                          u[2], R"(\"]"}])")).ok());
  ASSERT_TRUE(Patch(g->id(), absl::StrCat(R"([{"op":"remove","path":"members[value eq \")",
                                          u[2], R"(\"]"}])")).ok());
  EXPECT_EQ(Values(GetGroup(g->id()).members()), Sorted({u[0], u[3]}));
  // A filter on something other than the id.
  ASSERT_TRUE(Patch(g->id(), R"([{"op":"remove","path":"members[display eq \"u3\"]"}])").ok());
  EXPECT_EQ(Values(GetGroup(g->id()).members()), Sorted({u[0]}));
  // No-path replace with members and a rename, in one atomic write.
  Group out;
  ASSERT_TRUE(Patch(g->id(), absl::StrCat(R"([{"op":"replace","value":{"displayName":"G2","members":[{"value":")",
                                          u[4], R"("}]}}])"), &out).ok());
  EXPECT_EQ(out.display_name(), "G2");
  EXPECT_EQ(Values(out.members()), Sorted({u[4]}));
  // Five changes since creation: the repeated removal of u2 changed nothing,
  // so it wrote no version.
  EXPECT_EQ(out.meta().version(), "W/\"6\"");
  EXPECT_EQ(GetUser(u[0]).groups_size(), 0);
  EXPECT_EQ(GetUser(u[4]).groups_size(), 1);
  // remove without a value empties the group.
  ASSERT_TRUE(Patch(g->id(), R"([{"op":"remove","path":"members"}])").ok());
  EXPECT_EQ(GetGroup(g->id()).members_size(), 0);
  EXPECT_EQ(EdgeCount(kMembersReverseCf), 0);
}

// RFC 7644 §3.5.2.1: a PATCH that changes nothing leaves the version, the
// modify timestamp and the audit log alone.
TEST_P(GroupTest, PatchAddingPresentMembersWritesNothing) {
  const std::string a = NewUser("alice"), b = NewUser("bob");
  auto g = NewGroup("G", {a, b});
  ASSERT_TRUE(g.ok());
  std::vector<std::string> keys;
  std::vector<v1::AuditEvent> events;
  ASSERT_TRUE(outbox_->Peek(1000, &keys, &events).ok());
  const size_t events_before = events.size();
  clock_.Advance(absl::Seconds(30));
  Group out;
  for (const std::string& ops :
       {absl::StrCat(R"([{"op":"add","path":"members","value":[{"value":")", a,
                     R"("}]}])"),
        absl::StrCat(R"([{"op":"add","value":{"displayName":"G","members":[{"value":")",
                     b, R"("},{"value":")", a, R"("}]}}])"),
        absl::StrCat(R"([{"op":"remove","path":"members[value eq \")", "ghost",
                     R"(\"]"}])"),
        std::string(R"([{"op":"replace","path":"displayName","value":"G"}])")}) {
    SCOPED_TRACE(ops);
    ASSERT_TRUE(Patch(g->id(), ops, &out).ok());
    EXPECT_EQ(out.meta().version(), "W/\"1\"");
    EXPECT_EQ(out.meta().last_modified().seconds(),
              g->meta().last_modified().seconds());
    EXPECT_EQ(Values(out.members()), Sorted({a, b}));
  }
  Group read = GetGroup(g->id());
  EXPECT_EQ(read.meta().version(), "W/\"1\"");
  EXPECT_EQ(read.meta().last_modified().seconds(),
            g->meta().last_modified().seconds());
  keys.clear();
  events.clear();  // Peek appends
  ASSERT_TRUE(outbox_->Peek(1000, &keys, &events).ok());
  EXPECT_EQ(events.size(), events_before);
  // A real change after them still bumps the version by one.
  ASSERT_TRUE(Patch(g->id(), absl::StrCat(R"([{"op":"remove","path":"members[value eq \")",
                                          b, R"(\"]"}])"), &out).ok());
  EXPECT_EQ(out.meta().version(), "W/\"2\"");
}

// Later operations of one PATCH see the members earlier ones added (the
// transaction's own writes), on both stores.
TEST_P(GroupTest, PatchOperationsSeeMembersAddedBeforeThem) {
  const std::string a = NewUser("alice"), x = NewUser("xavier"), y = NewUser("yann");
  auto g = NewGroup("G", {a});
  ASSERT_TRUE(g.ok());
  auto add = [](const std::string& id) {
    return absl::StrCat(R"({"op":"add","path":"members","value":[{"value":")", id,
                        R"("}]})");
  };
  auto remove_eq = [](const std::string& id) {
    return absl::StrCat(R"({"op":"remove","path":"members[value eq \")", id, R"(\"]"})");
  };
  Group out;
  // [add x, replace members=[y]]: only y.
  ASSERT_TRUE(Patch(g->id(), absl::StrCat("[", add(x), R"(,{"op":"replace","path":"members","value":[{"value":")",
                                          y, R"("}]}])"), &out).ok());
  EXPECT_EQ(Values(out.members()), Sorted({y}));
  EXPECT_EQ(GetUser(x).groups_size(), 0);
  // [add x, remove members[value eq x]]: back to y alone.
  ASSERT_TRUE(Patch(g->id(), absl::StrCat("[", add(x), ",", remove_eq(x), "]"), &out).ok());
  EXPECT_EQ(Values(out.members()), Sorted({y}));
  // [add x, remove members]: nothing.
  ASSERT_TRUE(Patch(g->id(), absl::StrCat("[", add(x), R"(,{"op":"remove","path":"members"}])"),
                    &out).ok());
  EXPECT_EQ(out.members_size(), 0);
  // [add x, add a, remove members[display eq "xavier"]]: a filter that
  // needs every member read sees x too.
  ASSERT_TRUE(Patch(g->id(), absl::StrCat("[", add(x), ",", add(a),
                                          R"(,{"op":"remove","path":"members[display eq \"xavier\"]"}])"),
                    &out).ok());
  EXPECT_EQ(Values(out.members()), Sorted({a}));
  // [add x, replace members[value eq x] with y]: x replaced.
  ASSERT_TRUE(Patch(g->id(), absl::StrCat("[", add(x),
                                          R"(,{"op":"replace","path":"members[value eq \")", x,
                                          R"(\"]","value":[{"value":")", y, R"("}]}])"),
                    &out).ok());
  EXPECT_EQ(Values(out.members()), Sorted({a, y}));
  EXPECT_EQ(EdgeCount(kMembersCf), 2);
  EXPECT_EQ(EdgeCount(kMembersReverseCf), 2);
}

TEST_P(GroupTest, PatchIsAtomicAcrossMembersAndAttributes) {
  const std::string a = NewUser("alice");
  auto g = NewGroup("G", {a});
  const std::string b = NewUser("bob");
  absl::Status s = Patch(g->id(), absl::StrCat(
      R"([{"op":"add","path":"members","value":[{"value":")", b,
      R"("}]},{"op":"replace","path":"displayName","value":"New"},)",
      R"({"op":"replace","path":"bogus","value":1}])"));
  EXPECT_EQ(ScimTypeOf(s), scim_type::kInvalidPath);
  Group read = GetGroup(g->id());
  EXPECT_EQ(read.display_name(), "G");
  EXPECT_EQ(Values(read.members()), Sorted({a}));
  EXPECT_EQ(GetUser(b).groups_size(), 0);
}

TEST_P(GroupTest, ReplaceSetsExactlyTheGivenMembers) {
  const std::string a = NewUser("alice"), b = NewUser("bob");
  auto g = NewGroup("G", {a});
  Group put;
  put.set_display_name("G");
  put.add_members()->set_value(b);
  ASSERT_TRUE(store_->Replace(GroupResourceType(), "acme", g->id(), "", &put, ctx_).ok());
  EXPECT_EQ(Values(put.members()), Sorted({b}));
  EXPECT_EQ(GetUser(a).groups_size(), 0);
  Group empty;
  empty.set_display_name("G");
  ASSERT_TRUE(store_->Replace(GroupResourceType(), "acme", g->id(), "", &empty, ctx_).ok());
  EXPECT_EQ(EdgeCount(kMembersCf), 0);
}

TEST_P(GroupTest, DeletingRemovesEveryEdge) {
  const std::string a = NewUser("alice"), b = NewUser("bob");
  auto inner = NewGroup("Inner", {a, b});
  auto outer = NewGroup("Outer", {inner->id(), a});
  ASSERT_TRUE(store_->Delete(UserResourceType(), "acme", a, "", ctx_).ok());
  EXPECT_EQ(Values(GetGroup(inner->id()).members()), Sorted({b}));
  EXPECT_EQ(Values(GetGroup(outer->id()).members()), Sorted({inner->id()}));
  ASSERT_TRUE(store_->Delete(GroupResourceType(), "acme", inner->id(), "", ctx_).ok());
  EXPECT_EQ(GetGroup(outer->id()).members_size(), 0);
  EXPECT_EQ(GetUser(b).groups_size(), 0);
  EXPECT_EQ(EdgeCount(kMembersCf), 0);
  EXPECT_EQ(EdgeCount(kMembersReverseCf), 0);
}

TEST_P(GroupTest, FiltersOnMembersAndDisplayName) {
  const std::string a = NewUser("alice"), b = NewUser("bob");
  auto g1 = NewGroup("Alpha", {a});
  auto g2 = NewGroup("Beta", {a, b});
  auto ids = [&](const std::string& filter) {
    v1::ListRequest list;
    list.set_filter(filter);
    list.add_excluded_attributes("members");
    ListResult result;
    absl::Status s = store_->List(GroupResourceType(), "acme", list, &result);
    EXPECT_TRUE(s.ok()) << s;
    std::vector<std::string> out;
    for (auto& r : result.resources) out.push_back(static_cast<Group&>(*r).display_name());
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(ids(absl::StrCat("members.value eq \"", b, "\"")),
            std::vector<std::string>{"Beta"});
  EXPECT_EQ(ids(absl::StrCat("members[value eq \"", a, "\"]")),
            (std::vector<std::string>{"Alpha", "Beta"}));
  EXPECT_EQ(ids("displayName eq \"alpha\""), std::vector<std::string>{"Alpha"});
  EXPECT_EQ(ids(absl::StrCat("displayName sw \"B\" and members.value eq \"", a, "\"")),
            std::vector<std::string>{"Beta"});
}

// 10 000 members: added 1 000 per PATCH, read back, changed by 100.
TEST_P(GroupTest, TenThousandMembers) {
  constexpr int kUsers = 10000;
  std::vector<std::string> ids;
  ASSERT_TRUE(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    ids.clear();
    for (int i = 0; i < kUsers; ++i) {
      User u;
      u.set_id(absl::StrCat("00000000-0000-7000-8000-", absl::Dec(i, absl::kZeroPad12)));
      u.set_user_name(absl::StrCat("user", i));
      ids.push_back(u.id());
      RETURN_IF_ERROR(txn.Put(kResourcesCf, ResourceKey("acme", "User", u.id()),
                              u.SerializeAsString()));
    }
    return absl::OkStatus();
  }).ok());
  auto g = NewGroup("Everyone");
  for (int batch = 0; batch < kUsers / 1000; ++batch) {
    Json values = Json::array();
    for (int i = batch * 1000; i < (batch + 1) * 1000; ++i) values.push_back({{"value", ids[i]}});
    Json ops = Json::array({{{"op", "add"}, {"path", "members"}, {"value", values}}});
    ASSERT_TRUE(Patch(g->id(), ops.dump()).ok());
  }
  EXPECT_EQ(GetGroup(g->id()).members_size(), kUsers);
  Json remove = Json::array();
  for (int i = 0; i < 100; ++i) {
    remove.push_back({{"op", "remove"},
                      {"path", absl::StrCat("members[value eq \"", ids[i * 7], "\"]")}});
  }
  ASSERT_TRUE(Patch(g->id(), remove.dump()).ok());
  EXPECT_EQ(EdgeCount(kMembersCf), kUsers - 100);
  EXPECT_EQ(GetUser(ids[1]).groups_size(), 1);
  EXPECT_EQ(GetUser(ids[7]).groups_size(), 0);
  ASSERT_TRUE(store_->Delete(GroupResourceType(), "acme", g->id(), "", ctx_).ok());
  EXPECT_EQ(EdgeCount(kMembersReverseCf), 0);
}

INSTANTIATE_TEST_SUITE_P(AllStores, GroupTest, ::testing::Values("Memory", "RocksDb"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace scim::identity
