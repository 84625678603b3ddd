// What a list page costs, checked structurally over every KvStore: index
// pages anywhere in a tenant read only their own records (the counts find
// where they start), cursor pages seek to their position, sorted pages keep
// only the best positions and equal the slices of the whole sorted list,
// sorts by an indexed attribute walk its entries, and a query over the scan
// limit answers 400 tooMany before it reads.
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "identity-service/keys.h"
#include "identity-service/store_test_fixture.h"

namespace scim::identity {
namespace {

using v1::User;

class ListCostTest : public CountingStoreTest {
 protected:
  // `n` users, created 20 ms apart (as an import spreads ids over time).
  std::vector<std::string> Seed(int n) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      clock_.Advance(absl::Milliseconds(20));
      User u;
      u.set_user_name(absl::StrCat(i % 2 ? "odd" : "even", i));
      u.mutable_name()->set_family_name(absl::StrCat("F", (i * 37) % 101));
      EXPECT_TRUE(store_->Create(UserResourceType(), "acme", &u, ctx_).ok());
      ids.push_back(u.id());
    }
    return ids;
  }
  absl::StatusOr<ListResult> List(const v1::ListRequest& request) {
    ListResult result;
    RETURN_IF_ERROR(store_->List(UserResourceType(), "acme", request, &result));
    return result;
  }
  static std::vector<std::string> Ids(const ListResult& r) {
    std::vector<std::string> ids;
    for (const auto& m : r.resources) ids.push_back(static_cast<const User&>(*m).id());
    return ids;
  }
};

TEST_P(ListCostTest, IndexPagesReadOnlyTheirRecordsWhereverTheyStart) {
  const std::vector<std::string> ids = Seed(600);
  for (int start : {1, 2, 255, 290, 511, 591, 600, 601, 5000}) {
    v1::ListRequest request;
    request.set_start_index(start);
    request.set_count(10);
    counting_->Reset();
    auto page = List(request);
    ASSERT_TRUE(page.ok()) << page.status();
    std::vector<std::string> expected(
        ids.begin() + std::min<size_t>(ids.size(), start - 1),
        ids.begin() + std::min<size_t>(ids.size(), start - 1 + 10));
    EXPECT_EQ(Ids(*page), expected) << "startIndex=" << start;
    EXPECT_EQ(page->total_results, 600);
    EXPECT_LE(counting_->visited(kResourcesCf), 11) << "startIndex=" << start;
    // The counters of one node per level, not one per resource before it.
    EXPECT_LE(counting_->visited(kCountsCf), 300) << "startIndex=" << start;
  }
}

TEST_P(ListCostTest, CursorPagesSeekToTheirPosition) {
  const std::vector<std::string> ids = Seed(300);
  v1::ListRequest request;
  request.set_count(20);
  request.set_cursor("");
  std::vector<std::string> seen, previous_cursors;
  for (int guard = 0; guard < 40; ++guard) {
    counting_->Reset();
    auto page = List(request);
    ASSERT_TRUE(page.ok()) << page.status();
    // The page, one key past it, and one key before it (previousCursor).
    EXPECT_LE(counting_->visited(kResourcesCf), 22) << "page " << guard;
    EXPECT_EQ(page->total_results, 300);
    for (auto& id : Ids(*page)) seen.push_back(id);
    previous_cursors.push_back(page->previous_cursor);
    if (page->next_cursor.empty()) break;
    request.set_cursor(page->next_cursor);
  }
  EXPECT_EQ(seen, ids);
  // Backward: previousCursor of the last page gives the page before it.
  request.set_cursor(previous_cursors.back());
  counting_->Reset();
  auto back = List(request);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(Ids(*back), std::vector<std::string>(ids.end() - 40, ids.end() - 20));
  EXPECT_LE(counting_->visited(kResourcesCf), 22);
}

