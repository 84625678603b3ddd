// ResourceStore semantics, run over every KvStore implementation.
#include "identity-service/resource_store.h"
#include "identity-service/store_test_fixture.h"

#include <atomic>
#include <filesystem>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "identity-service/keys.h"
#include "identity-service/password_hash.h"

namespace scim::identity {
namespace {

using v1::User;

class ResourceStoreTest : public StoreTest {
 protected:
  absl::StatusOr<User> Create(const std::string& tenant, User user) {
    absl::Status s = store_->Create(UserResourceType(), tenant, &user, ctx_);
    if (!s.ok()) return s;
    return user;
  }
  absl::StatusOr<User> Create(const std::string& user_name) {
    User user;
    user.set_user_name(user_name);
    return Create("acme", user);
  }
  absl::StatusOr<User> Get(const std::string& id,
                           const std::string& tenant = "acme") {
    User user;
    absl::Status s = store_->Get(UserResourceType(), tenant, id, &user);
    if (!s.ok()) return s;
    return user;
  }
  absl::StatusOr<User> Replace(const std::string& id, User user,
                               const std::string& if_match = "") {
    absl::Status s = store_->Replace(UserResourceType(), "acme", id, if_match,
                                     &user, ctx_);
    if (!s.ok()) return s;
    return user;
  }
  ListResult List(const std::string& filter, int start = 0, int count = -1,
                  const std::string& tenant = "acme") {
    v1::ListRequest request;
    request.set_filter(filter);
    request.set_start_index(start);
    if (count >= 0) request.set_count(count);
    ListResult result;
    absl::Status s = store_->List(UserResourceType(), tenant, request, &result);
    EXPECT_TRUE(s.ok()) << s;
    return result;
  }
  std::vector<v1::AuditEvent> Events() {
    std::vector<std::string> keys;
    std::vector<v1::AuditEvent> events;
    EXPECT_TRUE(outbox_->Peek(1000, &keys, &events).ok());
    return events;
  }
  std::string StoredPassword(const std::string& id) {
    auto bytes = kv_->Get(kResourcesCf, ResourceKey("acme", "User", id));
    User stored;
    stored.ParseFromString(**bytes);
    return stored.password();
  }
};

TEST_P(ResourceStoreTest, CreateAssignsIdMetaAndSchemas) {
  User input;
  input.set_user_name("bjensen");
  input.set_id("client-chosen");  // readOnly: ignored
  input.mutable_meta()->set_version("W/\"99\"");
  input.add_groups()->set_value("g");  // readOnly: ignored
  input.mutable_enterprise_user()->set_department("Sales");
  auto user = Create("acme", input);
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_EQ(user->id().size(), 36u);
  EXPECT_NE(user->id(), "client-chosen");
  EXPECT_EQ(user->groups_size(), 0);
  EXPECT_EQ(user->meta().resource_type(), "User");
  EXPECT_EQ(user->meta().version(), "W/\"1\"");
  EXPECT_EQ(user->meta().location(), "/t/acme/scim/v2/Users/" + user->id());
  EXPECT_EQ(user->meta().created().seconds(), 1700000000);
  ASSERT_EQ(user->schemas_size(), 2);
  EXPECT_EQ(user->schemas(1),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
  auto got = Get(user->id());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->SerializeAsString(), user->SerializeAsString());
}

TEST_P(ResourceStoreTest, PasswordIsStoredHashedAndNeverReturned) {
  User input;
  input.set_user_name("p");
  input.set_password("t1meMa$heen");
  auto user = Create("acme", input);
  ASSERT_TRUE(user.ok());
  EXPECT_FALSE(user->has_password());
  EXPECT_FALSE(Get(user->id())->has_password());
  ListResult listed = List("");
  ASSERT_EQ(listed.resources.size(), 1u);
  EXPECT_FALSE(static_cast<User&>(*listed.resources[0]).has_password());
  std::string stored = StoredPassword(user->id());
  EXPECT_EQ(stored.find("t1meMa$heen"), std::string::npos);
  EXPECT_TRUE(VerifyPassword("t1meMa$heen", stored));
  EXPECT_FALSE(VerifyPassword("wrong", stored));
  // Replace without a password keeps it; with one changes it.
  User replacement;
  replacement.set_user_name("p");
  ASSERT_TRUE(Replace(user->id(), replacement).ok());
  EXPECT_TRUE(VerifyPassword("t1meMa$heen", StoredPassword(user->id())));
  replacement.set_password("n3w");
  ASSERT_TRUE(Replace(user->id(), replacement).ok());
  EXPECT_TRUE(VerifyPassword("n3w", StoredPassword(user->id())));
  for (const auto& e : Events()) {
    EXPECT_EQ(e.DebugString().find("t1meMa"), std::string::npos);
    EXPECT_EQ(e.DebugString().find("n3w"), std::string::npos);
  }
}

TEST_P(ResourceStoreTest, UserNameIsRequired) {
  for (const char* name : {"", "   "}) {
    auto user = Create(name);
    EXPECT_EQ(user.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ScimTypeOf(user.status()), "invalidValue");
    EXPECT_NE(user.status().message().find("userName"), std::string::npos);
  }
  EXPECT_EQ(List("").total_results, 0);
  EXPECT_TRUE(Events().empty());
}

TEST_P(ResourceStoreTest, UserNameIsUniqueIgnoringCaseWithNoPartialWrite) {
  ASSERT_TRUE(Create("BJensen@Example.com").ok());
  auto dup = Create("bjensen@example.COM");
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ScimTypeOf(dup.status()), "uniqueness");
  EXPECT_EQ(List("").total_results, 1);
  EXPECT_EQ(Events().size(), 1u);
  // Another tenant may use the same name.
  User other;
  other.set_user_name("bjensen@example.com");
  EXPECT_TRUE(Create("other", other).ok());
}

TEST_P(ResourceStoreTest, ConcurrentCreatesOfOneNameAdmitExactlyOne) {
  std::atomic<int> created{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto user = Create("race");
      if (user.ok()) created++;
      if (absl::IsAlreadyExists(user.status())) conflicts++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), 3);
}

