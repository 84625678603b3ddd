#include "events/event_json.h"

#include "common/proto_util.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "scim/v1/resources.pb.h"

namespace scim::events {
namespace {

using Json = nlohmann::ordered_json;

const absl::Time kTime = absl::FromUnixMillis(1796163000123);  // 2026-12-01T22:10:00.123Z

v1::Event UserUpdated() {
  v1::Event e;
  e.set_id("0190d9c2-1111-7000-8000-000000000001");
  e.set_tenant("acme");
  e.set_sequence(18446744073709551615ull);  // the largest: must stay an integer
  e.set_type("user.updated");
  e.set_resource_type("User");
  e.set_resource_id("u1");
  *e.mutable_time() = ToTimestamp(kTime);
  e.set_version("W/\"3\"");
  e.add_changed_attributes("name.givenName");
  e.add_changed_attributes("active");
  e.set_actor("key-1");
  e.set_request_id("req-9");
  return e;
}

TEST(EventJsonTest, TimesAreRfc3339UtcWithMilliseconds) {
  EXPECT_EQ(Rfc3339(kTime), "2026-12-01T22:10:00.123Z");
  EXPECT_EQ(Rfc3339(absl::FromUnixSeconds(0)), "1970-01-01T00:00:00.000Z");
}

TEST(EventJsonTest, EveryFieldInContractOrderAndTypes) {
  const Json json = EventJson(UserUpdated());
  EXPECT_EQ(json.dump(),
            R"({"id":"0190d9c2-1111-7000-8000-000000000001","tenant":"acme",)"
            R"("sequence":18446744073709551615,"type":"user.updated",)"
            R"("resourceType":"User","resourceId":"u1","time":"2026-12-01T22:10:00.123Z",)"
            R"("version":"W/\"3\"","changedAttributes":["name.givenName","active"],)"
            R"("actor":"key-1","requestId":"req-9"})");
  EXPECT_TRUE(json["sequence"].is_number_unsigned());
}

TEST(EventJsonTest, OptionalFieldsAppearOnlyWhenSet) {
  struct Case {
    const char* name;
    void (*edit)(v1::Event*);
    std::vector<std::string> present, absent;
  };
  const Case cases[] = {
      {"tenant event: no version", [](v1::Event* e) {
         e->set_type("tenant.disabled");
         e->set_resource_type("Tenant");
         e->clear_version();
         e->clear_changed_attributes();
       }, {"actor", "requestId"}, {"version", "changedAttributes", "memberId", "deleteMode"}},
      {"member event", [](v1::Event* e) {
         e->set_type("group.member_added");
         e->clear_changed_attributes();
         e->set_member_id("u7");
       }, {"memberId", "version"}, {"changedAttributes", "deleteMode", "resource"}},
      {"delete", [](v1::Event* e) {
         e->set_type("user.deleted");
         e->clear_changed_attributes();
         e->set_delete_mode("soft");
       }, {"deleteMode"}, {"memberId", "changedAttributes", "resourceReadAt"}},
  };
  for (const Case& c : cases) {
    v1::Event e = UserUpdated();
    c.edit(&e);
    const Json json = EventJson(e);
    for (const auto& key : c.present) EXPECT_TRUE(json.contains(key)) << c.name << ": " << key;
    for (const auto& key : c.absent) EXPECT_FALSE(json.contains(key)) << c.name << ": " << key;
  }
  v1::Event member = UserUpdated();
  member.set_member_id("u7");
  EXPECT_EQ(EventJson(member)["memberId"], "u7");
  v1::Event deleted = UserUpdated();
  deleted.set_delete_mode("hard");
  EXPECT_EQ(EventJson(deleted)["deleteMode"], "hard");
}

TEST(EventJsonTest, ResourceInItsScimFormWithReadTime) {
  v1::User user;
  user.set_id("u1");
  user.set_user_name("bjensen");
  user.set_active(false);
  v1::Event e = UserUpdated();
  e.mutable_resource()->PackFrom(user);
  *e.mutable_resource_read_at() = ToTimestamp(kTime + absl::Seconds(5));
  const Json json = EventJson(e);
  ASSERT_TRUE(json.contains("resource"));
  EXPECT_EQ(json["resource"]["id"], "u1");
  EXPECT_EQ(json["resource"]["userName"], "bjensen");
  EXPECT_EQ(json["resource"]["active"], false);
  EXPECT_EQ(json["resourceReadAt"], "2026-12-01T22:10:05.123Z");

  v1::Group group;
  group.set_display_name("Admins");
  group.add_members()->set_value("u1");
  e.mutable_resource()->PackFrom(group);
  EXPECT_EQ(EventJson(e)["resource"]["displayName"], "Admins");
  EXPECT_EQ(EventJson(e)["resource"]["members"][0]["value"], "u1");

  // Any generated message works, not only SCIM resources.
  google::protobuf::Struct object;
  (*object.mutable_fields())["k"].set_string_value("v");
  e.mutable_resource()->PackFrom(object);
  EXPECT_TRUE(EventJson(e)["resource"].is_object());
}

TEST(EventJsonTest, HostileResourcesBecomeNullNotACrash) {
  v1::Event e = UserUpdated();
  e.mutable_resource()->set_type_url("type.googleapis.com/no.such.Type");
  e.mutable_resource()->set_value("x");
  EXPECT_TRUE(EventJson(e)["resource"].is_null());
  e.mutable_resource()->set_type_url("type.googleapis.com/scim.v1.User");
  e.mutable_resource()->set_value("\xff\xff\xff");  // not a User
  EXPECT_TRUE(EventJson(e)["resource"].is_null());
  e.mutable_resource()->set_type_url("");
  EXPECT_TRUE(EventJson(e)["resource"].is_null());
}

TEST(EventJsonTest, LineIsOneCompactLineAndSurvivesInvalidUtf8) {
  v1::Event e = UserUpdated();
  e.set_actor("bad \xc3 utf8\nnewline");
  const std::string line = EventLine(e);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const Json parsed = Json::parse(line);
  EXPECT_EQ(parsed["sequence"], 18446744073709551615ull);
  EXPECT_EQ(parsed["actor"], "bad \xef\xbf\xbd utf8\nnewline");
}

TEST(EventJsonTest, WebhookBodyWrapsTheEvent) {
  const v1::Event e = UserUpdated();
  const Json body = Json::parse(WebhookBody(e));
  ASSERT_EQ(body.size(), 3u);
  EXPECT_EQ(body.begin().key(), "type");
  EXPECT_EQ(body["type"], "user.updated");
  EXPECT_EQ(body["timestamp"], "2026-12-01T22:10:00.123Z");
  EXPECT_EQ(body["data"], Json::parse(EventLine(e)));
  EXPECT_EQ(WebhookBody(e).find('\n'), std::string::npos);
}

}  // namespace
}  // namespace scim::events
