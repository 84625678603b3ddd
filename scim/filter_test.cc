// Table-driven tests of the RFC 7644 §3.4.2.2 filter grammar: each valid
// filter against its canonical, fully parenthesised form; each invalid one
// against the problem its detail must name.
#include "scim/filter.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "scim/limits.h"

namespace scim {
namespace {

struct Valid {
  const char* filter;
  const char* canonical;
};

class ValidFilterTest : public testing::TestWithParam<Valid> {};

TEST_P(ValidFilterTest, ParsesToCanonicalForm) {
  auto parsed = ParseFilter(GetParam().filter);
  ASSERT_TRUE(parsed.ok()) << GetParam().filter << ": " << parsed.status();
  EXPECT_EQ(FilterToString(**parsed), GetParam().canonical) << GetParam().filter;
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, ValidFilterTest,
    testing::Values(
        // Every operator.
        Valid{R"(userName eq "bjensen")", R"(userName eq "bjensen")"},
        Valid{R"(userName ne "bjensen")", R"(userName ne "bjensen")"},
        Valid{R"(name.familyName co "O'Malley")", R"(name.familyName co "O'Malley")"},
        Valid{R"(userName sw "J")", R"(userName sw "J")"},
        Valid{R"(userName ew "son")", R"(userName ew "son")"},
        Valid{R"(meta.lastModified gt "2011-05-13T04:42:34Z")",
              R"(meta.lastModified gt "2011-05-13T04:42:34Z")"},
        Valid{R"(meta.lastModified ge "2011-05-13T04:42:34Z")",
              R"(meta.lastModified ge "2011-05-13T04:42:34Z")"},
        Valid{R"(meta.lastModified lt "2011-05-13T04:42:34Z")",
              R"(meta.lastModified lt "2011-05-13T04:42:34Z")"},
        Valid{R"(meta.lastModified le "2011-05-13T04:42:34Z")",
              R"(meta.lastModified le "2011-05-13T04:42:34Z")"},
        Valid{"title pr", "title pr"},
        // Operators and keywords are case-insensitive.
        Valid{R"(userName EQ "a")", R"(userName eq "a")"},
        Valid{R"(userName Eq "a")", R"(userName eq "a")"},
        Valid{"title PR", "title pr"},
        Valid{R"(a eq "1" AND b eq "2")", R"((a eq "1" and b eq "2"))"},
        Valid{R"(a eq "1" Or b eq "2")", R"((a eq "1" or b eq "2"))"},
        Valid{R"(NOT (a eq "1"))", R"(not (a eq "1"))"},
        // Literals.
        Valid{"active eq true", "active eq true"},
        Valid{"active eq false", "active eq false"},
        Valid{"active eq TRUE", "active eq true"},
        Valid{"title eq null", "title eq null"},
        Valid{"x eq 42", "x eq 42"},
        Valid{"x eq -7", "x eq -7"},
        Valid{"x gt 1.5", "x gt 1.5"},
        Valid{"x lt 1e3", "x lt 1000.0"},
        Valid{R"(userName eq "")", R"(userName eq "")"},
        Valid{R"(userName eq "a\"b")", R"(userName eq "a\"b")"},
        Valid{R"(userName eq "a\\b")", R"(userName eq "a\\b")"},
        Valid{R"(userName eq "caf\u00e9")", "userName eq \"caf\xc3\xa9\""},
        Valid{R"(userName eq "with space and or")", R"(userName eq "with space and or")"},
        Valid{R"x(userName eq "(paren)")x", R"x(userName eq "(paren)")x"},
        Valid{R"(userName eq "[bracket]")", R"(userName eq "[bracket]")"},
        // compValue keywords in any case, and numbers (RFC 7644 §3.4.2.2).
        Valid{"active eq TRUE", "active eq true"},
        Valid{"active ne False", "active ne false"},
        Valid{"title eq Null", "title eq null"},
        Valid{"x eq 12", "x eq 12"},
        Valid{"x gt -1.5e3", "x gt -1500.0"},
        Valid{"x le 0", "x le 0"},
        // Entra's matching filter: the element matches both.
        Valid{R"(emails[type eq "work"].value eq "x")",
              R"(emails[(type eq "work" and value eq "x")])"},
        Valid{R"(emails[type eq "work" or primary eq true].value co "@x")",
              R"(emails[((type eq "work" or primary eq true) and value co "@x")])"},
        Valid{R"(emails[type eq "work"].display pr and userName eq "a")",
              R"((emails[(type eq "work" and display pr)] and userName eq "a"))"},
        // Precedence: and binds tighter than or; left-associative.
        Valid{R"(a eq "1" or b eq "2" and c eq "3")",
              R"((a eq "1" or (b eq "2" and c eq "3")))"},
        Valid{R"(a eq "1" and b eq "2" or c eq "3")",
              R"(((a eq "1" and b eq "2") or c eq "3"))"},
        // A chain of one operator prints flat (it parses back the same);
        // grouping on the right keeps its parentheses.
        Valid{R"(a eq "1" and b eq "2" and c eq "3")",
              R"((a eq "1" and b eq "2" and c eq "3"))"},
        Valid{R"(a eq "1" or b eq "2" or c eq "3")",
              R"((a eq "1" or b eq "2" or c eq "3"))"},
        Valid{R"(a eq "1" or (b eq "2" or c eq "3"))",
              R"((a eq "1" or (b eq "2" or c eq "3")))"},
        Valid{R"((a eq "1" or b eq "2") and c eq "3")",
              R"(((a eq "1" or b eq "2") and c eq "3"))"},
        Valid{R"(a eq "1" and (b eq "2" or c eq "3"))",
              R"((a eq "1" and (b eq "2" or c eq "3")))"},
        Valid{R"(((a eq "1")))", R"(a eq "1")"},
        Valid{R"(not (a eq "1") and b pr)", R"((not (a eq "1") and b pr))"},
        Valid{R"(not(a eq "1"))", R"(not (a eq "1"))"},
        Valid{R"(not (not (a pr)))", R"(not (not (a pr)))"},
        Valid{R"(not (a pr or b pr))", R"(not ((a pr or b pr)))"},
        Valid{R"((a pr)and(b pr))", R"((a pr and b pr))"},
        // RFC 7644 §3.4.2.2 examples.
        Valid{R"(userType eq "Employee" and (emails co "example.com" or emails.value co "example.org"))",
              R"((userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")))"},
        Valid{R"(userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org"))",
              R"((userType ne "Employee" and not ((emails co "example.com" or emails.value co "example.org"))))"},
        Valid{R"(userType eq "Employee" and (emails.type eq "work"))",
              R"((userType eq "Employee" and emails.type eq "work"))"},
        Valid{R"(userType eq "Employee" and emails[type eq "work" and value co "@example.com"])",
              R"((userType eq "Employee" and emails[(type eq "work" and value co "@example.com")]))"},
        Valid{R"(emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"])",
              R"((emails[(type eq "work" and value co "@example.com")] or ims[(type eq "xmpp" and value co "@foo.com")]))"},
        // Value filters.
        Valid{R"(emails[type eq "work"])", R"(emails[type eq "work"])"},
        Valid{R"(emails[not (type eq "work")])", R"(emails[not (type eq "work")])"},
        Valid{R"(emails[type eq "work" or (primary eq true and value pr)])",
              R"(emails[(type eq "work" or (primary eq true and value pr))])"},
        Valid{R"(members[value eq "2819c223"])", R"(members[value eq "2819c223"])"},
        Valid{R"(emails[ type eq "work" ])", R"(emails[type eq "work"])"},
        // Schema-URN-qualified paths.
        Valid{R"(urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J")",
              R"(urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J")"},
        Valid{R"(urn:ietf:params:scim:schemas:core:2.0:User:name.familyName co "O")",
              R"(urn:ietf:params:scim:schemas:core:2.0:User:name.familyName co "O")"},
        Valid{R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984")",
              R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984")"},
        Valid{R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915")",
              R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915")"},
        Valid{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr"},
        // Names with digits, dashes, underscores, $ref.
        Valid{R"(x509Certificates.value pr)", "x509Certificates.value pr"},
        Valid{R"(members.$ref pr)", "members.$ref pr"},
        Valid{R"(my_attr-2 eq "x")", R"(my_attr-2 eq "x")"},
        // Whitespace tolerance.
        Valid{R"(  userName   eq   "a"  )", R"(userName eq "a")"},
        Valid{"userName\teq\t\"a\"", R"(userName eq "a")"},
        Valid{R"(userName eq "a"   and   title pr)", R"((userName eq "a" and title pr))"},
        // Keyword-like attribute names and values.
        Valid{R"(note eq "x")", R"(note eq "x")"},
        Valid{R"(order eq "x")", R"(order eq "x")"},
        Valid{R"(android pr)", "android pr"},
        Valid{R"(userName eq "and")", R"(userName eq "and")"},
        Valid{R"(displayName co "not")", R"(displayName co "not")"}));