TEST_P(ResourceStoreTest, ReplaceIsAFullReplace) {
  User input;
  input.set_user_name("bjensen");
  input.set_display_name("Babs");
  input.set_external_id("e1");
  auto user = Create("acme", input);
  ASSERT_TRUE(user.ok());
  clock_.Advance(absl::Seconds(10));
  User replacement;
  replacement.set_user_name("barbara");
  replacement.set_title("CEO");
  auto replaced = Replace(user->id(), replacement);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ(replaced->user_name(), "barbara");
  EXPECT_FALSE(replaced->has_display_name());  // omitted = cleared
  EXPECT_EQ(replaced->meta().version(), "W/\"2\"");
  EXPECT_EQ(replaced->meta().created().seconds(), 1700000000);
  EXPECT_EQ(replaced->meta().last_modified().seconds(), 1700000010);
  EXPECT_EQ(replaced->id(), user->id());
  // The old name and externalId are free; the new ones are indexed.
  EXPECT_TRUE(Create("bjensen").ok());
  EXPECT_EQ(List(R"(userName eq "BARBARA")").total_results, 1);
  EXPECT_EQ(List(R"(externalId eq "e1")").total_results, 0);
  auto events = Events();
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[1].operation(), "user.replace");
  std::vector<std::string> changed(events[1].changed_attributes().begin(),
                                   events[1].changed_attributes().end());
  EXPECT_EQ(changed, (std::vector<std::string>{"externalId", "userName",
                                               "displayName", "title"}));
}

TEST_P(ResourceStoreTest, ReplaceChecksIdConflictsAndIfMatch) {
  auto a = Create("a");
  auto b = Create("b");
  ASSERT_TRUE(a.ok() && b.ok());
  User r;
  r.set_user_name("B");
  auto conflict = Replace(a->id(), r);
  EXPECT_EQ(ScimTypeOf(conflict.status()), "uniqueness");
  EXPECT_EQ(Get(a->id())->user_name(), "a");
  r.set_user_name("a2");
  r.set_id("other-id");
  EXPECT_EQ(ScimTypeOf(Replace(a->id(), r).status()), "mutability");
  r.clear_id();
  EXPECT_EQ(Replace(a->id(), r, "W/\"7\"").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Replace(a->id(), r, "W/\"1\"").ok());
  EXPECT_TRUE(Replace(a->id(), r, "\"2\"").ok());
  EXPECT_TRUE(Replace(a->id(), r, "*").ok());
  EXPECT_EQ(Replace("missing", r).status().code(), absl::StatusCode::kNotFound);
}

