// EventLog over every KvStore: numbering after commit, order, retention,
// restarts.
#include "events/event_log.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "storage/kv_store_test_params.h"
#include "storage/power_loss_kv_store_for_tests.h"

namespace scim::events {
namespace {

v1::Event NewEvent(absl::string_view tenant, absl::string_view type,
                   absl::string_view resource_id,
                   absl::Time time = absl::FromUnixSeconds(1800000000)) {
  static std::atomic<int> n{0};
  v1::Event e;
  e.set_id(absl::StrCat("evt-", n.fetch_add(1)));
  e.set_tenant(std::string(tenant));
  e.set_type(std::string(type));
  e.set_resource_type("User");
  e.set_resource_id(std::string(resource_id));
  e.mutable_time()->set_seconds(absl::ToUnixSeconds(time));
  return e;
}

class EventLogTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.Open(GetParam(), {kPendingCf, kEventsCf, "data"}).ok());
    log_ = std::make_unique<EventLog>(store_.get(), &clock_, options_);
  }

  // One committed write staging `events`.
  void Write(const std::vector<v1::Event>& events) {
    EventLog::Batch batch(log_.get());
    auto txn = store_->BeginTransaction();
    for (const auto& e : events) ASSERT_TRUE(batch.Stage(*txn, e).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }

  std::vector<v1::Event> ReadAll(absl::string_view tenant, uint64_t after = 0) {
    auto page = log_->Read(tenant, after, 1000, {});
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->events : std::vector<v1::Event>{};
  }

  TestKvStore store_;
  FakeClock clock_{absl::FromUnixSeconds(1800000000)};
  EventLogOptions options_;
  std::unique_ptr<EventLog> log_;
};

TEST_P(EventLogTest, NumbersEachTenantFromOneAfterCommit) {
  Write({NewEvent("a", "user.created", "u1"), NewEvent("b", "user.created", "u2")});
  Write({NewEvent("a", "user.updated", "u1")});
  EXPECT_TRUE(ReadAll("a").empty()) << "numbered before NumberCommitted";
  ASSERT_EQ(*log_->NumberCommitted(), 3u);
  auto a = ReadAll("a");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].sequence(), 1u);
  EXPECT_EQ(a[0].type(), "user.created");
  EXPECT_EQ(a[1].sequence(), 2u);
  EXPECT_EQ(a[1].type(), "user.updated");
  auto b = ReadAll("b");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].sequence(), 1u);
  EXPECT_EQ(*log_->Latest("a"), 2u);
}

TEST_P(EventLogTest, AWriteInFlightHoldsBackLaterOnes) {
  // The slow write took its ticket first, and has not told the log it ended
  // (its commit returns later). (The memory store runs one transaction at a
  // time, so the slow one commits before the fast one begins; what matters
  // is that its ticket is still in flight.)
  EventLog::Batch slow(log_.get());
  {
    auto slow_txn = store_->BeginTransaction();
    ASSERT_TRUE(slow.Stage(*slow_txn, NewEvent("t", "user.created", "slow")).ok());
    ASSERT_TRUE(slow_txn->Commit().ok());
  }
  Write({NewEvent("t", "user.created", "fast")});
  // Numbering the fast one now could let the slow one appear below a
  // sequence a reader may already have seen.
  EXPECT_EQ(*log_->NumberCommitted(), 0u);
  EXPECT_TRUE(ReadAll("t").empty());
  slow.Done();
  ASSERT_EQ(*log_->NumberCommitted(), 2u);
  auto events = ReadAll("t");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].resource_id(), "slow");  // its ticket came first
  EXPECT_EQ(events[1].resource_id(), "fast");
}

TEST_P(EventLogTest, AnAbortedWriteLeavesNoGap) {
  EventLog::Batch aborted(log_.get());
  {
    auto txn = store_->BeginTransaction();
    ASSERT_TRUE(aborted.Stage(*txn, NewEvent("t", "user.created", "gone")).ok());
  }  // discarded, uncommitted
  Write({NewEvent("t", "user.created", "kept")});
  EXPECT_EQ(*log_->NumberCommitted(), 0u);
  aborted.Done();
  ASSERT_EQ(*log_->NumberCommitted(), 1u);
  auto events = ReadAll("t");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].resource_id(), "kept");
  EXPECT_EQ(events[0].sequence(), 1u);
}