TEST_P(ListCostTest, SortedPagesAreTheSlicesOfTheWholeSortedList) {
  Seed(60);
  for (const char* filter : {"", R"(userName sw "odd")"}) {
    for (const char* order : {"ascending", "descending"}) {
      v1::ListRequest all;
      all.set_filter(filter);
      all.set_sort_by("name.familyName");
      all.set_sort_order(order);
      all.set_count(1000);
      auto whole = List(all);
      ASSERT_TRUE(whole.ok()) << whole.status();
      const std::vector<std::string> sorted = Ids(*whole);
      for (int start : {1, 2, 17, 29, 30, 31, 59, 60, 61, 90}) {
        for (int count : {0, 1, 7, 100}) {
          v1::ListRequest request = all;
          request.set_start_index(start);
          request.set_count(count);
          auto page = List(request);
          ASSERT_TRUE(page.ok()) << page.status();
          const size_t b = std::min<size_t>(sorted.size(), start - 1);
          const size_t e = std::min<size_t>(sorted.size(), b + count);
          EXPECT_EQ(Ids(*page), std::vector<std::string>(sorted.begin() + b,
                                                         sorted.begin() + e))
              << filter << " " << order << " start=" << start << " count=" << count;
          EXPECT_EQ(page->total_results, static_cast<int64_t>(sorted.size()));
        }
      }
    }
  }
}

TEST_P(ListCostTest, SortingByUserNameWalksItsUniqueKeys) {
  Seed(45);
  for (const char* order : {"ascending", "descending"}) {
    // The same order through the general path: a filter every user matches.
    v1::ListRequest reference;
    reference.set_filter("userName pr");
    reference.set_sort_by("userName");
    reference.set_sort_order(order);
    reference.set_count(1000);
    auto whole = List(reference);
    ASSERT_TRUE(whole.ok()) << whole.status();
    const std::vector<std::string> sorted = Ids(*whole);
    ASSERT_EQ(sorted.size(), 45u);
    for (int start : {1, 2, 30, 45, 46}) {
      v1::ListRequest request;
      request.set_sort_by("userName");
      request.set_sort_order(order);
      request.set_start_index(start);
      request.set_count(10);
      counting_->Reset();
      auto page = List(request);
      ASSERT_TRUE(page.ok()) << page.status();
      const size_t b = std::min<size_t>(45, start - 1), e = std::min<size_t>(45, b + 10);
      EXPECT_EQ(Ids(*page), std::vector<std::string>(sorted.begin() + b, sorted.begin() + e))
          << order << " start=" << start;
      EXPECT_EQ(page->total_results, 45);
      EXPECT_EQ(counting_->visited(kResourcesCf), 0) << "no record is scanned";
      EXPECT_LE(counting_->visited(kUniqueCf), start + 10);
    }
    // Cursor pages forward, then back from the last one.
    v1::ListRequest request;
    request.set_sort_by("userName");
    request.set_sort_order(order);
    request.set_count(10);
    request.set_cursor("");
    std::vector<std::string> seen;
    std::vector<std::vector<std::string>> pages;
    std::string previous;
    for (int guard = 0; guard < 10; ++guard) {
      counting_->Reset();
      auto page = List(request);
      ASSERT_TRUE(page.ok()) << page.status();
      EXPECT_LE(counting_->visited(kUniqueCf), 11);
      pages.push_back(Ids(*page));
      for (auto& id : Ids(*page)) seen.push_back(id);
      previous = page->previous_cursor;
      if (page->next_cursor.empty()) break;
      request.set_cursor(page->next_cursor);
    }
    EXPECT_EQ(seen, sorted) << order;
    ASSERT_GE(pages.size(), 2u);
    request.set_cursor(previous);
    auto back = List(request);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(Ids(*back), pages[pages.size() - 2]) << order;
  }
}

// Users whose displayName (folded order, some equal but for case, some
// missing), externalId (exact order, some missing) and meta.lastModified
// (rewritten out of creation order) give sorts with ties and gaps; and the
// order each attribute's sort must give, worked out here from what was
// written (not by the code under test).
struct SortSeed {
  std::vector<std::string> ids;
  std::map<std::string, std::vector<std::string>> sorted;  // "attr/order"
};