TEST_P(ResourceStoreTest, DeleteRemovesEverything) {
  User input;
  input.set_user_name("gone");
  input.set_external_id("x");
  input.add_emails()->set_value("g@x");
  auto user = Create("acme", input);
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(store_
                ->Delete(UserResourceType(), "acme", user->id(), "W/\"5\"", ctx_)
                .code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(
      store_->Delete(UserResourceType(), "acme", user->id(), "", ctx_).ok());
  EXPECT_EQ(Get(user->id()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete(UserResourceType(), "acme", user->id(), "", ctx_)
                .code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(List(R"(emails.value eq "g@x")").total_results, 0);
  EXPECT_TRUE(Create("gone").ok());  // name freed
  int index_entries = 0;  // of the deleted user (the new one has its own)
  ASSERT_TRUE(kv_->Scan(kIndexCf, "acme/", "", [&](absl::string_view key, auto) {
                   index_entries += absl::EndsWith(key, user->id());
                   return true;
                 }).ok());
  EXPECT_EQ(index_entries, 0);
  EXPECT_EQ(Events()[1].operation(), "user.delete");
}

TEST_P(ResourceStoreTest, ListPagesInCreationOrder) {
  std::vector<std::string> ids;
  for (int i = 0; i < 250; ++i) {
    auto user = Create(absl::StrCat("user", i));
    ASSERT_TRUE(user.ok());
    ids.push_back(user->id());
    clock_.Advance(absl::Milliseconds(1));
  }
  ListResult first = List("", 1, 100);
  EXPECT_EQ(first.total_results, 250);
  ASSERT_EQ(first.resources.size(), 100u);
  EXPECT_EQ(static_cast<User&>(*first.resources[0]).id(), ids[0]);
  ListResult last = List("", 201, 100);
  ASSERT_EQ(last.resources.size(), 50u);
  EXPECT_EQ(static_cast<User&>(*last.resources[49]).id(), ids[249]);
  EXPECT_EQ(List("").resources.size(), 100u);          // default count
  EXPECT_EQ(List("", 1, 1000).resources.size(), 200u);  // clamped
  ListResult zero = List("", 1, 0);
  EXPECT_EQ(zero.total_results, 250);
  EXPECT_TRUE(zero.resources.empty());
  ListResult negative = List("", -5, 1);
  EXPECT_EQ(negative.start_index, 1);
  EXPECT_EQ(static_cast<User&>(*negative.resources[0]).id(), ids[0]);
  EXPECT_TRUE(List("", 1000, 10).resources.empty());
  EXPECT_EQ(List("", 1, 10, "other").total_results, 0);
}

TEST_P(ResourceStoreTest, EqualityFiltersUseTheIndexes) {
  User input;
  input.set_user_name("bjensen");
  input.set_external_id("Ext-1");
  input.add_emails()->set_value("B@Example.com");
  input.add_emails()->set_value("alias@example.com");
  auto user = Create("acme", input);
  ASSERT_TRUE(user.ok());
  User other;
  other.set_user_name("other");
  other.add_emails()->set_value("b@example.com");
  ASSERT_TRUE(Create("acme", other).ok());
  EXPECT_EQ(List(R"(userName eq "BJENSEN")").total_results, 1);
  EXPECT_EQ(List(R"(username EQ "nobody")").total_results, 0);
  EXPECT_EQ(List(R"(externalId eq "Ext-1")").total_results, 1);
  EXPECT_EQ(List(R"(externalId eq "ext-1")").total_results, 0);  // caseExact
  EXPECT_EQ(List(R"(emails.value eq "b@example.com")").total_results, 2);
  EXPECT_EQ(List(R"(emails.value eq "alias@EXAMPLE.com")").total_results, 1);
  EXPECT_EQ(List(absl::StrCat("id eq \"", user->id(), "\"")).total_results, 1);
  EXPECT_EQ(List(R"(userName eq "bjensen")", 1, 10, "other").total_results, 0);
  v1::ListRequest request;
  request.set_filter(R"(nosuch eq "x")");
  ListResult result;
  absl::Status s = store_->List(UserResourceType(), "acme", request, &result);
  EXPECT_EQ(ScimTypeOf(s), "invalidFilter");
  request.set_filter("userName eq");
  s = store_->List(UserResourceType(), "acme", request, &result);
  EXPECT_EQ(ScimTypeOf(s), "invalidFilter");
}

TEST_P(ResourceStoreTest, EveryMutationWritesOneEvent) {
  auto user = Create("evt");
  ASSERT_TRUE(user.ok());
  User r;
  r.set_user_name("evt2");
  ASSERT_TRUE(Replace(user->id(), r).ok());
  ASSERT_TRUE(
      store_->Delete(UserResourceType(), "acme", user->id(), "", ctx_).ok());
  auto events = Events();
  ASSERT_EQ(events.size(), 3u);
  const char* ops[] = {"user.create", "user.replace", "user.delete"};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i].operation(), ops[i]);
    EXPECT_EQ(events[i].tenant(), "acme");
    EXPECT_EQ(events[i].resource_id(), user->id());
    EXPECT_EQ(events[i].actor(), "key1");
    EXPECT_EQ(events[i].request_id(), "req-1");
    EXPECT_EQ(events[i].client_address(), "10.0.0.1");
    EXPECT_FALSE(events[i].id().empty());
  }
  EXPECT_EQ(events[0].changed_attributes(0), "userName");
}

