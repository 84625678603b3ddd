// The evaluator, per attribute type and operator, over a real User.
#include "scim/filter_eval.h"
#include "scim/core_registry_for_tests.h"

#include "common/status.h"
#include "gtest/gtest.h"
#include "scim/v1/resources.pb.h"

namespace scim {
namespace {

const ResourceTypeSchema& UserType() {
  return *CoreRegistryForTests().FindResourceType("User");
}

v1::User Babs() {
  v1::User u;
  u.set_id("2819c223-7f76-453a-919d-413861904646");
  u.set_external_id("Ext-701984");
  u.set_user_name("bjensen@example.com");
  u.mutable_name()->set_family_name("Jensen");
  u.mutable_name()->set_given_name("Barbara");
  u.set_display_name("Babs Jensen");
  u.set_title("Tour Guide");
  u.set_user_type("Employee");
  u.set_active(true);
  auto* work = u.add_emails();
  work->set_value("bjensen@example.com");
  work->set_type("work");
  work->set_primary(true);
  auto* home = u.add_emails();
  home->set_value("babs@jensen.org");
  home->set_type("home");
  auto* x509 = u.add_x509_certificates();
  x509->set_value("MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx");
  u.mutable_enterprise_user()->set_employee_number("701984");
  u.mutable_enterprise_user()->mutable_manager()->set_value("26118915-6090");
  u.mutable_meta()->mutable_created()->set_seconds(1300000000);  // 2011-03-13
  u.mutable_meta()->mutable_last_modified()->set_seconds(1305261754);  // 2011-05-13T04:42:34Z
  u.mutable_meta()->set_version("W/\"3\"");
  return u;
}

struct Case {
  const char* filter;
  bool matches;
};

class EvaluateTest : public testing::TestWithParam<Case> {};

TEST_P(EvaluateTest, MatchesAsTheRfcSays) {
  auto compiled = CompiledFilter::Compile(UserType(), GetParam().filter);
  ASSERT_TRUE(compiled.ok()) << GetParam().filter << ": " << compiled.status();
  EXPECT_EQ(compiled->Matches(Babs()), GetParam().matches) << GetParam().filter;
}

INSTANTIATE_TEST_SUITE_P(
    PerTypeAndOperator, EvaluateTest,
    testing::Values(
        // string, caseExact=false
        Case{R"(userName eq "BJENSEN@example.com")", true},
        Case{R"(userName eq "bjensen")", false},
        Case{R"(userName ne "someone")", true},
        Case{R"(userName ne "bjensen@EXAMPLE.com")", false},
        Case{R"(userName co "JENSEN")", true},
        Case{R"(userName co "xyz")", false},
        Case{R"(userName sw "BJ")", true},
        Case{R"(userName sw "jensen")", false},
        Case{R"(userName ew ".COM")", true},
        Case{R"(userName ew ".org")", false},
        Case{R"(userName gt "a")", true},
        Case{R"(userName gt "c")", false},
        Case{R"(userName ge "bjensen@example.com")", true},
        Case{R"(userName lt "c")", true},
        Case{R"(userName le "b")", false},
        Case{R"(name.familyName eq "jensen")", true},
        Case{R"(name.formatted pr)", false},
        Case{R"(title pr)", true},
        Case{R"(nickName pr)", false},
        Case{R"(nickName eq null)", true},
        Case{R"(title ne null)", true},
        Case{R"(nickName ne "x")", true},
        // string, caseExact=true (id, externalId)
        Case{R"(externalId eq "Ext-701984")", true},
        Case{R"(externalId eq "ext-701984")", false},
        Case{R"(externalId sw "Ext")", true},
        Case{R"(externalId sw "ext")", false},
        Case{R"(id eq "2819c223-7f76-453a-919d-413861904646")", true},
        // boolean
        Case{"active eq true", true},
        Case{"active eq false", false},
        Case{"active ne false", true},
        Case{R"(active eq "True")", true},
        Case{"active pr", true},
        // multi-valued: any value matches
        Case{R"(emails.value eq "BABS@jensen.org")", true},
        Case{R"(emails co "jensen.org")", true},
        Case{R"(emails.type eq "other")", false},
        Case{R"(emails.value ne "babs@jensen.org")", false},
        Case{R"(emails pr)", true},
        Case{R"(phoneNumbers pr)", false},
        // value filters: one element satisfies the whole inner filter
        Case{R"(emails[type eq "work" and value co "@example.com"])", true},
        Case{R"(emails[type eq "home" and value co "@example.com"])", false},
        Case{R"(emails[type eq "work" and primary eq true])", true},
        Case{R"(emails[type eq "home" and primary eq true])", false},
        Case{R"(emails[not (type eq "work")])", true},
        Case{R"(emails[type eq "work"] and emails[type eq "home"])", true},
        Case{R"(addresses[type eq "work"])", false},
        // dateTime
        Case{R"(meta.lastModified gt "2011-05-13T04:42:33Z")", true},
        // 7 fractional digits and an offset, as Entra sends (quoted).
        Case{R"(meta.lastModified gt "2011-05-12T21:42:33.8617979-07:00")", true},
        Case{R"(meta.lastModified lt "2011-05-13T04:42:34.0000001Z")", true},
        // Instants, every operator: the same instant in other offsets and
        // precisions (stored: 2011-05-13T04:42:34Z).
        Case{R"(meta.lastModified eq "2011-05-13T06:42:34+02:00")", true},
        Case{R"(meta.lastModified eq "2011-05-12T21:42:34.000000000-07:00")", true},
        Case{R"(meta.lastModified ne "2011-05-13T06:42:34+02:00")", false},
        Case{R"(meta.lastModified ne "2011-05-13T06:42:34.5+02:00")", true},
        Case{R"(meta.lastModified le "2011-05-13T06:42:34+02:00")", true},
        Case{R"(meta.lastModified lt "2011-05-13T06:42:34+02:00")", false},
        Case{R"(meta.lastModified ge "2011-05-13t04:42:34z")", true},
        Case{R"(meta.lastModified gt "2011-05-13T04:42:33.999999999Z")", true},
        // Beyond 2262, where nanoseconds overflow an int64: the bug was
        // `ge "2999-…"` matching every user.
        Case{R"(meta.created ge "2999-01-01T00:00:00Z")", false},
        Case{R"(meta.created gt "2999-01-01T00:00:00Z")", false},
        Case{R"(meta.created lt "2999-01-01T00:00:00Z")", true},
        Case{R"(meta.lastModified le "9999-12-31T23:59:59.999999999Z")", true},
        Case{R"(meta.created gt "0001-01-01T00:00:00Z")", true},
        Case{R"(meta.created lt "1677-01-01T00:00:00Z")", false},
        // Entra's `emails[type eq "work"].value eq "x"`: one element both.
        Case{R"(emails[type eq "work"].value eq "bjensen@example.com")", true},
        Case{R"(emails[type eq "home"].value eq "bjensen@example.com")", false},
        Case{R"(emails[type eq "home"].value co "jensen.org")", true},
        Case{R"(emails[type eq "work"].display pr)", false},
        Case{R"(meta.lastModified gt "2011-05-13T04:42:34Z")", false},
        Case{R"(meta.lastModified ge "2011-05-13T04:42:34Z")", true},
        Case{R"(meta.lastModified eq "2011-05-13T04:42:34.000Z")", true},
        Case{R"(meta.lastModified lt "2011-05-13T06:42:34+02:00")", false},
        Case{R"(meta.created lt "2012-01-01T00:00:00Z")", true},
        Case{R"(meta.created le "2011-01-01T00:00:00Z")", false},
        // Beyond int64 nanoseconds (years after 2262 or before 1677): the
        // conversion overflowed (fuzz/filter_fuzzer); now saturated.
        Case{R"(meta.created lt "9999-12-31T23:59:59Z")", true},
        Case{R"(meta.created gt "9999-12-31T23:59:59Z")", false},
        Case{R"(meta.created gt "0001-01-01T00:00:00Z")", true},
        Case{R"(meta.lastModified le "2262-04-12T00:00:00Z")", true},
        // reference / binary
        Case{R"(meta.version eq "W/\"3\"")", true},
        Case{R"(x509Certificates.value sw "MIID")", true},
        Case{R"(x509Certificates.value sw "miid")", false},
        // extension, URN-qualified, and case-insensitive names
        Case{R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984")", true},
        Case{R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090")", true},
        Case{R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department pr)", false},
        Case{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User pr", true},
        Case{R"(urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bj")", true},
        Case{R"(USERNAME eq "bjensen@example.com")", true},
        Case{R"(Name.FamilyName eq "Jensen")", true},
        // logic
        Case{R"(userType eq "Employee" and (emails co "example.com" or emails.value co "example.org"))", true},
        Case{R"(userType ne "Employee" and not (emails co "example.com"))", false},
        Case{R"(title pr and userType eq "Intern")", false},
        Case{R"(title pr or userType eq "Intern")", true},
        Case{R"(not (title pr))", false},
        Case{R"(not (nickName pr) and not (userType eq "Intern"))", true}));

struct Bad {
  const char* filter;
  const char* problem;
};

class BindErrorTest : public testing::TestWithParam<Bad> {};

TEST_P(BindErrorTest, IsInvalidFilter) {
  auto compiled = CompiledFilter::Compile(UserType(), GetParam().filter);
  ASSERT_FALSE(compiled.ok()) << GetParam().filter;
  EXPECT_EQ(ScimTypeOf(compiled.status()), "invalidFilter");
  EXPECT_NE(compiled.status().message().find(GetParam().problem), std::string::npos)
      << compiled.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Types, BindErrorTest,
    testing::Values(
        Bad{R"(nosuch eq "x")", "is not an attribute of User"},
        Bad{R"(name.nosuch eq "x")", "has no sub-attribute 'nosuch'"},
        Bad{R"(userName.x eq "x")", "has no sub-attributes"},
        Bad{R"(urn:example:ext:1.0:User:x eq "x")", "names a schema"},
        Bad{R"(urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:nosuch pr)", "is not an attribute of"},
        Bad{"active gt true", "not defined for boolean"},
        Bad{R"(active co "t")", "not defined for boolean"},
        Bad{R"(active eq "yes")", "must be true or false"},
        Bad{"userName eq 5", "must be a string"},
        Bad{R"(meta.created gt "yesterday")", "RFC 3339"},
        Bad{R"(meta.created co "2011")", "not defined for dateTime"},
        Bad{R"(meta.created sw "2011")", "not defined for dateTime"},
        Bad{R"(meta.created ew "Z")", "not defined for dateTime"},
        Bad{R"(meta.created gt "2011-05-13T04:42:34")", "RFC 3339"},
        Bad{R"(meta.created gt "2011-05-13")", "RFC 3339"},
        Bad{R"(meta.created gt "2011-13-13T04:42:34Z")", "RFC 3339"},
        Bad{"meta.created gt 1305261754", "RFC 3339"},
        Bad{R"(emails[type eq "work"].nosuch eq "x")", "is not a sub-attribute of 'emails'"},
        Bad{R"(emails[type eq "work"].primary eq "x")", "must be true or false"},
        Bad{R"(x509Certificates.value gt "A")", "not defined for binary"},
        Bad{R"(name eq "x")", "is complex"},
        Bad{R"(userName gt null)", "cannot compare with null"},
        Bad{R"(password eq "secret")", "never returned"},
        Bad{R"(userName[value eq "x"])", "not a multi-valued complex"},
        Bad{R"(emails[nosuch eq "x"])", "is not a sub-attribute of 'emails'"},
        Bad{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User eq \"x\"",
            "is a schema"}));

// fuzz/filter_fuzzer: the type-mismatch detail quoted a value that is not
// UTF-8 with nlohmann's dump, which threw type_error 316.
TEST(CompileTest, MismatchDetailOfInvalidUtf8DoesNotThrow) {
  absl::StatusOr<CompiledFilter> compiled;
  EXPECT_NO_THROW(compiled = CompiledFilter::Compile(
                      UserType(), "meta.lastModified le \x83\x83\x83"));
  EXPECT_EQ(ScimTypeOf(compiled.status()), "invalidFilter");
}

}  // namespace
}  // namespace scim