struct Invalid {
  const char* filter;
  const char* problem;  // must appear in the detail
};

class InvalidFilterTest : public testing::TestWithParam<Invalid> {};

TEST_P(InvalidFilterTest, IsInvalidFilterNamingTheProblem) {
  auto parsed = ParseFilter(GetParam().filter);
  ASSERT_FALSE(parsed.ok()) << GetParam().filter << " parsed as "
                            << FilterToString(**parsed);
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ScimTypeOf(parsed.status()), "invalidFilter");
  EXPECT_NE(parsed.status().message().find(GetParam().problem), std::string::npos)
      << GetParam().filter << " -> " << parsed.status().message();
  EXPECT_NE(parsed.status().message().find("position"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Grammar, InvalidFilterTest,
    testing::Values(
        Invalid{"", "empty"},
        Invalid{"   ", "empty"},
        Invalid{"userName", "expected an operator"},
        Invalid{"userName eq", "expected a value"},
        Invalid{"userName eq ", "expected a comparison value"},
        Invalid{R"(userName equals "a")", "unknown operator 'equals'"},
        Invalid{R"(userName == "a")", "unknown operator"},
        Invalid{R"(userName eq"a")", "expected a value"},
        Invalid{R"(userName eq "a)", "unterminated string"},
        Invalid{R"(userName eq "a\q")", "invalid escape"},
        Invalid{R"(userName eq "a" and)", "expected an expression"},
        // No value before ')' or ']' (fuzz/attribute_path_fuzzer: read
        // token[0] of an empty token, then took it for the value "").
        Invalid{"(userName eq )", "expected a comparison value but found ')'"},
        Invalid{R"(emails[type eq ])", "expected a comparison value but found ']'"},
        Invalid{R"(userName eq "a" or)", "expected an expression"},
        Invalid{R"(and userName eq "a")", "unknown operator"},
        Invalid{R"(userName eq "a" userName eq "b")", "unexpected"},
        Invalid{R"(userName eq "a" xor title pr)", "unexpected"},
        Invalid{R"((userName eq "a")", "missing ')'"},
        Invalid{R"(userName eq "a"))", "unexpected ')'"},
        Invalid{"()", "expected an attribute name"},
        Invalid{R"(not userName eq "a")", "'not' must be followed by '('"},
        Invalid{"not", "'not' must be followed by '('"},
        Invalid{R"(emails[type eq "work")", "missing ']'"},
        Invalid{"emails[]", "empty"},
        Invalid{R"(emails[type eq "work"]])", "unexpected"},
        Invalid{R"(emails[type[value eq "x"] pr])", "cannot be nested"},
        Invalid{R"(name.givenName[value eq "x"])", "must follow a multi-valued attribute"},
        Invalid{R"(1userName eq "a")", "expected an attribute name"},
        Invalid{R"("userName" eq "a")", "expected an attribute name"},
        Invalid{R"(user*Name eq "a")", "not a valid attribute path"},
        Invalid{R"(name.given.name eq "a")", "not a valid attribute path"},
        Invalid{R"(name. eq "a")", "not a valid attribute path"},
        Invalid{R"(urn:ietf:params:scim:schemas:core:2.0:User: eq "a")", "names no attribute"},
        Invalid{"x eq (", "expected a comparison value"},
        Invalid{"x eq (1)", "expected a comparison value"},
        Invalid{"title pr pr", "unexpected"},
        Invalid{R"(userName eq "a" and (title pr)", "missing ')'"},
        Invalid{"((((((((((((((((((((((((((((((((((((((((", "deeper than 32 levels"},
        // Unquoted text is no compValue (RFC 7644 §3.4.2.2), however
        // plainly some clients mean a string.
        Invalid{"userName eq bjensen", "'bjensen' is not a comparison value"},
        Invalid{"userName eq jdoe@example.com", "not a comparison value"},
        Invalid{"x eq 12abc", "'12abc' is not a comparison value"},
        Invalid{"meta.created gt 2015-10-10T14:38:21.8617979-07:00",
                "quote strings and dateTimes"},
        Invalid{"x eq 1e400", "not a comparison value"},
        Invalid{"x eq truex", "not a comparison value"},
        Invalid{R"(userName eq 'bjensen')", "not a comparison value"},
        // Entra's form still needs its comparison.
        Invalid{R"(emails[type eq "work"].value)", "expected an operator"},
        Invalid{R"(emails[type eq "work"].value eq)", "expected a value"},
        Invalid{R"(emails[type eq "work"].)", "sub-attribute name"},
        Invalid{R"(emails[type eq "work"].value eq "x".y eq "z")", "unexpected"}));

std::string Chain(int terms, const char* join) {
  std::string out = R"(title eq "t0")";
  for (int i = 1; i < terms; ++i) {
    absl::StrAppend(&out, " ", join, " title eq \"t", i, "\"");
  }
  return out;
}

TEST(FilterLimitsTest, TermsUpToTheLimitParse) {
  EXPECT_TRUE(ParseFilter(Chain(kMaxFilterTerms, "and")).ok());
  EXPECT_TRUE(ParseFilter(Chain(kMaxFilterTerms, "or")).ok());
}

TEST(FilterLimitsTest, MoreTermsAreInvalidFilterNamingTheLimit) {
  for (const std::string& filter :
       {Chain(kMaxFilterTerms + 1, "and"), Chain(kMaxFilterTerms + 1, "or"),
        // Hostile: a megabyte of `or`, refused at term 101, not recursed.
        Chain(50000, "or"),
        // The terms inside value filters count too.
        absl::StrCat("emails[", Chain(kMaxFilterTerms, "or"), "].value eq \"x\"")}) {
    auto parsed = ParseFilter(filter);
    ASSERT_FALSE(parsed.ok()) << filter.substr(0, 80);
    EXPECT_EQ(ScimTypeOf(parsed.status()), "invalidFilter");
    EXPECT_NE(parsed.status().message().find("more than 100 comparisons"),
              std::string::npos)
        << parsed.status();
  }
}

TEST(FilterLimitsTest, NestingBeyondTheLimitIsInvalidFilter) {
  std::string ok, deep, nots;
  for (int i = 0; i < kMaxFilterNesting; ++i) ok += "(";
  ok += "title pr";
  for (int i = 0; i < kMaxFilterNesting; ++i) ok += ")";
  EXPECT_TRUE(ParseFilter(ok).ok());
  for (int i = 0; i < 100000; ++i) nots += "not (";
  for (const std::string& filter : {"(" + ok + ")", nots}) {
    auto parsed = ParseFilter(filter);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(ScimTypeOf(parsed.status()), "invalidFilter");
    EXPECT_NE(parsed.status().message().find("deeper than 32 levels"),
              std::string::npos)
        << parsed.status();
  }
}

TEST(FilterPositionTest, DetailNamesTheOneBasedPosition) {
  auto parsed = ParseFilter(R"(userName eq "a" bogus)");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("position 17"), std::string::npos)
      << parsed.status().message();
}