TEST_P(EventLogTest, ReadPagesFiltersAndResumes) {
  for (int i = 0; i < 10; ++i) {
    Write({NewEvent("t", i % 2 ? "user.updated" : "user.created", absl::StrCat("u", i))});
  }
  ASSERT_EQ(*log_->NumberCommitted(), 10u);
  auto page = log_->Read("t", 3, 4, {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 4u);
  EXPECT_EQ(page->events.front().sequence(), 4u);
  EXPECT_EQ(page->next_after, 7u);
  EXPECT_EQ(page->oldest, 1u);
  EXPECT_EQ(page->latest, 10u);
  auto updated = log_->Read("t", 0, 100, {"user.updated"});
  ASSERT_TRUE(updated.ok());
  ASSERT_EQ(updated->events.size(), 5u);
  for (const auto& e : updated->events) EXPECT_EQ(e.type(), "user.updated");
  EXPECT_EQ(updated->next_after, 10u);
  auto beyond = log_->Read("t", 11, 10, {});
  EXPECT_EQ(beyond.status().code(), absl::StatusCode::kOutOfRange);
  auto at_end = log_->Read("t", 10, 10, {});
  ASSERT_TRUE(at_end.ok());
  EXPECT_TRUE(at_end->events.empty());
  EXPECT_EQ(at_end->next_after, 10u);
}

// Between a numbering batch's commit and the cache learning of it, a reader
// may already have seen the batch: its cursor must not count as "beyond
// the newest event".
TEST_P(EventLogTest, ACursorFromABatchTheCacheHasNotSeenIsValid) {
  Write({NewEvent("t", "user.created", "u1")});
  ASSERT_EQ(*log_->NumberCommitted(), 1u);  // the cache says 1
  v1::Event next = NewEvent("t", "user.updated", "u1");
  next.set_sequence(2);
  auto txn = store_->BeginTransaction();  // as the numbering commit writes it
  ASSERT_TRUE(txn->Put(kEventsCf, EventKey("t", 2), next.SerializeAsString()).ok());
  ASSERT_TRUE(txn->Commit().ok());
  auto page = log_->Read("t", 1, 10, {});
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->events.size(), 1u);
  auto after_it = log_->Read("t", 2, 10, {});
  EXPECT_TRUE(after_it.ok()) << after_it.status();
  EXPECT_EQ(log_->Read("t", 3, 10, {}).status().code(), absl::StatusCode::kOutOfRange);
}

TEST_P(EventLogTest, TypeFiltersExamineABoundedNumberOfEvents) {
  options_.read_budget = 5;
  log_ = std::make_unique<EventLog>(store_.get(), &clock_, options_);
  for (int i = 0; i < 12; ++i) Write({NewEvent("t", "user.updated", "u")});
  ASSERT_EQ(*log_->NumberCommitted(), 12u);
  auto page = log_->Read("t", 0, 100, {"group.created"});
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->events.empty());
  EXPECT_EQ(page->next_after, 5u) << "the reader continues from where the budget ended";
}

