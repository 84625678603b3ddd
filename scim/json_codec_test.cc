#include "scim/json_codec.h"

#include <limits>
#include <memory>

#include "common/status.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "scim/v1/resources.pb.h"

namespace scim {
namespace {

using v1::User;

User Decode(const std::string& text, const DecodeOptions& options = {}) {
  User user;
  absl::Status s = DecodeResource(Json::parse(text), &user, options);
  EXPECT_TRUE(s.ok()) << s;
  return user;
}

TEST(JsonCodecTest, DecodesTheCoreAttributesCaseInsensitively) {
  User user = Decode(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "USERNAME": "bjensen", "Name": {"GivenName": "Barbara", "familyName": "J"},
    "emails": [{"Value": "b@example.com", "Primary": true, "type": "work"}],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
        {"Department": "Sales", "manager": {"value": "m1", "$ref": "../Users/m1"}},
    "x509Certificates": [{"value": "MIIB"}], "active": false})");
  EXPECT_EQ(user.user_name(), "bjensen");
  EXPECT_EQ(user.name().given_name(), "Barbara");
  ASSERT_EQ(user.emails_size(), 1);
  EXPECT_TRUE(user.emails(0).primary());
  EXPECT_EQ(user.enterprise_user().department(), "Sales");
  EXPECT_EQ(user.enterprise_user().manager().ref(), "../Users/m1");
  EXPECT_EQ(user.x509_certificates(0).value(), "MIIB");
  EXPECT_TRUE(user.has_active());
  EXPECT_FALSE(user.active());
}

TEST(JsonCodecTest, BooleansAcceptStringsInAnyCase) {
  struct Case {
    const char* text;
    bool value;
  } cases[] = {{R"({"active":"True"})", true},  {R"({"active":"false"})", false},
               {R"({"active":"FALSE"})", false}, {R"({"active":true})", true}};
  for (const auto& c : cases) {
    User user = Decode(c.text);
    EXPECT_TRUE(user.has_active()) << c.text;
    EXPECT_EQ(user.active(), c.value) << c.text;
  }
}

TEST(JsonCodecTest, NullMeansUnassigned) {
  User user = Decode(
      R"({"userName":"a","displayName":null,"addresses":[{"locality":null}],
          "emails":[null]})");
  EXPECT_FALSE(user.has_display_name());
  ASSERT_EQ(user.addresses_size(), 1);
  EXPECT_FALSE(user.addresses(0).has_locality());
  EXPECT_EQ(user.emails_size(), 0);
}

TEST(JsonCodecTest, UnknownAttributesIgnoredOrRejected) {
  User user = Decode(R"({"userName":"a","adreses":[1],"name":{"nope":1}})");
  EXPECT_EQ(user.user_name(), "a");
  User strict;
  absl::Status s = DecodeResource(Json::parse(R"({"userName":"a","adreses":1})"),
                                  &strict, {.reject_unknown_attributes = true});
  EXPECT_EQ(ScimTypeOf(s), "invalidSyntax");
  EXPECT_NE(s.message().find("adreses"), std::string::npos);
}

TEST(JsonCodecTest, TypeMismatchesNameTheAttribute) {
  struct Case {
    const char* text;
    const char* path;
  } cases[] = {
      {R"({"userName": 5})", "userName"},
      {R"({"userName": ["a"]})", "userName"},
      {R"({"active": "yes"})", "active"},
      {R"({"active": 1})", "active"},
      {R"({"name": "Barbara"})", "name"},
      {R"({"name": {"givenName": false}})", "name.givenName"},
      {R"({"emails": {"value": "a"}})", "emails"},
      {R"({"emails": ["a@b"]})", "emails[0]"},
      {R"({"emails": [{"value": "a"}, {"primary": "maybe"}]})",
       "emails[1].primary"},
      {R"({"meta": {"created": "yesterday"}})", "meta.created"},
      {R"({"schemas": "urn:x"})", "schemas"},
  };
  for (const auto& c : cases) {
    User user;
    absl::Status s = DecodeResource(Json::parse(c.text), &user);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_EQ(ScimTypeOf(s), "invalidValue") << c.text;
    EXPECT_NE(s.message().find(std::string("'") + c.path + "'"),
              std::string::npos)
        << c.text << " -> " << s.message();
  }
}

TEST(JsonCodecTest, BodyMustBeAnObject) {
  for (const char* text : {"[]", "\"x\"", "3", "null"}) {
    User user;
    absl::Status s = DecodeResource(Json::parse(text), &user);
    EXPECT_EQ(ScimTypeOf(s), "invalidSyntax") << text;
  }
}

