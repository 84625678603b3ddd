// What a list page costs, checked structurally over every KvStore: index
// pages anywhere in a tenant read only their own records (the counts find
// where they start), cursor pages seek to their position, sorted pages keep
// only the best positions and equal the slices of the whole sorted list,
// and a query over the scan limit answers 400 tooMany before it reads.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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