SortSeed SeedForSorts(ResourceStore& store, FakeClock& clock, const RequestContext& ctx,
                      int n) {
  struct Row {
    std::string id;
    std::optional<std::string> display, external;
    int written = 0;  // the order of the last write: meta.lastModified's
  };
  std::vector<Row> rows;
  int writes = 0;
  for (int i = 0; i < n; ++i) {
    clock.Advance(absl::Milliseconds(20));
    User u;
    u.set_user_name(absl::StrCat("u", i));
    Row row;
    if (i % 7 != 3) row.display = absl::StrCat(i % 2 ? "Name" : "NAME", i % 5);
    if (i % 4 != 1) row.external = absl::StrCat(i % 3 ? "e" : "E", i % 9);
    if (row.display) u.set_display_name(*row.display);
    if (row.external) u.set_external_id(*row.external);
    EXPECT_TRUE(store.Create(UserResourceType(), "acme", &u, ctx).ok());
    row.id = u.id();
    row.written = writes++;
    rows.push_back(row);
  }
  for (int i = n - 1; i >= 0; i -= 3) {  // newest first: lastModified reorders
    clock.Advance(absl::Milliseconds(20));
    User u;
    u.set_user_name(absl::StrCat("u", i));
    if (rows[i].display) u.set_display_name(*rows[i].display);
    if (rows[i].external) u.set_external_id(*rows[i].external);
    EXPECT_TRUE(store.Replace(UserResourceType(), "acme", rows[i].id, "", &u, ctx).ok());
    rows[i].written = writes++;
  }
  SortSeed seed;
  for (const Row& row : rows) seed.ids.push_back(row.id);
  using Key = std::optional<std::string>;
  const std::vector<std::pair<std::string, std::function<Key(const Row&)>>> attributes = {
      {"displayName",
       [](const Row& r) -> Key {
         if (!r.display) return std::nullopt;
         return absl::AsciiStrToLower(*r.display);
       }},
      {"externalId", [](const Row& r) { return r.external; }},
      {"meta.lastModified",
       [](const Row& r) -> Key { return absl::StrFormat("%08d", r.written); }}};
  for (const auto& [attribute, key_of] : attributes) {
    for (bool descending : {false, true}) {
      std::vector<Row> order = rows;
      // Values first (descending: the reverse of ascending, ties too), then
      // the users without one, by id.
      std::sort(order.begin(), order.end(), [&, &key_of = key_of](const Row& a, const Row& b) {
        const Key ka = key_of(a), kb = key_of(b);
        if (ka.has_value() != kb.has_value()) return ka.has_value();
        if (!ka.has_value()) return a.id < b.id;
        const auto ta = std::tie(*ka, a.id), tb = std::tie(*kb, b.id);
        return descending ? tb < ta : ta < tb;
      });
      std::vector<std::string>& ids =
          seed.sorted[absl::StrCat(attribute, descending ? "/descending" : "/ascending")];
      for (const Row& row : order) ids.push_back(row.id);
    }
  }
  return seed;
}

