// Range filters (gt, ge, lt, le) on unique and indexed attributes, over
// every KvStore: the planner reads them from an index, its candidates hold
// every match (exactly the matches for one comparison), and List answers
// what the evaluator says of every resource, at, just before and just after
// boundary values, in any case for case-insensitive attributes.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/proto_util.h"
#include "gtest/gtest.h"
#include "identity-service/counting_kv_store_for_tests.h"
#include "identity-service/message_fields.h"
#include "identity-service/query_planner.h"
#include "identity-service/store_test_fixture.h"

namespace scim::identity {
namespace {

using v1::Group;
using v1::User;

// RFC 3339 text of `t` at a UTC offset (seconds).
std::string At(absl::Time t, int offset = 0) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::FixedTimeZone(offset));
}

struct Row {
  std::string filter;
  bool planned;  // read from an index, not a scan
  bool exact;    // the candidates are the matches, no more
};

class IndexQueryTest : public StoreTest {
 protected:
  // Each resource one second and 123 ns after the previous one.
  template <typename R>
  R Create(const ResourceType& type, R resource, const std::string& tenant = "acme") {
    clock_.Advance(absl::Seconds(1) + absl::Nanoseconds(123));
    absl::Status s = store_->Create(type, tenant, &resource, ctx_);
    EXPECT_TRUE(s.ok()) << s;
    return resource;
  }
  std::vector<User> SeedUsers() {
    struct Seed {
      const char* user_name;
      const char* external_id;
      std::vector<const char*> emails;
      const char* display_name;
    };
    const Seed seeds[] = {
        {"al", "EXT-1", {"a@x"}, "Person 1"},
        {"Alice", "ext-1", {"Alice@X", "d@x"}, "person 2"},
        {"alice.b", "Ext-2", {"b@x"}, "PERSON 3"},
        {"ALICE.C", "ext-10", {"B@x", "c@x"}, ""},
        {"alicea", "ext-2", {}, "Person 1"},
        {"alicf", "", {"c@X"}, "person 10"},
        {"Bob", "EXT-10", {"a@x", "d@x"}, "Bob"},
        {"bob-2", "ext-", {"b@x"}, "bob"},
        {"x", "x", {"x@x"}, "X"},
        {"X.y", "X", {"X@x"}, "x"},
        {"xa", "xa", {"xa@x"}, "Xa"},
        {"XB", "Xb", {"xb@x"}, ""},
        {"y", "y", {"y@x"}, "y"},
    };
    std::vector<User> users;
    for (const Seed& seed : seeds) {
      User u;
      u.set_user_name(seed.user_name);
      u.set_external_id(seed.external_id);
      u.set_display_name(seed.display_name);
      for (const char* e : seed.emails) u.add_emails()->set_value(e);
      users.push_back(Create(UserResourceType(), u));
      // Another tenant's look-alike, which no range may reach into.
      Create(UserResourceType(), u, "acme-2");
    }
    return users;
  }
  static absl::Time LastModified(const google::protobuf::Message& m) {
    return FromTimestamp(GetMeta(m).last_modified());
  }
  // Checks one row against the evaluator over every resource of `type`.
  void Check(const ResourceType& type, const Row& row) {
    SCOPED_TRACE(row.filter);
    v1::ListRequest all;
    all.set_count(200);
    ListResult everyone;
    ASSERT_TRUE(store_->List(type, "acme", all, &everyone).ok());
    auto compiled = CompiledFilter::Compile(store_->SchemaOf(type), row.filter);
    ASSERT_TRUE(compiled.ok()) << compiled.status();
    std::vector<std::string> expected;
    for (const auto& m : everyone.resources) {
      if (compiled->Matches(*m)) expected.push_back(Id(*m));
    }
    auto plan = PlanCandidates(*kv_, store_->KeysOf(type), "acme", compiled->root());
    ASSERT_TRUE(plan.ok()) << plan.status();
    ASSERT_EQ(plan->has_value(), row.planned);
    if (row.planned) {
      const std::vector<std::string>& candidates = **plan;
      EXPECT_TRUE(std::is_sorted(candidates.begin(), candidates.end()));
      EXPECT_TRUE(std::includes(candidates.begin(), candidates.end(), expected.begin(),
                                expected.end()))
          << "a match is not a candidate";
      if (row.exact) EXPECT_EQ(candidates, expected);
    }
    v1::ListRequest request;
    request.set_filter(row.filter);
    request.set_count(200);
    ListResult listed;
    ASSERT_TRUE(store_->List(type, "acme", request, &listed).ok());
    std::vector<std::string> ids;
    for (const auto& m : listed.resources) ids.push_back(Id(*m));
    EXPECT_EQ(ids, expected);
    ++checked_;
    if (!expected.empty() && expected.size() < everyone.resources.size()) ++selective_;
  }
  static std::string Id(const google::protobuf::Message& m) {
    return m.GetReflection()->GetString(m, m.GetDescriptor()->FindFieldByName("id"));
  }