TEST_P(EventLogTest, RetentionDropsOldEventsButKeepsTheNewest) {
  Write({NewEvent("t", "user.created", "u1", clock_.Now())});
  Write({NewEvent("t", "user.updated", "u1", clock_.Now())});
  Write({NewEvent("t", "user.updated", "u1", clock_.Now())});
  Write({NewEvent("old", "user.created", "x", clock_.Now())});
  ASSERT_EQ(*log_->NumberCommitted(), 4u);
  clock_.Advance(options_.retention + absl::Hours(1));
  Write({NewEvent("t", "user.updated", "u1", clock_.Now())});
  ASSERT_EQ(*log_->NumberCommitted(), 1u);
  ASSERT_EQ(*log_->Prune(), 3);  // t: 1..3; old: its only event stays
  auto page = log_->Read("t", 3, 10, {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 1u);
  EXPECT_EQ(page->oldest, 4u);
  auto expired = log_->Read("t", 1, 10, {});
  ASSERT_EQ(expired.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_NE(expired.status().message().find("oldest kept is 4"), std::string::npos)
      << expired.status();
  EXPECT_EQ(ReadAll("old").size(), 1u);
}

TEST_P(EventLogTest, NumberingContinuesAcrossRestartsAndDeletions) {
  Write({NewEvent("t", "user.created", "u1")});
  Write({NewEvent("t", "user.created", "u2")});
  ASSERT_EQ(*log_->NumberCommitted(), 2u);
  Write({NewEvent("t", "user.deleted", "u1")});
  // A new process over the same store: the numbering goes on from the store.
  log_ = std::make_unique<EventLog>(store_.get(), &clock_, options_);
  Write({NewEvent("t", "user.deleted", "u2")});
  ASSERT_GE(*log_->NumberCommitted(), 1u);
  auto events = ReadAll("t");
  ASSERT_EQ(events.size(), 4u);
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].sequence(), i + 1);
  ASSERT_TRUE(log_->DeleteTenantEvents("t").ok());
  log_ = std::make_unique<EventLog>(store_.get(), &clock_, options_);
  Write({NewEvent("t", "tenant.deleted", "t")});
  ASSERT_EQ(*log_->NumberCommitted(), 1u);
  events = ReadAll("t");
  ASSERT_EQ(events.size(), 2u);  // the newest kept, and the new one after it
  EXPECT_EQ(events[0].sequence(), 4u);
  EXPECT_EQ(events[1].sequence(), 5u);
}

TEST_P(EventLogTest, ANumberingLostToAPowerLossIsRedoneWithTheSameNumbers) {
  Write({NewEvent("a", "user.created", "u1"), NewEvent("b", "user.created", "u2")});
  Write({NewEvent("a", "user.updated", "u1")});
  ASSERT_EQ(*log_->NumberCommitted(), 3u);
  const std::vector<v1::Event> a = ReadAll("a"), b = ReadAll("b");
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 1u);
  log_.reset();
  // The next process's numbering commits unsynced (no fsync of its own),
  // and the power fails before any synced write follows it.
  PowerLossKvStore lossy(store_.get());
  {
    EventLog doomed(&lossy, &clock_, options_);
    {
      EventLog::Batch batch(&doomed);
      auto txn = store_->BeginTransaction();
      ASSERT_TRUE(batch.Stage(*txn, NewEvent("a", "user.deleted", "u1")).ok());
      ASSERT_TRUE(txn->Commit().ok());
    }
    ASSERT_EQ(*doomed.NumberCommitted(), 1u);
    EXPECT_EQ(*doomed.Latest("a"), 3u);  // readers were told of it
  }
  ASSERT_EQ(lossy.lost_commits(), 1);
  // The process that starts after the power loss numbers it again: the same
  // number for the same event, and the ones before it unchanged.
  log_ = std::make_unique<EventLog>(store_.get(), &clock_, options_);
  ASSERT_EQ(*log_->NumberCommitted(), 1u);
  const std::vector<v1::Event> after = ReadAll("a");
  ASSERT_EQ(after.size(), 3u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(after[i].id(), a[i].id());
    EXPECT_EQ(after[i].sequence(), a[i].sequence());
  }
  EXPECT_EQ(after[2].sequence(), 3u);
  EXPECT_EQ(after[2].type(), "user.deleted");
  EXPECT_EQ(ReadAll("b").size(), 1u);
}

TEST_P(EventLogTest, UnderAStreamOfWritesTheWorkerLetsEventsGather) {
  Write({NewEvent("t", "user.created", "u1")});
  log_->Start();
  auto numbered = [&](uint64_t n) {
    for (int i = 0; i < 500 && *log_->Latest("t") < n; ++i) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    return *log_->Latest("t") == n;
  };
  ASSERT_TRUE(numbered(1));
  // Each write wakes the worker, which waits `gather` after its last
  // numbering instead: one numbering write then carries them all.
  Write({NewEvent("t", "user.created", "u2")});
  Write({NewEvent("t", "user.created", "u3")});
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(*log_->Latest("t"), 1u);
  clock_.Advance(options_.gather);
  ASSERT_TRUE(numbered(3));
  log_->Stop();
  EXPECT_EQ(ReadAll("t").size(), 3u);
}