TEST_P(ListCostTest, SortingByAnIndexedAttributeWalksItsEntries) {
  const int n = 50;
  const SortSeed seed = SeedForSorts(*store_, clock_, ctx_, n);
  for (const auto& [query, sorted] : seed.sorted) {
    const std::string sort_by(absl::string_view(query).substr(0, query.find('/')));
    const std::string order = query.substr(query.find('/') + 1);
    // The general path (a filter every user matches, sorted in memory)
    // agrees with the order worked out above.
    v1::ListRequest reference;
    reference.set_filter("userName pr");
    reference.set_sort_by(sort_by);
    reference.set_sort_order(order);
    reference.set_count(1000);
    auto whole = List(reference);
    ASSERT_TRUE(whole.ok()) << whole.status();
    EXPECT_EQ(Ids(*whole), sorted) << query;
    // Index pages: slices of it, reading only their own records.
    for (int start : {1, 2, 20, 38, 44, 45, 50, 51}) {
      v1::ListRequest request;
      request.set_sort_by(sort_by);
      request.set_sort_order(order);
      request.set_start_index(start);
      request.set_count(7);
      counting_->Reset();
      auto page = List(request);
      ASSERT_TRUE(page.ok()) << page.status();
      const size_t b = std::min<size_t>(n, start - 1), e = std::min<size_t>(n, b + 7);
      EXPECT_EQ(Ids(*page), std::vector<std::string>(sorted.begin() + b, sorted.begin() + e))
          << query << " start=" << start;
      EXPECT_EQ(page->total_results, n);
      EXPECT_EQ(counting_->visited(kResourcesCf), 0) << query << ": no record is scanned";
      EXPECT_LE(counting_->gets(kResourcesCf), 7) << query;
      // The entries before the page and in it; one more where the values
      // end and the entries of no value begin.
      EXPECT_LE(counting_->visited(kIndexCf), start + 8) << query << " start=" << start;
    }
    // Cursor pages forward to the end, each seeking to its position...
    v1::ListRequest request;
    request.set_sort_by(sort_by);
    request.set_sort_order(order);
    request.set_count(6);
    request.set_cursor("");
    std::vector<std::string> seen;
    std::vector<std::string> previous_cursors;
    for (int guard = 0; guard < 20; ++guard) {
      counting_->Reset();
      auto page = List(request);
      ASSERT_TRUE(page.ok()) << page.status();
      EXPECT_EQ(counting_->visited(kResourcesCf), 0) << query;
      EXPECT_LE(counting_->gets(kResourcesCf), 6) << query;
      EXPECT_LE(counting_->visited(kIndexCf), 8) << query << " page " << guard;
      for (auto& id : Ids(*page)) seen.push_back(id);
      previous_cursors.push_back(page->previous_cursor);
      if (page->next_cursor.empty()) break;
      request.set_cursor(page->next_cursor);
    }
    EXPECT_EQ(seen, sorted) << query;
    // ...and back from the last page to the first by previousCursor.
    std::vector<std::string> back_seen;
    request.set_cursor(previous_cursors.back());
    for (int guard = 0; guard < 20; ++guard) {
      counting_->Reset();
      auto page = List(request);
      ASSERT_TRUE(page.ok()) << page.status();
      EXPECT_LE(counting_->visited(kIndexCf), 8) << query << " back " << guard;
      const std::vector<std::string> ids = Ids(*page);
      back_seen.insert(back_seen.begin(), ids.begin(), ids.end());
      if (page->previous_cursor.empty()) break;
      request.set_cursor(page->previous_cursor);
    }
    const size_t last_page = n % 6 == 0 ? 6 : n % 6;
    EXPECT_EQ(back_seen, std::vector<std::string>(sorted.begin(), sorted.end() - last_page))
        << query;
  }
}

TEST_P(ListCostTest, AFilteredCursorSortedByAnIndexedAttributeStreamsAlongIt) {
  const SortSeed seed = SeedForSorts(*store_, clock_, ctx_, 60);
  store_->set_list_scan_limit(25);
  for (const char* order : {"ascending", "descending"}) {
    // Every user matches; no index answers `co`, so the filter is checked
    // record by record, along the displayName index, a page at a time.
    v1::ListRequest request;
    request.set_filter(R"(userName co "u")");
    request.set_sort_by("displayName");
    request.set_sort_order(order);
    request.set_count(8);
    request.set_cursor("");
    std::vector<std::string> seen;
    for (int guard = 0; guard < 20; ++guard) {
      counting_->Reset();
      auto page = List(request);
      ASSERT_TRUE(page.ok()) << page.status();
      EXPECT_TRUE(page->total_omitted || page->next_cursor.empty());
      EXPECT_LE(counting_->gets(kResourcesCf), 9) << order << " page " << guard;
      for (auto& id : Ids(*page)) seen.push_back(id);
      if (page->next_cursor.empty()) break;
      request.set_cursor(page->next_cursor);
    }
    EXPECT_EQ(seen, seed.sorted.at(absl::StrCat("displayName/", order))) << order;
    // By startIndex the total needs every match: over the limit, tooMany.
    request.clear_cursor();
    auto indexed = List(request);
    ASSERT_FALSE(indexed.ok());
    EXPECT_EQ(ScimTypeOf(indexed.status()), "tooMany");
  }
}