TEST_P(ResourceStoreTest, DeleteTenantRemovesOnlyThatTenant) {
  for (int i = 0; i < 30; ++i) {
    User user;
    user.set_user_name(absl::StrCat("u", i));
    user.set_external_id(absl::StrCat("e", i));
    user.add_emails()->set_value(absl::StrCat("u", i, "@x"));
    ASSERT_TRUE(Create("acme", user).ok());
    ASSERT_TRUE(Create("acme-2", user).ok());  // a prefix-sharing neighbour
  }
  auto deleted = store_->DeleteTenant("acme", ctx_);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  // resource, userName, externalId, email, meta.lastModified, and the
  // entry of no displayName
  EXPECT_EQ(*deleted, 30 * 6);
  EXPECT_EQ(List("").total_results, 0);
  EXPECT_EQ(List("", 1, 10, "acme-2").total_results, 30);
  EXPECT_EQ(List(R"(userName eq "u1")", 1, 10, "acme-2").total_results, 1);
  EXPECT_TRUE(Create("u1").ok());  // the name is free again in acme
  EXPECT_EQ(Events()[60].operation(), "tenant.purge");
}

TEST_P(ResourceStoreTest, AFullAuditBacklogRefusesWritesWholly) {
  // audit-service away for long: at the bound, writes fail closed.
  audit::Outbox small(kv_.get(), kOutboxCf, "test", /*max_depth=*/2);
  ResourceStore store(kv_.get(), &small, &CoreRegistryForTests(), &clock_, &random_);
  for (const char* name : {"a", "b"}) {
    User user;
    user.set_user_name(name);
    ASSERT_TRUE(store.Create(UserResourceType(), "acme", &user, ctx_).ok());
  }
  User user;
  user.set_user_name("c");
  absl::Status s = store.Create(UserResourceType(), "acme", &user, ctx_);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("audit backlog"), std::string::npos);
  EXPECT_EQ(List("").total_results, 2);
  // Once events are shipped (removed), writes resume.
  std::vector<std::string> keys;
  std::vector<v1::AuditEvent> events;
  ASSERT_TRUE(small.Peek(10, &keys, &events).ok());
  ASSERT_TRUE(small.Remove(keys).ok());
  EXPECT_EQ(small.Depth(), 0u);
  EXPECT_TRUE(store.Create(UserResourceType(), "acme", &user, ctx_).ok());
}

