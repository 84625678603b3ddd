// ParseBulkRequest: a Bulk body into a v1::BulkRequest, no HTTP (the edge
// tests cover POST /Bulk end to end; fuzz/bulk_fuzzer.cc drives this).
#include "edge/bulk_request.h"

#include "common/status.h"
#include "gtest/gtest.h"

namespace scim::edge {
namespace {

absl::StatusOr<v1::BulkRequest> Parse(const char* text) {
  return ParseBulkRequest(Json::parse(text));
}

TEST(BulkRequestTest, ParsesOperations) {
  auto request = Parse(R"({
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
    "FAILONERRORS": 2,
    "Operations": [
      {"method": "POST", "path": "/Users", "bulkId": "q",
       "data": {"userName": "alice", "active": true}},
      {"Method": "DELETE", "Path": "/Users/u1", "Version": "W/\"1\"", "other": 1}]})");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->fail_on_errors(), 2);
  ASSERT_EQ(request->operations_size(), 2);
  EXPECT_EQ(request->operations(0).method(), "POST");
  EXPECT_EQ(request->operations(0).bulk_id(), "q");
  EXPECT_EQ(JsonFromValue(request->operations(0).data())["userName"], "alice");
  EXPECT_EQ(request->operations(1).method(), "DELETE");
  EXPECT_EQ(request->operations(1).path(), "/Users/u1");
  EXPECT_EQ(request->operations(1).version(), "W/\"1\"");
  EXPECT_FALSE(request->operations(1).has_data());
}

TEST(BulkRequestTest, RefusesWhatTheEdgeRefused) {
  struct Case {
    const char* body;
    const char* scim_type;
  };
  for (const Case& c : {
           Case{R"([])", scim_type::kInvalidSyntax},
           Case{R"({})", scim_type::kInvalidSyntax},
           Case{R"({"Operations": {}})", scim_type::kInvalidSyntax},
           Case{R"({"schemas": ["urn:x"], "Operations": []})", scim_type::kInvalidSyntax},
           Case{R"({"schemas": "urn:ietf:params:scim:api:messages:2.0:BulkRequest",
                    "Operations": []})", scim_type::kInvalidSyntax},
           Case{R"({"failOnErrors": -1, "Operations": []})", scim_type::kInvalidValue},
           Case{R"({"failOnErrors": 2147483648, "Operations": []})", scim_type::kInvalidValue},
           Case{R"({"failOnErrors": 1.5, "Operations": []})", scim_type::kInvalidValue},
           Case{R"({"failOnErrors": 18446744073709551615, "Operations": []})",
                scim_type::kInvalidValue},
           Case{R"({"Operations": [1]})", scim_type::kInvalidSyntax},
           Case{R"({"Operations": [{"method": 7}]})", scim_type::kInvalidSyntax},
       }) {
    auto request = Parse(c.body);
    ASSERT_FALSE(request.ok()) << c.body;
    EXPECT_EQ(HttpStatusOf(request.status()), 400) << c.body;
    EXPECT_EQ(ScimTypeOf(request.status()), c.scim_type) << c.body;
  }
}

}  // namespace
}  // namespace scim::edge
