// RFC 7644 §3.7 bulk over every KvStore: bulkId references (forward ones
// too), cycles, failOnErrors, the operation limit and per-operation results.
#include "identity-service/bulk.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "identity-service/store_test_fixture.h"
#include "scim/json_codec.h"

namespace scim::identity {
namespace {

class BulkTest : public StoreTest {
 protected:
  // `operations`: a JSON array of {method, path, bulkId, version, data}.
  v1::BulkResponse Run(const std::string& operations, int fail_on_errors = 0,
                       absl::Status* status = nullptr) {
    v1::BulkRequest request;
    request.set_tenant("acme");
    request.set_fail_on_errors(fail_on_errors);
    for (const Json& op : Json::parse(operations)) {
      v1::BulkOperation* out = request.add_operations();
      out->set_method(op.value("method", ""));
      out->set_path(op.value("path", ""));
      out->set_bulk_id(op.value("bulkId", ""));
      out->set_version(op.value("version", ""));
      if (op.contains("data")) JsonToValue(op["data"], out->mutable_data());
    }
    v1::BulkResponse response;
    absl::Status s = RunBulk(*store_, request, policy_, ctx_, &response);
    if (status != nullptr) *status = s;
    EXPECT_TRUE(status != nullptr || s.ok()) << s;
    return response;
  }
  std::string IdAt(const v1::BulkResponse& r, int i) {
    return r.operations(i).has_user() ? r.operations(i).user().id()
                                      : r.operations(i).group().id();
  }

  BulkPolicy policy_;
};

TEST_P(BulkTest, CreatesAndResolvesBackwardReferences) {
  v1::BulkResponse r = Run(R"([
    {"method":"POST","path":"/Users","bulkId":"u1","data":{"userName":"alice"}},
    {"method":"POST","path":"/Users","bulkId":"u2","data":{"userName":"bob"}},
    {"method":"POST","path":"/Groups","bulkId":"g1",
     "data":{"displayName":"Tour Guides",
             "members":[{"value":"bulkId:u1"},{"value":"bulkId:u2"}]}}])");
  ASSERT_EQ(r.operations_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r.operations(i).status(), 201) << r.operations(i).DebugString();
    EXPECT_EQ(r.operations(i).method(), "POST");
    EXPECT_EQ(r.operations(i).version(), "W/\"1\"");
  }
  EXPECT_EQ(r.operations(0).bulk_id(), "u1");
  EXPECT_EQ(r.operations(0).location(),
            absl::StrCat("/t/acme/scim/v2/Users/", IdAt(r, 0)));
  EXPECT_EQ(r.operations(2).location(),
            absl::StrCat("/t/acme/scim/v2/Groups/", IdAt(r, 2)));
  v1::Group g;
  ASSERT_TRUE(store_->Get(GroupResourceType(), "acme", IdAt(r, 2), &g).ok());
  ASSERT_EQ(g.members_size(), 2);
  std::set<std::string> members{g.members(0).value(), g.members(1).value()};
  EXPECT_EQ(members, (std::set<std::string>{IdAt(r, 0), IdAt(r, 1)}));
}