TEST(JsonCodecTest, EncodesScimNamesInSchemaOrderAndOmitsUnset) {
  User user;
  user.add_schemas("urn:ietf:params:scim:schemas:core:2.0:User");
  user.set_id("1");
  user.set_user_name("bjensen");
  user.set_active(false);
  user.mutable_name();  // empty: left out
  user.mutable_enterprise_user()->set_employee_number("42");
  auto* group = user.add_groups();
  group->set_value("g1");
  group->set_ref("https://x/Groups/g1");
  user.mutable_meta()->mutable_created()->set_seconds(1700000000);
  Json out = EncodeResource(user);
  EXPECT_EQ(out.begin().key(), "schemas");
  EXPECT_EQ(out["userName"], "bjensen");
  EXPECT_EQ(out["active"], false);
  EXPECT_FALSE(out.contains("name"));
  EXPECT_FALSE(out.contains("displayName"));
  EXPECT_EQ(out["groups"][0]["$ref"], "https://x/Groups/g1");
  EXPECT_EQ(out["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
               ["employeeNumber"],
            "42");
  EXPECT_EQ(out["meta"]["created"], "2023-11-14T22:13:20Z");
}

TEST(JsonCodecTest, RoundTripKeepsEveryValue) {
  const char* text = R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName":"u","name":{"formatted":"F","honorificSuffix":"III"},
    "phoneNumbers":[{"value":"555","type":"work","primary":true}],
    "addresses":[{"streetAddress":"1 Main","postalCode":"1","primary":false}],
    "roles":[{"value":"admin"}],"entitlements":[{"value":"e"}],
    "ims":[{"value":"i"}],"photos":[{"value":"https://p"}]})";
  User user = Decode(text);
  User again;
  ASSERT_TRUE(DecodeResource(EncodeResource(user), &again).ok());
  EXPECT_EQ(user.SerializeAsString(), again.SerializeAsString());
}

}  // namespace
}  // namespace scim

namespace scim {
namespace {

// Numbers a field cannot hold are 400 invalidValue, never wrapped or cast
// (the wrapper messages stand for any integer or floating field).
// Found by fuzz/json_codec_fuzzer: a number beyond int64 in a PATCH value or
// Bulk data was cast to int64 before its range check (undefined behaviour).
TEST(JsonCodecTest, ValueNumbersBeyondInt64StayDoubles) {
  for (double d : {1e300, -1e300, 18446744073709551615.0, 9.3e18}) {
    google::protobuf::Value v;
    v.set_number_value(d);
    const Json j = JsonFromValue(v);
    ASSERT_TRUE(j.is_number_float()) << d;
    EXPECT_EQ(j.get<double>(), d);
  }
  google::protobuf::Value small;
  small.set_number_value(42);
  EXPECT_TRUE(JsonFromValue(small).is_number_integer());
  EXPECT_EQ(JsonFromValue(small).get<int64_t>(), 42);
}

TEST(JsonCodecTest, NumbersOutOfRangeAreInvalidValue) {
  struct Case {
    const char* name;
    std::unique_ptr<google::protobuf::Message> message;
    Json value;
    bool ok;
  };
  Case cases[] = {
      {"int32 max", std::make_unique<google::protobuf::Int32Value>(), 2147483647, true},
      {"int32 over", std::make_unique<google::protobuf::Int32Value>(), 2147483648LL, false},
      {"int32 under", std::make_unique<google::protobuf::Int32Value>(), -2147483649LL, false},
      {"uint32 negative", std::make_unique<google::protobuf::UInt32Value>(), -1, false},
      {"uint32 over", std::make_unique<google::protobuf::UInt32Value>(), 4294967296LL, false},
      {"int64 above max", std::make_unique<google::protobuf::Int64Value>(),
       18446744073709551615ULL, false},
      {"uint64 max", std::make_unique<google::protobuf::UInt64Value>(),
       18446744073709551615ULL, true},
      {"uint64 negative", std::make_unique<google::protobuf::UInt64Value>(), -1, false},
      {"int from 1e10 double", std::make_unique<google::protobuf::Int64Value>(), 1e10, false},
      {"double inf", std::make_unique<google::protobuf::DoubleValue>(),
       std::numeric_limits<double>::infinity(), false},
      {"double max", std::make_unique<google::protobuf::DoubleValue>(),
       std::numeric_limits<double>::max(), true},
      {"float over", std::make_unique<google::protobuf::FloatValue>(), 1e300, false},
  };
  for (Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::Status s = DecodeResource(Json{{"value", c.value}}, c.message.get());
    EXPECT_EQ(s.ok(), c.ok) << s;
    if (!c.ok) EXPECT_EQ(ScimTypeOf(s), scim_type::kInvalidValue) << s;
  }
}

}  // namespace
}  // namespace scim