TEST(AttributePathTest, ParsesPatchPaths) {
  struct Case {
    const char* path;
    const char* urn;
    const char* attribute;
    const char* sub;
    bool has_filter;
  } cases[] = {
      {"userName", "", "userName", "", false},
      {"name.givenName", "", "name", "givenName", false},
      {R"(emails[type eq "work"].value)", "", "emails", "value", true},
      {R"(members[value eq "2819c223"])", "", "members", "", true},
      {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
       "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "manager", "",
       false},
      {"urn:ietf:params:scim:schemas:core:2.0:User:name.familyName",
       "urn:ietf:params:scim:schemas:core:2.0:User", "name", "familyName", false},
  };
  for (const Case& c : cases) {
    auto path = ParseAttributePath(c.path);
    ASSERT_TRUE(path.ok()) << c.path << ": " << path.status();
    EXPECT_EQ(path->urn, c.urn) << c.path;
    EXPECT_EQ(path->attribute, c.attribute) << c.path;
    EXPECT_EQ(path->sub_attribute, c.sub) << c.path;
    EXPECT_EQ(path->value_filter != nullptr, c.has_filter) << c.path;
    EXPECT_EQ(path->ToString(), std::string(c.path).find("[") == std::string::npos
                                    ? std::string(c.path)
                                    : path->ToString());
  }
  for (const char* bad : {"", "emails[type eq \"work\"", "a b", "emails[].value",
                          "name..x", "emails[type eq \"w\"].", "9lives"}) {
    auto path = ParseAttributePath(bad);
    EXPECT_FALSE(path.ok()) << bad;
    EXPECT_EQ(ScimTypeOf(path.status()), "invalidPath") << bad;
  }
}