  int checked_ = 0;
  int selective_ = 0;  // rows some but not all resources match
};

TEST_P(IndexQueryTest, UserRangesEqualTheEvaluatorsAnswer) {
  std::vector<User> users = SeedUsers();
  // Later writes move meta.lastModified past meta.created.
  for (int i : {2, 7, 4}) {
    clock_.Advance(absl::Seconds(1) + absl::Nanoseconds(7));
    User u = users[i];
    u.set_title("moved");
    const std::string id = u.id();  // Replace rewrites `u`, id included
    absl::Status s = store_->Replace(UserResourceType(), "acme", id, "", &u, ctx_);
    ASSERT_TRUE(s.ok()) << s;
    users[i] = u;
  }
  auto lm = [&](int i, absl::Duration d = absl::ZeroDuration(), int offset = 0) {
    return absl::StrCat("\"", At(LastModified(users[i]) + d, offset), "\"");
  };
  const absl::Duration ns = absl::Nanoseconds(1);
  // Half a nanosecond finer than any stored instant (RFC 3339 allows it).
  const std::string finer = absl::StrCat(
      "\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E9S", LastModified(users[5]), absl::UTCTimeZone()),
      "5Z\"");
  const std::vector<Row> rows = {
      // userName: unique, case-insensitive.
      {R"(userName gt "alice")", true, true},
      {R"(userName ge "ALICE")", true, true},
      {R"(userName lt "Alice")", true, true},
      {R"(userName le "alice")", true, true},
      {R"(userName gt "alic")", true, true},
      {R"(userName ge "alicea")", true, true},
      {R"(userName lt "ALICE.B")", true, true},
      {R"(userName le "al")", true, true},
      {R"(userName gt "")", true, true},
      {R"(userName lt "")", true, true},
      {R"(userName gt "X")", true, true},
      {R"(userName le "x")", true, true},
      {R"(userName lt "XA")", true, true},
      {R"(userName ge "zzz")", true, true},
      // externalId: caseExact, so "EXT-1" < "Ext-2" < "ext-1".
      {R"(externalId gt "EXT-1")", true, true},
      {R"(externalId ge "ext-1")", true, true},
      {R"(externalId lt "Ext-2")", true, true},
      {R"(externalId le "ext-10")", true, true},
      {R"(externalId gt "ext-1")", true, true},
      {R"(externalId gt "X")", true, true},
      {R"(externalId lt "x")", true, true},
      // emails.value: multi-valued, case-insensitive.
      {R"(emails.value gt "b@x")", true, true},
      {R"(emails.value le "B@X")", true, true},
      {R"(emails.value lt "b")", true, true},
      {R"(emails.value ge "C@x")", true, true},
      {R"(emails gt "x")", true, true},
      {R"(displayName ge "person")", true, true},
      {R"(displayName lt "PERSON 3")", true, true},
      {R"(displayName gt "person 1")", true, true},
      // meta.lastModified: at, around, in other offsets, finer than stored.
      {"meta.lastModified gt " + lm(5), true, true},
      {"meta.lastModified ge " + lm(5), true, true},
      {"meta.lastModified lt " + lm(5), true, true},
      {"meta.lastModified le " + lm(5), true, true},
      {"meta.lastModified gt " + lm(5, -ns), true, true},
      {"meta.lastModified ge " + lm(5, ns), true, true},
      {"meta.lastModified lt " + lm(5, ns), true, true},
      {"meta.lastModified le " + lm(5, -ns), true, true},
      {"meta.lastModified eq " + lm(5), true, true},
      {"meta.lastModified eq " + lm(5, ns), true, true},
      {"meta.lastModified gt " + lm(2, absl::ZeroDuration(), 19800), true, true},
      {"meta.lastModified le " + lm(7, absl::ZeroDuration(), -25200), true, true},
      {"meta.lastModified lt " + finer, true, true},
      {"meta.lastModified gt " + finer, true, true},
      {"meta.lastModified ge " + finer, true, true},
      {"meta.lastModified eq " + finer, true, false},
      {R"(meta.lastModified gt "2999-01-01T00:00:00Z")", true, true},
      {R"(meta.lastModified lt "1999-01-01T00:00:00+14:00")", true, true},
      // Combined.
      {"meta.lastModified gt " + lm(1) + " and meta.lastModified lt " + lm(9), true, true},
      {"meta.lastModified ge " + lm(3) + " and meta.lastModified le " + lm(3), true, true},
      {"meta.lastModified lt " + lm(3) + " and meta.lastModified gt " + lm(9), true, true},
      {R"(userName gt "b" and userName le "x")", true, true},
      {R"(userName ge "alice" and userName lt "ALICE.C")", true, true},
      {R"(userName sw "ali" and userName gt "alice.b")", true, true},
      // Multi-valued: each comparison may hold for another value.
      {R"(emails.value ge "b" and emails.value lt "c")", true, false},
      {R"(emails.value lt "b" and emails.value gt "c")", true, false},
      {"externalId gt \"ext\" and meta.lastModified le " + lm(5), true, false},
      {"userName sw \"ali\" and meta.lastModified gt " + lm(3), true, false},
      {"meta.lastModified gt " + lm(8) + R"( or userName lt "alice")", true, true},
      {R"(userName gt "alice" and title pr)", true, false},
      {R"(displayName ge "p" and (title pr or userName lt "b"))", true, false},
      // Not from an index: negations, unindexed attributes.
      {R"(not (userName gt "b"))", false, false},
      {"meta.created gt " + lm(5), false, false},
      {R"(userName gt "b" or nickName pr)", false, false},
  };
  for (const Row& row : rows) Check(UserResourceType(), row);
  EXPECT_EQ(checked_, static_cast<int>(rows.size()));
  // Every row but the 8 meant to match all or nothing tells matches from
  // non-matches.
  EXPECT_EQ(selective_, static_cast<int>(rows.size()) - 8);
}

