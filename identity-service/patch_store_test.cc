// ResourceStore::Patch on users over every KvStore: atomicity, If-Match,
// versions, keys, passwords and the audit event.
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "identity-service/password_hash.h"
#include "identity-service/store_test_fixture.h"

namespace scim::identity {
namespace {

using v1::User;

class PatchStoreTest : public StoreTest {
 protected:
  User NewUser(const std::string& name) {
    User u;
    u.set_user_name(name);
    u.set_active(true);
    u.set_password("first-secret");
    u.add_emails()->set_value(absl::StrCat(name, "@example.com"));
    EXPECT_TRUE(store_->Create(UserResourceType(), "acme", &u, ctx_).ok());
    return u;
  }
  absl::StatusOr<User> Patch(const std::string& id, const std::string& operations,
                             const std::string& if_match = "") {
    absl::StatusOr<std::vector<PatchOp>> ops = ParsePatchOperations(Json::parse(operations));
    if (!ops.ok()) return ops.status();
    User out;
    absl::Status s =
        store_->Patch(UserResourceType(), "acme", id, if_match, *ops, &out, ctx_);
    if (!s.ok()) return s;
    return out;
  }
  User Stored(const std::string& id) {
    auto bytes = kv_->Get(kResourcesCf, ResourceKey("acme", "User", id));
    User stored;
    stored.ParseFromString(**bytes);
    return stored;
  }
};

TEST_P(PatchStoreTest, AppliesBumpsVersionAndRecordsTheChange) {
  User u = NewUser("bjensen");
  clock_.Advance(absl::Seconds(5));
  auto out = Patch(u.id(), R"([{"op":"Replace","path":"active","value":"False"},
                               {"op":"add","path":"title","value":"Guide"}])");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE(out->active());
  EXPECT_EQ(out->title(), "Guide");
  EXPECT_EQ(out->meta().version(), "W/\"2\"");
  EXPECT_GT(out->meta().last_modified().seconds(), out->meta().created().seconds());
  EXPECT_FALSE(out->has_password());
  EXPECT_EQ(Stored(u.id()).title(), "Guide");
  std::vector<std::string> keys;
  std::vector<v1::AuditEvent> events;
  ASSERT_TRUE(outbox_->Peek(100, &keys, &events).ok());
  ASSERT_EQ(events.back().operation(), "user.patch");
  EXPECT_EQ(std::vector<std::string>(events.back().changed_attributes().begin(),
                                     events.back().changed_attributes().end()),
            (std::vector<std::string>{"title", "active"}));
}

// RFC 7644 §3.5.2.1: a PATCH that changes nothing SHALL NOT change the
// modify timestamp; here neither the version nor the audit log moves.
TEST_P(PatchStoreTest, NoOpPatchWritesNothing) {
  User u = NewUser("bjensen");
  auto with_role = Patch(u.id(), R"([{"op":"add","path":"roles","value":[{"value":"admin"}]}])");
  ASSERT_TRUE(with_role.ok()) << with_role.status();
  ASSERT_EQ(with_role->meta().version(), "W/\"2\"");
  std::vector<std::string> keys;
  std::vector<v1::AuditEvent> events;
  ASSERT_TRUE(outbox_->Peek(100, &keys, &events).ok());
  const size_t events_before = events.size();
  const size_t depth_before = outbox_->Depth();
  const User before = Stored(u.id());
  clock_.Advance(absl::Seconds(5));
  for (const char* ops : {
           R"([{"op":"add","path":"roles","value":[{"value":"admin"}]}])",
           R"([{"op":"add","path":"emails","value":[{"value":"bjensen@example.com"}]}])",
           R"([{"op":"add","value":{"userName":"bjensen","active":true}}])",
           R"([{"op":"replace","path":"active","value":true}])",
           R"([{"op":"remove","path":"title"}])"}) {
    SCOPED_TRACE(ops);
    auto out = Patch(u.id(), ops);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(out->meta().version(), "W/\"2\"");
    EXPECT_EQ(out->meta().last_modified().seconds(),
              before.meta().last_modified().seconds());
    EXPECT_EQ(out->roles_size(), 1);
    EXPECT_EQ(out->emails_size(), 1);
    EXPECT_FALSE(out->has_password());
  }
  EXPECT_EQ(Stored(u.id()).SerializeAsString(), before.SerializeAsString());
  keys.clear();
  events.clear();  // Peek appends
  ASSERT_TRUE(outbox_->Peek(100, &keys, &events).ok());
  EXPECT_EQ(events.size(), events_before);
  EXPECT_EQ(outbox_->Depth(), depth_before);
  // Setting the same password again is a change: it is stored as a new salted
  // hash and may be the point of the request.
  auto password = Patch(u.id(), R"([{"op":"replace","path":"password","value":"first-secret"}])");
  ASSERT_TRUE(password.ok());
  EXPECT_EQ(password->meta().version(), "W/\"3\"");
}

TEST_P(PatchStoreTest, FailingOperationLeavesNothingChanged) {
  User u = NewUser("bjensen");
  auto out = Patch(u.id(), R"([{"op":"replace","path":"title","value":"A"},
                               {"op":"replace","path":"emails[type eq \"x\"","value":"y"}])");
  EXPECT_EQ(ScimTypeOf(out.status()), scim_type::kInvalidPath);
  User stored = Stored(u.id());
  EXPECT_FALSE(stored.has_title());
  EXPECT_EQ(stored.meta().version(), "W/\"1\"");
  // Removing a required attribute fails validation, also atomically.
  out = Patch(u.id(), R"([{"op":"remove","path":"userName"}])");
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Stored(u.id()).user_name(), "bjensen");
}