TEST_P(EventLogTest, PendingEventsOfADeadProcessComeFirst) {
  Write({NewEvent("t", "user.created", "before-crash")});
  // A new process over the same store, with the old one's event pending.
  EventLog restarted(store_.get(), &clock_, options_);
  {
    EventLog::Batch batch(&restarted);
    auto txn = store_->BeginTransaction();
    ASSERT_TRUE(batch.Stage(*txn, NewEvent("t", "user.created", "after")).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  ASSERT_EQ(*restarted.NumberCommitted(), 2u);
  auto page = restarted.Read("t", 0, 10, {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].resource_id(), "before-crash");
}

TEST_P(EventLogTest, TenantStateIsRecordedOnlyOnChange) {
  v1::Event e = NewEvent("t", "tenant.disabled", "t");
  EXPECT_FALSE(*log_->RecordTenantState("t", false, NewEvent("t", "tenant.enabled", "t")));
  EXPECT_TRUE(*log_->RecordTenantState("t", true, e));
  EXPECT_FALSE(*log_->RecordTenantState("t", true, e));
  EXPECT_TRUE(*log_->RecordTenantState("t", false, NewEvent("t", "tenant.enabled", "t")));
  ASSERT_EQ(*log_->NumberCommitted(), 2u);
  auto events = ReadAll("t");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type(), "tenant.disabled");
  EXPECT_EQ(events[1].type(), "tenant.enabled");
  // The state record is no tenant's event, and retention skips it.
  EXPECT_EQ(*log_->Prune(), 0);
}

TEST_P(EventLogTest, ListenersAndWaitersHearOfNewEvents) {
  std::vector<std::pair<std::string, uint64_t>> heard;
  absl::Mutex mu;
  int id = log_->AddListener([&](const std::string& tenant, uint64_t latest) {
    absl::MutexLock lock(&mu);
    heard.emplace_back(tenant, latest);
  });
  EXPECT_FALSE(log_->AwaitNewer("t", 0, absl::Milliseconds(1)));
  Write({NewEvent("t", "user.created", "u"), NewEvent("t", "user.updated", "u")});
  ASSERT_EQ(*log_->NumberCommitted(), 2u);
  EXPECT_TRUE(log_->AwaitNewer("t", 1, absl::ZeroDuration()));
  EXPECT_FALSE(log_->AwaitNewer("t", 2, absl::Milliseconds(1)));
  log_->RemoveListener(id);
  Write({NewEvent("t", "user.deleted", "u")});
  ASSERT_EQ(*log_->NumberCommitted(), 1u);
  absl::MutexLock lock(&mu);
  ASSERT_EQ(heard.size(), 1u);
  EXPECT_EQ(heard[0], std::make_pair(std::string("t"), uint64_t{2}));
}

// Writers of one resource, racing: the resource's events must come out in
// the order the writes committed (each write's event carries the version it
// wrote), whatever the interleaving of commits and numbering.
TEST_P(EventLogTest, EventsOfOneResourceFollowItsCommitOrder) {
  log_->Start();
  constexpr int kThreads = 4, kWrites = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kWrites;) {
        EventLog::Batch batch(log_.get());
        auto txn = store_->BeginTransaction();
        auto current = txn->GetForUpdate("data", "resource");
        if (!current.ok()) continue;  // lost a lock race: try again
        const int version = current->has_value() ? std::stoi(**current) + 1 : 1;
        if (!txn->Put("data", "resource", std::to_string(version)).ok()) continue;
        v1::Event e = NewEvent("t", "user.updated", "r");
        e.set_version(std::to_string(version));
        if (!batch.Stage(*txn, e).ok()) continue;
        if (txn->Commit().ok()) ++i;
      }
    });
  }
  for (auto& th : threads) th.join();
  log_->Stop();
  auto page = log_->Read("t", 0, 1000, {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), size_t{kThreads * kWrites});
  for (size_t i = 0; i < page->events.size(); ++i) {
    EXPECT_EQ(page->events[i].sequence(), i + 1);
    EXPECT_EQ(page->events[i].version(), std::to_string(i + 1));
  }
}

INSTANTIATE_TEST_SUITE_P(AllStores, EventLogTest, AllKvStores(), KvStoreName);

}  // namespace
}  // namespace scim::events