TEST_P(BulkTest, RunsForwardReferencesFirst) {
  // The group comes first but names users created later in the request; a
  // PATCH addresses a user by its bulkId in the path.
  v1::BulkResponse r = Run(R"([
    {"method":"POST","path":"/Groups","bulkId":"g","data":{"displayName":"G",
      "members":[{"value":"bulkId:u"}]}},
    {"method":"PATCH","path":"/Users/bulkId:u","data":{
      "schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      "Operations":[{"op":"add","path":"title","value":"Guide"}]}},
    {"method":"POST","path":"/Users","bulkId":"u","data":{"userName":"carol"}}])");
  ASSERT_EQ(r.operations_size(), 3);
  EXPECT_EQ(r.operations(0).status(), 201);
  EXPECT_EQ(r.operations(1).status(), 200);
  EXPECT_EQ(r.operations(1).user().title(), "Guide");
  EXPECT_EQ(r.operations(1).version(), "W/\"2\"");
  EXPECT_EQ(r.operations(2).status(), 201);
  const std::string user = IdAt(r, 2);
  EXPECT_EQ(r.operations(1).user().id(), user);
  v1::Group g;
  ASSERT_TRUE(store_->Get(GroupResourceType(), "acme", IdAt(r, 0), &g).ok());
  ASSERT_EQ(g.members_size(), 1);
  EXPECT_EQ(g.members(0).value(), user);
}

TEST_P(BulkTest, CircularReferencesAre409) {
  v1::BulkResponse r = Run(R"([
    {"method":"POST","path":"/Groups","bulkId":"a","data":{"displayName":"A",
      "members":[{"value":"bulkId:b","type":"Group"}]}},
    {"method":"POST","path":"/Groups","bulkId":"b","data":{"displayName":"B",
      "members":[{"value":"bulkId:a","type":"Group"}]}},
    {"method":"POST","path":"/Groups","bulkId":"self","data":{"displayName":"S",
      "members":[{"value":"bulkId:self"}]}},
    {"method":"POST","path":"/Users","bulkId":"ok","data":{"userName":"dave"}}])");
  ASSERT_EQ(r.operations_size(), 4);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(r.operations(i).status(), 409) << r.operations(i).DebugString();
    EXPECT_EQ(r.operations(i).error().status(), 409);
    EXPECT_FALSE(r.operations(i).error().detail().empty());
  }
  EXPECT_NE(r.operations(1).error().detail().find("circular"), std::string::npos);
  EXPECT_EQ(r.operations(3).status(), 201);
  // Nothing of the cycle was written.
  v1::ListRequest all;
  ListResult groups;
  ASSERT_TRUE(store_->List(GroupResourceType(), "acme", all, &groups).ok());
  EXPECT_EQ(groups.total_results, 0);
}

TEST_P(BulkTest, PutAndDeleteWithVersions) {
  v1::User u;
  u.set_user_name("erin");
  ASSERT_TRUE(store_->Create(UserResourceType(), "acme", &u, ctx_).ok());
  const std::string path = absl::StrCat("/Users/", u.id());
  v1::BulkResponse r = Run(absl::StrCat(R"([
    {"method":"PUT","path":")", path, R"(","version":"W/\"7\"","data":{"userName":"x"}},
    {"method":"PUT","path":")", path, R"(","version":"W/\"1\"",
     "data":{"userName":"erin2","active":true}},
    {"method":"DELETE","path":")", path, R"(","version":"W/\"2\""},
    {"method":"DELETE","path":")", path, R"("}])"));
  ASSERT_EQ(r.operations_size(), 4);
  EXPECT_EQ(r.operations(0).status(), 412);
  EXPECT_EQ(r.operations(1).status(), 200);
  EXPECT_EQ(r.operations(1).user().user_name(), "erin2");
  EXPECT_EQ(r.operations(1).version(), "W/\"2\"");
  EXPECT_EQ(r.operations(2).status(), 204);
  EXPECT_EQ(r.operations(2).location(), absl::StrCat("/t/acme/scim/v2", path));
  EXPECT_FALSE(r.operations(2).has_user());
  EXPECT_EQ(r.operations(3).status(), 404);
}

TEST_P(BulkTest, BadOperationsFailAlone) {
  v1::BulkResponse r = Run(R"([
    {"method":"GET","path":"/Users"},
    {"method":"POST","path":"/Widgets","data":{}},
    {"method":"POST","path":"/Users/123","data":{"userName":"x"}},
    {"method":"PUT","path":"/Users","data":{"userName":"x"}},
    {"method":"POST","path":"/Users","data":{"userName":42}},
    {"method":"POST","path":"/Users","data":"not an object"},
    {"method":"PATCH","path":"/Users/nope","data":{"op":"add"}},
    {"method":"POST","path":"/Users","bulkId":"x","data":{"userName":"ok",
      "manager":"bulkId:missing"}},
    {"method":"POST","path":"/Users","bulkId":"dup","data":{"userName":"one"}},
    {"method":"POST","path":"/Users","bulkId":"dup","data":{"userName":"two"}},
    {"method":"post","path":"Users","data":{"userName":"fine"}}])");
  ASSERT_EQ(r.operations_size(), 11);
  const int want[] = {400, 400, 400, 400, 400, 400, 400, 400, 201, 400, 201};
  for (int i = 0; i < 11; ++i) {
    EXPECT_EQ(r.operations(i).status(), want[i]) << i << ": "
                                                 << r.operations(i).DebugString();
    if (want[i] >= 400) {
      EXPECT_FALSE(r.operations(i).error().detail().empty()) << i;
      EXPECT_FALSE(r.operations(i).has_user()) << i;
    }
  }
  EXPECT_EQ(r.operations(4).error().scim_type(), "invalidValue");
  EXPECT_NE(r.operations(7).error().detail().find("missing"), std::string::npos);
  EXPECT_EQ(r.operations(10).method(), "POST");
}