TEST_P(PatchStoreTest, IfMatchIsCheckedInsideTheWrite) {
  User u = NewUser("bjensen");
  auto stale = Patch(u.id(), R"([{"op":"replace","path":"title","value":"A"}])", "W/\"7\"");
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kFailedPrecondition);
  auto ok = Patch(u.id(), R"([{"op":"replace","path":"title","value":"A"}])", "W/\"1\"");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(Patch(u.id(), R"([{"op":"replace","path":"title","value":"B"}])", "W/\"1\"")
                .status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Patch("no-such-id", R"([{"op":"replace","path":"title","value":"B"}])")
                .status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(PatchStoreTest, UniqueAndIndexKeysFollowThePatch) {
  User a = NewUser("alice");
  User b = NewUser("bob");
  auto clash = Patch(b.id(), R"([{"op":"replace","path":"userName","value":"ALICE"}])");
  EXPECT_EQ(clash.status().code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(Patch(a.id(), R"([{"op":"replace","path":"userName","value":"alice2"},
                                {"op":"replace","path":"emails","value":[{"value":"new@x.com"}]}])")
                  .ok());
  // The old userName is free again, and the index serves the new email.
  EXPECT_TRUE(Patch(b.id(), R"([{"op":"replace","path":"userName","value":"alice"}])").ok());
  v1::ListRequest list;
  list.set_filter("emails.value eq \"new@x.com\"");
  ListResult result;
  ASSERT_TRUE(store_->List(UserResourceType(), "acme", list, &result).ok());
  ASSERT_EQ(result.total_results, 1);
  list.set_filter("emails.value eq \"alice@example.com\"");
  ASSERT_TRUE(store_->List(UserResourceType(), "acme", list, &result).ok());
  EXPECT_EQ(result.total_results, 0);
}

TEST_P(PatchStoreTest, PasswordIsHashedWhenPatchedAndKeptOtherwise) {
  User u = NewUser("bjensen");
  const std::string first = Stored(u.id()).password();
  ASSERT_TRUE(Patch(u.id(), R"([{"op":"replace","path":"title","value":"A"}])").ok());
  EXPECT_EQ(Stored(u.id()).password(), first);
  ASSERT_TRUE(Patch(u.id(), R"([{"op":"replace","path":"password","value":"second"}])").ok());
  const std::string second = Stored(u.id()).password();
  EXPECT_NE(second, first);
  EXPECT_TRUE(VerifyPassword("second", second));
}

TEST_P(PatchStoreTest, ReadOnlyAndStrictTenant) {
  User u = NewUser("bjensen");
  EXPECT_EQ(ScimTypeOf(Patch(u.id(), R"([{"op":"replace","path":"id","value":"x"}])").status()),
            scim_type::kMutability);
  std::vector<PatchOp> ops = {{"replace", "", Json{{"nickName", "x"}, {"bogus", 1}}}};
  User out;
  ValidationOptions strict;
  strict.enforce_canonical_values = true;
  absl::Status s = store_->Patch(UserResourceType(), "acme", u.id(), "", ops, &out, ctx_, strict);
  EXPECT_EQ(ScimTypeOf(s), scim_type::kInvalidPath) << s;
  ASSERT_TRUE(store_->Patch(UserResourceType(), "acme", u.id(), "", ops, &out, ctx_).ok());
  EXPECT_EQ(out.nick_name(), "x");
}

INSTANTIATE_TEST_SUITE_P(AllStores, PatchStoreTest, ::testing::Values("Memory", "RocksDb"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace scim::identity