TEST_P(IndexQueryTest, GroupRangesEqualTheEvaluatorsAnswer) {
  std::vector<Group> groups;
  for (const char* name : {"Admins", "admins-2", "Sales", "sales EU", "SALES-US", "Zeta"}) {
    Group g;
    g.set_display_name(name);
    g.set_external_id(absl::StrCat("G-", name));
    groups.push_back(Create(GroupResourceType(), g));
  }
  const std::string t2 = absl::StrCat("\"", At(LastModified(groups[2])), "\"");
  const std::vector<Row> rows = {
      {R"(displayName gt "sales")", true, true},
      {R"(displayName ge "ADMINS-2")", true, true},
      {R"(displayName lt "Sales EU")", true, true},
      {R"(displayName le "sales-us")", true, true},
      {R"(externalId gt "G-Sales")", true, true},
      {"meta.lastModified gt " + t2, true, true},
      {"meta.lastModified le " + t2, true, true},
      {"meta.lastModified gt " + t2 + R"( and displayName lt "zeta")", true, false},
  };
  for (const Row& row : rows) Check(GroupResourceType(), row);
  EXPECT_EQ(selective_, static_cast<int>(rows.size()));
}

// In an `and`, the conjunct expected to give the fewest candidates is
// read, and two ranges on one attribute are one scan.
TEST_P(IndexQueryTest, AndReadsTheNarrowerConjunct) {
  std::vector<User> users = SeedUsers();
  CountingKvStore counting(kv_.get());
  ResourceStore store(&counting, outbox_.get(), &CoreRegistryForTests(), &clock_, &random_);
  auto lm = [&](int i) { return absl::StrCat("\"", At(LastModified(users[i])), "\""); };
  struct Case {
    std::string filter;
    int results;
    int index_keys;  // visited in `index`
    int resources;   // read from `resources`
  };
  const Case cases[] = {
      // One scan from the lower bound, stopped by the key past the upper.
      {"meta.lastModified gt " + lm(2) + " and meta.lastModified lt " + lm(6), 3, 3 + 1, 3},
      {"meta.lastModified lt " + lm(6) + " and meta.lastModified ge " + lm(2), 4, 4 + 1, 4},
      {"meta.lastModified gt " + lm(0) + R"( and userName eq "BOB")", 1, 0, 1},
      {"meta.lastModified gt " + lm(0) + R"( and externalId eq "x")", 1, 1, 1},
      {"meta.lastModified gt " + lm(11) + R"( and userName gt "a")", 1, 1, 1},
      {R"(userName sw "ali" and meta.lastModified gt )" + lm(11), 0, 0, 5},
  };
  for (const Case& c : cases) {
    counting.Reset();
    v1::ListRequest request;
    request.set_filter(c.filter);
    ListResult result;
    ASSERT_TRUE(store.List(UserResourceType(), "acme", request, &result).ok()) << c.filter;
    EXPECT_EQ(result.total_results, c.results) << c.filter;
    EXPECT_EQ(counting.visited(kIndexCf), c.index_keys) << c.filter;
    EXPECT_EQ(counting.gets(kResourcesCf), c.resources) << c.filter;
    EXPECT_EQ(counting.visited(kResourcesCf), 0) << c.filter;
  }
}

INSTANTIATE_TEST_SUITE_P(AllStores, IndexQueryTest, AllKvStores(), KvStoreName);

}  // namespace
}  // namespace scim::identity