// Most requests name no attributes: their projection is built once per type
// (walking the schema per request cost as much as the read of a get), and it
// projects as a fresh one does.
TEST_P(ResourceStoreTest, TheDefaultProjectionIsBuiltOnceAndProjectsAsAFreshOne) {
  const ResourceTypeSchema& user_schema = store_->SchemaOf(UserResourceType());
  const auto user_default = store_->ProjectionOf(UserResourceType(), v1::Projection());
  EXPECT_EQ(store_->ProjectionOf(UserResourceType(), v1::Projection()), user_default);
  const v1::ListRequest list;  // what List passes
  EXPECT_EQ(store_->ProjectionOf(UserResourceType(), list.attributes(),
                                 list.excluded_attributes()),
            user_default);
  const auto group_default = store_->ProjectionOf(GroupResourceType(), v1::Projection());
  EXPECT_NE(group_default, user_default);
  EXPECT_EQ(store_->ProjectionOf(GroupResourceType(), v1::Projection()), group_default);
  // A request that names attributes gets its own.
  v1::Projection named;
  named.add_attributes("userName");
  const auto user_name_only = store_->ProjectionOf(UserResourceType(), named);
  EXPECT_NE(user_name_only, user_default);
  EXPECT_NE(store_->ProjectionOf(UserResourceType(), named), user_name_only);

  const Projection fresh(user_schema, {}, {});
  User full;
  full.set_id("id");
  full.set_user_name("bjensen");
  full.set_password("secret");  // returned "never"
  full.set_display_name("Babs");
  full.add_emails()->set_value("b@example.com");
  full.add_groups()->set_value("g");
  full.mutable_enterprise_user()->set_department("Sales");
  full.mutable_meta()->set_version("W/\"1\"");
  User by_default = full, by_fresh = full;
  user_default->Apply(&by_default);
  fresh.Apply(&by_fresh);
  EXPECT_EQ(by_default.DebugString(), by_fresh.DebugString());
  EXPECT_FALSE(by_default.has_password());
  EXPECT_EQ(by_default.user_name(), "bjensen");
  const Projection fresh_group(store_->SchemaOf(GroupResourceType()), {}, {});
  for (const auto& [projection, expected, descriptor] :
       {std::make_tuple(user_default.get(), &fresh, User::descriptor()),
        std::make_tuple(group_default.get(), &fresh_group, v1::Group::descriptor())}) {
    for (int i = 0; i < descriptor->field_count(); ++i) {
      EXPECT_EQ(projection->Returns(descriptor->field(i)),
                expected->Returns(descriptor->field(i)))
          << descriptor->field(i)->name();
    }
  }

  // Requests racing for a store's first one all get the same.
  ResourceStore store(kv_.get(), outbox_.get(), &CoreRegistryForTests(), &clock_,
                      &random_);
  std::vector<std::shared_ptr<const Projection>> got(4);
  std::vector<std::thread> threads;
  for (auto& slot : got) {
    threads.emplace_back([&store, &slot] {
      slot = store.ProjectionOf(UserResourceType(), v1::Projection());
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& p : got) EXPECT_EQ(p, got[0]);
}

INSTANTIATE_TEST_SUITE_P(AllStores, ResourceStoreTest,
                         ::testing::Values("Memory", "RocksDb"),
                         [](const auto& info) { return info.param; });

TEST(KeysTest, EscapedValuesAreNotPrefixesOfEachOther) {
  std::string a = ValueKey("t", "User", "emails.value", "a");
  std::string ab = ValueKey("t", "User", "emails.value", "a/b");
  std::string nul = ValueKey("t", "User", "emails.value", std::string("a\0", 2));
  EXPECT_NE(ab.rfind(a, 0), 0u);
  EXPECT_NE(nul.rfind(a, 0), 0u);
  EXPECT_LT(ValueKey("t", "U", "x", "a"), ValueKey("t", "U", "x", "b"));
}

}  // namespace
}  // namespace scim::identity
