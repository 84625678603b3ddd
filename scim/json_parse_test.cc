#include "scim/json_parse.h"

#include <string>

#include "common/status.h"
#include "gtest/gtest.h"
#include "scim/limits.h"

namespace scim {
namespace {

std::string Nested(int levels, const char* open, const char* close) {
  std::string out;
  for (int i = 0; i < levels; ++i) out += open;
  out += "1";
  for (int i = 0; i < levels; ++i) out += close;
  return out;
}

struct Case {
  const char* name;
  std::string text;
  bool ok;
  const char* scim_type;   // when !ok
  const char* in_detail;   // when !ok
};

TEST(ParseJsonBoundedTest, Table) {
  const Case cases[] = {
      {"object", R"({"userName":"bjensen","n":[1,2.5,true,null]})", true, "", ""},
      {"scalar", "42", true, "", ""},
      {"at the depth limit", Nested(kMaxJsonDepth, "[", "]"), true, "", ""},
      {"objects at the limit",
       Nested(kMaxJsonDepth - 1, "{\"a\":", "}").insert(0, "[").append("]"), true, "",
       ""},
      {"one level too deep", Nested(kMaxJsonDepth + 1, "[", "]"), false,
       scim_type::kInvalidValue, "64 levels"},
      {"objects too deep", Nested(kMaxJsonDepth + 1, "{\"a\":", "}"), false,
       scim_type::kInvalidValue, "64 levels"},
      // Hostile: a million levels must neither overflow the stack nor throw.
      {"a million levels", Nested(1000000, "[", "]"), false,
       scim_type::kInvalidValue, "64 levels"},
      {"unclosed million", std::string(1000000, '['), false,
       scim_type::kInvalidValue, "64 levels"},
      {"unclosed shallow", "[[[", false, scim_type::kInvalidSyntax, "not valid JSON"},
      {"number overflow", R"({"x": 1e400})", false, scim_type::kInvalidValue,
       "out of range"},
      {"negative overflow", "-1e400", false, scim_type::kInvalidValue, "out of range"},
      {"malformed", R"({"userName": )", false, scim_type::kInvalidSyntax, "not valid JSON"},
      {"empty", "", false, scim_type::kInvalidSyntax, "not valid JSON"},
      {"trailing garbage", "{} x", false, scim_type::kInvalidSyntax, "not valid JSON"},
      {"bad utf-8", "\"\xff\"", false, scim_type::kInvalidSyntax, "not valid JSON"},
      {"control character", "\"a\x01\"", false, scim_type::kInvalidSyntax,
       "not valid JSON"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<Json> parsed = ParseJsonBounded(c.text);
    EXPECT_EQ(parsed.ok(), c.ok) << parsed.status();
    if (c.ok || parsed.ok()) continue;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    if (*c.scim_type != '\0') {
      EXPECT_EQ(ScimTypeOf(parsed.status()), c.scim_type);
    }
    EXPECT_NE(parsed.status().message().find(c.in_detail), std::string::npos)
        << parsed.status();
  }
}

TEST(ParseJsonBoundedTest, NamesWhatItParsed) {
  absl::StatusOr<Json> parsed = ParseJsonBounded("[", "the PATCH value");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("the PATCH value"), std::string::npos);
}

}  // namespace
}  // namespace scim
