// The text writer must write byte for byte what the document path writes
// (EncodeResource, AbsolutizeLocations, DumpJson): a table of resources and
// messages, then random users.
#include "scim/json_writer.h"

#include <random>
#include <string>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "scim/v1/identity.pb.h"
#include "scim/v1/resources.pb.h"

namespace scim {
namespace {

std::string ThroughDocument(const google::protobuf::Message& m, absl::string_view origin) {
  Json document = EncodeResource(m);
  AbsolutizeLocations(document, origin);
  return DumpJson(document);
}

void ExpectSameText(const google::protobuf::Message& m, const std::string& label) {
  for (absl::string_view origin : {"", "https://scim.example.com"}) {
    std::string text = "prefix";
    ASSERT_TRUE(AppendResourceJson(m, origin, &text)) << label;
    EXPECT_EQ(text, "prefix" + ThroughDocument(m, origin)) << label << " origin=" << origin;
  }
}

v1::User FullUser() {
  v1::User u;
  u.set_id("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
  u.set_user_name("quote\" back\\ nl\n tab\t ctl\x01\x1f del\x7f é 漢字 😀");
  u.set_external_id("00u1");
  u.set_active(false);
  u.mutable_name()->set_given_name("Ada");
  u.mutable_name()->set_family_name("</script>&'");
  auto* e = u.add_emails();
  e->set_value("ada@example.com");
  e->set_primary(true);
  e->set_type("work");
  u.add_emails()->set_value("second@example.com");
  auto* g = u.add_groups();
  g->set_value("g1");
  g->set_ref("/t/acme/scim/v2/Groups/g1");
  g->set_display("Admins");
  u.add_groups()->set_ref("https://elsewhere.example/Groups/g2");
  u.mutable_meta()->set_location("/t/acme/scim/v2/Users/0190a1b2");
  u.mutable_meta()->set_resource_type("User");
  u.mutable_meta()->set_version("W/\"3\"");
  u.mutable_meta()->mutable_created()->set_seconds(1700000000);
  u.mutable_meta()->mutable_last_modified()->set_seconds(1700000001);
  u.mutable_meta()->mutable_last_modified()->set_nanos(123000000);
  // The enterprise extension's manager $ref is not a members/groups one.
  auto* enterprise = u.mutable_enterprise_user();
  enterprise->set_employee_number("42");
  enterprise->mutable_manager()->set_ref("/t/acme/scim/v2/Users/boss");
  // A tenant's own schema: a Struct under its URN.
  google::protobuf::Struct custom;
  (void)google::protobuf::util::JsonStringToMessage(
      R"({"badge": 7, "ratio": 1.5, "big": 1e21, "neg": -0.25, "name": "x\"y\u0001",
          "on": true, "none": null, "list": [1, "two", {"three": 3}]})",
      &custom);
  (*u.mutable_extensions())["urn:example:params:scim:schemas:extension:acme:2.0:User"] = custom;
  return u;
}

TEST(JsonWriterTest, WritesWhatTheDocumentPathWrites) {
  ExpectSameText(v1::User(), "empty user");
  ExpectSameText(FullUser(), "full user");

  v1::User empty_parts;
  empty_parts.set_user_name("a");
  empty_parts.mutable_name();                         // set, but empty: left out
  empty_parts.mutable_enterprise_user()->mutable_manager();  // empty inside empty
  empty_parts.add_emails();                           // an empty element stays
  ExpectSameText(empty_parts, "empty complex values");

  v1::Group group;
  group.set_id("g1");
  group.set_display_name("Engineering");
  for (int i = 0; i < 3; ++i) {
    auto* m = group.add_members();
    m->set_value("u" + std::to_string(i));
    m->set_ref("/t/acme/scim/v2/Users/u" + std::to_string(i));
    m->set_type("User");
  }
  group.mutable_meta()->set_location("/t/acme/scim/v2/Groups/g1");
  ExpectSameText(group, "group");

  // Numbers, enums and repeated scalars, on messages that have them.
  google::protobuf::Value number;
  number.set_number_value(0.1);
  ExpectSameText(number, "double");
  google::protobuf::Value null_value;
  null_value.set_null_value(google::protobuf::NULL_VALUE);
  ExpectSameText(null_value, "enum");
  v1::ListRequest list;
  list.set_start_index(-3);
  list.set_count(100);
  list.set_filter("userName eq \"a\"");
  ExpectSameText(list, "int32");
  v1::Projection projection;
  projection.add_attributes("userName");
  projection.add_attributes("emails.value");
  ExpectSameText(projection, "repeated strings");
}

TEST(JsonWriterTest, StringsEscapeAsTheDocumentDoes) {
  const std::vector<std::string> cases = {
      "", "plain", "\"", "\\", "/", "\b\f\n\r\t", std::string("\0", 1), "\x1f\x7f",
      "é", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xbf\xbd"};
  for (const std::string& s : cases) {
    std::string text;
    ASSERT_TRUE(AppendJsonString(s, &text)) << s;
    EXPECT_EQ(text, DumpJson(Json(s))) << s;
  }
}

TEST(JsonWriterTest, RefusesWhatIsNotUtf8AndLeavesTheOutputAlone) {
  // Stray continuation, overlong, surrogate, past U+10FFFF, truncated.
  for (const std::string bad : {"\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                "ok\xe2\x82", "\xff"}) {
    std::string text = "kept";
    EXPECT_FALSE(AppendJsonString(bad, &text));
    EXPECT_EQ(text, "kept");
    v1::User u;
    u.set_id("1");
    u.mutable_name()->set_formatted(bad);  // deep inside: the whole resource is refused
    EXPECT_FALSE(AppendResourceJson(u, "https://x", &text));
    EXPECT_EQ(text, "kept");
  }
}

TEST(JsonWriterTest, RandomUsersMatch) {
  std::mt19937 random(20261202);
  const std::vector<std::string> pieces = {"a", "Z", "0", " ", "\"", "\\", "\n", "\x01", "é",
                                           "漢", "😀", "/t/acme", "/", "{}", "[]", ":"};
  auto text = [&] {
    std::string s;
    for (int n = random() % 6; n > 0; --n) s += pieces[random() % pieces.size()];
    return s;
  };
  for (int round = 0; round < 300; ++round) {
    v1::User u;
    if (random() % 2) u.set_id(text());
    if (random() % 2) u.set_user_name(text());
    if (random() % 3 == 0) u.set_active(random() % 2);
    if (random() % 2) u.mutable_name()->set_given_name(text());
    if (random() % 3 == 0) u.mutable_name();
    for (int n = random() % 3; n > 0; --n) {
      auto* e = u.add_emails();
      if (random() % 2) e->set_value(text());
      if (random() % 2) e->set_primary(random() % 2);
    }
    for (int n = random() % 3; n > 0; --n) {
      auto* g = u.add_groups();
      if (random() % 2) g->set_ref(text());
      if (random() % 2) g->set_value(text());
    }
    if (random() % 2) u.mutable_meta()->set_location(text());
    if (random() % 3 == 0) u.mutable_meta()->mutable_created()->set_seconds(random() % 2000000000);
    ExpectSameText(u, "random user " + std::to_string(round));
  }
}

}  // namespace
}  // namespace scim