TEST_P(ListCostTest, AFilterTheIndexAnswersReadsOnlyItsPage) {
  Seed(60);
  for (const char* filter : {R"(userName sw "odd")", R"(userName eq "even8")",
                             R"(userName sw "nobody")"}) {
    // The same filter with a term the index cannot answer is checked record
    // by record: the reference.
    v1::ListRequest checked;
    checked.set_filter(absl::StrCat(filter, " and name.familyName pr"));
    checked.set_start_index(3);
    checked.set_count(5);
    auto reference = List(checked);
    ASSERT_TRUE(reference.ok()) << reference.status();
    v1::ListRequest request = checked;
    request.set_filter(filter);
    counting_->Reset();
    auto page = List(request);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(Ids(*page), Ids(*reference)) << filter;
    EXPECT_EQ(page->total_results, reference->total_results) << filter;
    EXPECT_LE(counting_->gets(kResourcesCf), 5) << filter << ": reads only the page";
    EXPECT_EQ(counting_->visited(kResourcesCf), 0) << filter;
    // A cursor page of it knows its total too.
    request.clear_start_index();
    request.set_cursor("");
    auto streamed = List(request);
    ASSERT_TRUE(streamed.ok()) << streamed.status();
    EXPECT_FALSE(streamed->total_omitted) << filter;
    EXPECT_EQ(streamed->total_results, reference->total_results) << filter;
  }
}

TEST_P(ListCostTest, QueriesOverTheScanLimitAnswerTooManyBeforeReading) {
  Seed(40);
  store_->set_list_scan_limit(25);
  auto expect_too_many = [&](v1::ListRequest request, int max_visited) {
    counting_->Reset();
    auto page = List(request);
    ASSERT_FALSE(page.ok()) << request.DebugString();
    EXPECT_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ScimTypeOf(page.status()), "tooMany");
    EXPECT_NE(page.status().message().find("limit of 25"), std::string::npos)
        << page.status();
    EXPECT_LE(counting_->visited(kResourcesCf), max_visited) << request.DebugString();
  };
  v1::ListRequest scan;
  scan.set_filter(R"(name.familyName co "9")");
  expect_too_many(scan, 0);  // the tenant's count says so up front
  v1::ListRequest sorted;
  sorted.set_sort_by("name.familyName");
  expect_too_many(sorted, 0);
  v1::ListRequest wide_index;  // 40 index candidates
  wide_index.set_filter(R"(userName sw "odd" or userName sw "even")");
  expect_too_many(wide_index, 0);
  // A cursor page without sort streams: fine while it finds its page soon...
  v1::ListRequest streamed;
  streamed.set_filter(R"(name.familyName pr)");
  streamed.set_cursor("");
  streamed.set_count(5);
  auto page = List(streamed);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->resources.size(), 5u);
  EXPECT_TRUE(page->total_omitted);
  EXPECT_FALSE(page->next_cursor.empty());
  // ...and stopped at the limit when it does not.
  streamed.set_filter(R"(name.familyName eq "none")");
  expect_too_many(streamed, 26);
  // Narrow indexed filters stay well inside the limit.
  v1::ListRequest narrow;
  narrow.set_filter(R"(userName eq "odd7")");
  auto one = List(narrow);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->total_results, 1);
}

INSTANTIATE_TEST_SUITE_P(AllStores, ListCostTest, AllKvStores(), KvStoreName);

}  // namespace
}  // namespace scim::identity