TEST_P(BulkTest, FailOnErrorsStopsTheRest) {
  const std::string ops = R"([
    {"method":"POST","path":"/Users","data":{"userName":"a"}},
    {"method":"POST","path":"/Users","data":{"userName":"a"}},
    {"method":"POST","path":"/Users","data":{}},
    {"method":"POST","path":"/Users","data":{"userName":"b"}}])";
  v1::BulkResponse r = Run(ops, 2);
  ASSERT_EQ(r.operations_size(), 3);  // stopped after the second error
  EXPECT_EQ(r.operations(0).status(), 201);
  EXPECT_EQ(r.operations(1).status(), 409);
  EXPECT_EQ(r.operations(1).error().scim_type(), "uniqueness");
  EXPECT_EQ(r.operations(2).status(), 400);
  v1::ListRequest by_name;
  by_name.set_filter("userName eq \"b\"");
  ListResult found;
  ASSERT_TRUE(store_->List(UserResourceType(), "acme", by_name, &found).ok());
  EXPECT_EQ(found.total_results, 0);
  // Without failOnErrors everything runs.
  r = Run(R"([{"method":"POST","path":"/Users","data":{"userName":"a"}},
              {"method":"POST","path":"/Users","data":{"userName":"b"}}])");
  ASSERT_EQ(r.operations_size(), 2);
  EXPECT_EQ(r.operations(0).status(), 409);
  EXPECT_EQ(r.operations(1).status(), 201);
}

TEST_P(BulkTest, TooManyOperationsIsRefusedWhole) {
  std::string ops = "[";
  for (int i = 0; i <= kMaxBulkOperations; ++i) {
    absl::StrAppend(&ops, i ? "," : "",
                    R"({"method":"POST","path":"/Users","data":{"userName":"u)", i,
                    R"("}})");
  }
  ops += "]";
  absl::Status status;
  v1::BulkResponse r = Run(ops, 0, &status);
  EXPECT_EQ(HttpStatusOf(status), 413) << status;
  EXPECT_EQ(ScimTypeOf(status), "tooLarge");
  EXPECT_EQ(r.operations_size(), 0);
  v1::ListRequest all;
  ListResult found;
  ASSERT_TRUE(store_->List(UserResourceType(), "acme", all, &found).ok());
  EXPECT_EQ(found.total_results, 0);
}

TEST_P(BulkTest, DeleteFollowsTheTenantsDeleteMode) {
  policy_.soft_delete = true;
  v1::BulkResponse r = Run(R"([
    {"method":"POST","path":"/Users","bulkId":"u","data":{"userName":"frank"}},
    {"method":"DELETE","path":"/Users/bulkId:u"}])");
  ASSERT_EQ(r.operations_size(), 2);
  EXPECT_EQ(r.operations(1).status(), 204);
  v1::Tombstone t;
  EXPECT_TRUE(store_->GetTombstone(UserResourceType(), "acme", IdAt(r, 0), &t).ok());
}

TEST_P(BulkTest, StrictTenantRefusesUnknownAttributes) {
  policy_.validation.enforce_canonical_values = true;
  v1::BulkResponse r = Run(R"([
    {"method":"POST","path":"/Users","data":{"userName":"g","shoeSize":42}}])");
  ASSERT_EQ(r.operations_size(), 1);
  EXPECT_EQ(r.operations(0).status(), 400);
  EXPECT_NE(r.operations(0).error().detail().find("shoeSize"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(AllStores, BulkTest, ::testing::Values("Memory", "RocksDb"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace scim::identity