// fuzz/attribute_path_fuzzer: a PATCH path whose value filter compares with
// unquoted bytes that are not UTF-8 (and NULs) made ToString throw
// nlohmann's type_error 316 out of the engine.
// Found by fuzz/filter_fuzzer: a 100-term chain (within the term limit)
// printed as 99 nested parentheses, which the nesting limit refused on the
// way back.
TEST(FilterTest, LongestAllowedChainRoundTrips) {
  std::string text = R"(userName eq "u0")";
  for (int i = 1; i < kMaxFilterTerms; ++i) {
    absl::StrAppend(&text, i % 2 ? " or " : " and ", "userName eq \"u", i, "\"");
  }
  auto parsed = ParseFilter(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const std::string canonical = FilterToString(**parsed);
  auto again = ParseFilter(canonical);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(FilterToString(**again), canonical);
}

// Found by fuzz/filter_fuzzer: invalid UTF-8 in an unquoted value made
// ToString throw. Such values are refused now, quoted or not, without a throw.
TEST(AttributePathTest, InvalidUtf8IsRefusedWithoutAThrow) {
  for (const std::string text :
       {std::string("emails[type eq \x01\0\0\xdc" "k\"].value", 28),
        std::string("emails[type eq \"\xdc\xff" "k\"].value")}) {
    absl::StatusOr<AttributePath> path;
    EXPECT_NO_THROW(path = ParseAttributePath(text));
    EXPECT_FALSE(path.ok());
  }
}

}  // namespace
}  // namespace scim
