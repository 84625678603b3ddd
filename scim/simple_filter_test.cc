#include "scim/simple_filter.h"

#include "common/status.h"
#include "gtest/gtest.h"

namespace scim {
namespace {

TEST(SimpleFilterTest, Valid) {
  struct Case {
    const char* filter;
    const char* attribute;
    const char* value;
  } cases[] = {
      {R"(userName eq "bjensen")", "userName", "bjensen"},
      {R"(USERNAME EQ "BJensen")", "USERNAME", "BJensen"},
      {R"(  userName   eq   "a b"  )", "userName", "a b"},
      {R"(userName eq "quo\"te")", "userName", "quo\"te"},
      {R"(userName eq "uni\u00e9")", "userName", "uni\xc3\xa9"},
      {R"(emails.value eq "a@b.c")", "emails.value", "a@b.c"},
      {R"(externalId eq "")", "externalId", ""},
      {R"(urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x")",
       "urn:ietf:params:scim:schemas:core:2.0:User:userName", "x"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseFilter(c.filter);
    ASSERT_TRUE(parsed.ok()) << c.filter << ": " << parsed.status();
    EXPECT_EQ(parsed->attribute, c.attribute) << c.filter;
    EXPECT_EQ(parsed->value, c.value) << c.filter;
  }
}

TEST(SimpleFilterTest, InvalidNamesPosition) {
  struct Case {
    const char* filter;
    const char* detail;
  } cases[] = {
      {"", "position 1: expected an attribute path"},
      {"userName", "position 9: expected a space"},
      {"userName eq", "position 12: expected a quoted string"},
      {"userName eq bjensen", "position 13: expected a quoted string"},
      {R"(userName eq "open)", "position 13: unterminated string"},
      {R"(userName co "x")", "position 10: operator 'co' is not supported yet"},
      {R"(userName eq "x" and active eq true)", "position 17: unexpected text"},
      {R"("x" eq userName)", "position 1: expected an attribute path"},
      {R"(userName eq "bad\escape")", "position 13: invalid string"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseFilter(c.filter);
    ASSERT_FALSE(parsed.ok()) << c.filter;
    EXPECT_EQ(ScimTypeOf(parsed.status()), "invalidFilter") << c.filter;
    EXPECT_NE(parsed.status().message().find(c.detail), std::string::npos)
        << c.filter << " -> " << parsed.status().message();
  }
}

}  // namespace
}  // namespace scim
