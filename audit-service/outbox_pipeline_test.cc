// The audit pipeline across processes' parts: client outbox -> shipper -> audit store, with failures.
#include "clients/audit/outbox_shipper.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "audit-service/audit_store.h"
#include "gtest/gtest.h"
#include "storage/forwarding_kv_store.h"
#include "storage/power_loss_kv_store_for_tests.h"

namespace scim::audit {
namespace {

// Delivers to a real AuditStore, failing while `down` is set.
class FlakySink : public AuditSink {
 public:
  explicit FlakySink(AuditStore* store) : store_(store) {}
  absl::Status Append(const std::vector<v1::AuditEvent>& events) override {
    if (down) return absl::UnavailableError("audit-service is down");
    ++appends;
    return store_->Append(events).status();
  }
  std::atomic<bool> down{false};
  std::atomic<int> appends{0};

 private:
  AuditStore* store_;
};

class OutboxTest : public ::testing::Test {
 protected:
  OutboxTest()
      : kv_(NewMemoryKvStore({"outbox"})),
        audit_kv_(NewMemoryKvStore(ColumnFamilies())),
        signer_(*SigningKey::Generate(random_)),
        audit_(audit_kv_.get(), &signer_, &clock_),
        outbox_(kv_.get(), "outbox") {}

  // What a service does on each mutation: the event inside the write.
  void Mutate(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(RunInTransaction(*kv_, [&](KvTransaction& txn) {
                    return outbox_.Add(
                        txn, NewEvent(clock_, random_, "acme", "user.create",
                                      "User", absl::StrCat("u", next_++), {}));
                  }).ok());
      outbox_.Committed();
    }
  }

  FakeClock clock_;
  FakeRandom random_;
  std::unique_ptr<KvStore> kv_, audit_kv_;
  SigningKey signer_;
  AuditStore audit_;
  Outbox outbox_;
  int next_ = 0;
};

TEST_F(OutboxTest, ShipsInOrderAndEmptiesTheOutbox) {
  Mutate(300);
  EXPECT_EQ(outbox_.Depth(), 300u);
  FlakySink sink(&audit_);
  OutboxShipper shipper(&outbox_, &sink, Clock::Real());
  EXPECT_EQ(*shipper.ShipOnce(), 256u);  // one batch
  EXPECT_EQ(*shipper.ShipOnce(), 44u);
  EXPECT_EQ(*shipper.ShipOnce(), 0u);
  EXPECT_EQ(outbox_.Depth(), 0u);
  auto events = audit_.Tail("acme", 1000);
  ASSERT_EQ(events->size(), 300u);
  for (size_t i = 0; i < events->size(); ++i) {
    EXPECT_EQ((*events)[i].resource_id(), absl::StrCat("u", i));
  }
  EXPECT_TRUE(audit_.Verify("acme")->ok());
}

TEST_F(OutboxTest, AuditDownKeepsEventsUntilItReturns) {
  auto sink = std::make_unique<FlakySink>(&audit_);
  FlakySink* flaky = sink.get();
  flaky->down = true;
  outbox_.StartShipping(std::move(sink), Clock::Real());
  Mutate(5);
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(outbox_.Depth(), 5u);
  Mutate(5);  // writes keep succeeding while audit is down
  flaky->down = false;
  for (int i = 0; i < 200 && outbox_.Depth() > 0; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  outbox_.StopShipping();
  EXPECT_EQ(outbox_.Depth(), 0u);
  EXPECT_EQ(audit_.Tail("acme", 100)->size(), 10u);
}

TEST_F(OutboxTest, AfterAPartialBatchNewEventsGatherForOneShipment) {
  auto sink = std::make_unique<FlakySink>(&audit_);
  FlakySink* counted = sink.get();
  Mutate(3);
  outbox_.StartShipping(std::move(sink), &clock_);
  auto shipped = [&] {
    for (int i = 0; i < 500 && outbox_.Depth() > 0; ++i) absl::SleepFor(absl::Milliseconds(10));
    return outbox_.Depth() == 0;
  };
  ASSERT_TRUE(shipped());
  EXPECT_EQ(counted->appends.load(), 1);
  // Writes go on: each wakes the shipper, which lets them gather instead.
  Mutate(3);
  Mutate(4);
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(outbox_.Depth(), 7u);
  EXPECT_EQ(counted->appends.load(), 1);
  clock_.Advance(OutboxShipper::kGather);
  ASSERT_TRUE(shipped());
  EXPECT_EQ(counted->appends.load(), 2);  // all seven in one
  outbox_.StopShipping();
  EXPECT_EQ(audit_.Tail("acme", 100)->size(), 10u);
}

TEST_F(OutboxTest, RedeliveryIsIdempotent) {
  Mutate(3);
  std::vector<std::string> keys;
  std::vector<v1::AuditEvent> events;
  ASSERT_TRUE(outbox_.Peek(10, &keys, &events).ok());
  // A delivery whose acknowledgement was lost is sent again.
  EXPECT_EQ(*audit_.Append(events), 3);
  EXPECT_EQ(*audit_.Append(events), 0);
  EXPECT_EQ(audit_.Tail("acme", 100)->size(), 3u);
}

TEST_F(OutboxTest, ARemovalLostToAPowerLossShipsAgainAndIsKeptOnce) {
  Mutate(3);
  FlakySink sink(&audit_);
  {
    // The removal after a shipment commits unsynced (no fsync of its own),
    // and the power fails before any synced write follows it.
    PowerLossKvStore lossy(kv_.get());
    Outbox doomed(&lossy, "outbox");
    OutboxShipper shipper(&doomed, &sink, Clock::Real());
    EXPECT_EQ(*shipper.ShipOnce(), 3u);
    ASSERT_EQ(lossy.lost_commits(), 1);
  }
  // After the restart the outbox still holds them: shipped again, and the
  // audit store keeps each once.
  Outbox restarted(kv_.get(), "outbox");
  OutboxShipper shipper(&restarted, &sink, Clock::Real());
  EXPECT_EQ(*shipper.ShipOnce(), 3u);
  EXPECT_EQ(*shipper.ShipOnce(), 0u);
  EXPECT_EQ(audit_.Tail("acme", 100)->size(), 3u);
  EXPECT_TRUE(audit_.Verify("acme")->ok());
}

// Sequences are handed out before commit: N can commit after N+1 shipped,
// below where the shipper's batches resume. Over RocksDB, whose
// transactions run side by side (the memory store's take turns).
class OutboxLateCommitTest : public ::testing::Test {
 protected:
  OutboxLateCommitTest()
      : dir_((std::filesystem::temp_directory_path() /
              absl::StrCat("outbox_late_", getpid()))
                 .string()),
        audit_kv_(NewMemoryKvStore(ColumnFamilies())),
        signer_(*SigningKey::Generate(random_)),
        audit_(audit_kv_.get(), &signer_, &clock_) {
    std::filesystem::remove_all(dir_);
    kv_ = *OpenRocksDbKvStore(dir_, {"outbox"});
    outbox_ = std::make_unique<Outbox>(kv_.get(), "outbox", "late");
  }
  ~OutboxLateCommitTest() override {
    outbox_.reset();
    kv_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A write whose outbox sequence is handed out now; it commits later.
  std::unique_ptr<KvTransaction> BeginSlowWrite() {
    std::unique_ptr<KvTransaction> txn = kv_->BeginTransaction();
    EXPECT_TRUE(outbox_
                    ->Add(*txn, NewEvent(clock_, random_, "acme", "user.create",
                                         "User", "late", {}))
                    .ok());
    return txn;
  }
  void Mutate(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(RunInTransaction(*kv_, [&](KvTransaction& txn) {
                    return outbox_->Add(
                        txn, NewEvent(clock_, random_, "acme", "user.create",
                                      "User", absl::StrCat("u", next_++), {}));
                  }).ok());
      outbox_->Committed();
    }
  }

  const std::string dir_;
  FakeClock clock_;
  FakeRandom random_;
  std::unique_ptr<KvStore> kv_, audit_kv_;
  SigningKey signer_;
  AuditStore audit_;
  std::unique_ptr<Outbox> outbox_;
  int next_ = 0;
};

TEST_F(OutboxLateCommitTest, AnEventCommittedAfterALaterOneShippedStillShips) {
  FlakySink sink(&audit_);
  OutboxShipper shipper(outbox_.get(), &sink, &clock_);
  std::unique_ptr<KvTransaction> slow = BeginSlowWrite();  // sequence N
  Mutate(1);  // N+1 commits first, and ships
  EXPECT_EQ(*shipper.ShipOnce(), 1u);
  ASSERT_TRUE(slow->Commit().ok());
  outbox_->Committed();
  // Batches resume after N+1 and do not see N yet...
  Mutate(1);
  EXPECT_EQ(*shipper.ShipOnce(), 1u);
  EXPECT_EQ(*shipper.ShipOnce(), 0u);
  EXPECT_EQ(outbox_->Depth(), 1u);
  // ...until the shipper next reads from the start.
  clock_.Advance(OutboxShipper::kFullScanInterval);
  EXPECT_EQ(*shipper.ShipOnce(), 1u);
  EXPECT_EQ(outbox_->Depth(), 0u);
  auto events = audit_.Tail("acme", 100);
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ(events->back().resource_id(), "late");
}

// The same with the shipper in the background on the real clock, the late
// commit arriving while it idles.
TEST_F(OutboxLateCommitTest, BackgroundShippingShipsALateCommitToo) {
  outbox_->StartShipping(std::make_unique<FlakySink>(&audit_), Clock::Real());
  std::unique_ptr<KvTransaction> slow = BeginSlowWrite();
  Mutate(3);
  for (int i = 0; i < 250 && outbox_->Depth() > 0; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_EQ(outbox_->Depth(), 0u);
  ASSERT_TRUE(slow->Commit().ok());
  outbox_->Committed();
  for (int i = 0; i < 250 && outbox_->Depth() > 0; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(outbox_->Depth(), 0u);
  outbox_->StopShipping();
  EXPECT_EQ(audit_.Tail("acme", 100)->size(), 4u);
}

// Stopping drains a late commit as well.
TEST_F(OutboxLateCommitTest, StoppingShipsALateCommit) {
  FlakySink sink(&audit_);
  OutboxShipper shipper(outbox_.get(), &sink, &clock_);
  std::unique_ptr<KvTransaction> slow = BeginSlowWrite();
  Mutate(1);
  EXPECT_EQ(*shipper.ShipOnce(), 1u);
  ASSERT_TRUE(slow->Commit().ok());
  outbox_->Committed();
  shipper.Stop();
  EXPECT_EQ(outbox_->Depth(), 0u);
  EXPECT_EQ(audit_.Tail("acme", 100)->size(), 2u);
}

// A KvStore that records where each Scan starts.
class ScanRecorder : public ForwardingKvStore {
 public:
  explicit ScanRecorder(KvStore* kv) : ForwardingKvStore(kv) {}
  absl::Status Scan(absl::string_view cf, absl::string_view prefix,
                    absl::string_view start, const ScanFn& fn) override {
    starts.emplace_back(start);
    return ForwardingKvStore::Scan(cf, prefix, start, fn);
  }
  std::vector<std::string> starts;
};

// Shipped events leave deletion markers that a scan from the start steps
// over (in RocksDB until the next flush): each batch starts past them.
TEST_F(OutboxTest, BatchesResumeAfterTheLastEventShipped) {
  ScanRecorder recorder(kv_.get());
  Outbox outbox(&recorder, "outbox", "recorded");
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(RunInTransaction(recorder, [&](KvTransaction& txn) {
                  return outbox.Add(txn, NewEvent(clock_, random_, "acme",
                                                  "user.create", "User",
                                                  absl::StrCat("u", i), {}));
                }).ok());
    outbox.Committed();
  }
  FlakySink sink(&audit_);
  OutboxShipper shipper(&outbox, &sink, &clock_);
  recorder.starts.clear();
  EXPECT_EQ(*shipper.ShipOnce(), 256u);  // the first reads from the start
  EXPECT_EQ(*shipper.ShipOnce(), 44u);
  EXPECT_EQ(*shipper.ShipOnce(), 0u);
  ASSERT_EQ(recorder.starts.size(), 3u);
  EXPECT_EQ(recorder.starts[0], "");
  // Keys are zero-padded sequences; the 256th was shipped first.
  EXPECT_GT(recorder.starts[1], "00000000000000000256");
  EXPECT_GT(recorder.starts[2], "00000000000000000300");
  EXPECT_EQ(audit_.Tail("acme", 1000)->size(), 300u);
}

// A KvStore that records the ranges it is asked to compact.
class CompactRecorder : public ForwardingKvStore {
 public:
  explicit CompactRecorder(KvStore* kv) : ForwardingKvStore(kv) {}
  absl::Status Compact(absl::string_view cf, absl::string_view begin,
                       absl::string_view end) override {
    ranges.emplace_back(std::string(begin), std::string(end));
    return ForwardingKvStore::Compact(cf, begin, end);
  }
  std::vector<std::pair<std::string, std::string>> ranges;
};

// Once enough events were shipped and the shipper has caught up, the outbox
// up to the last one removed is compacted (its deletion markers cleared);
// not while it is behind, nor for a few events.
TEST_F(OutboxTest, ACaughtUpShipperCompactsWhatItRemoved) {
  CompactRecorder recorder(kv_.get());
  Outbox outbox(&recorder, "outbox", "compacted");
  outbox.set_compact_after(300);
  auto add = [&](int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(RunInTransaction(recorder, [&](KvTransaction& txn) {
                    return outbox.Add(txn, NewEvent(clock_, random_, "acme", "user.create",
                                                    "User", absl::StrCat("u", next_++), {}));
                  }).ok());
      outbox.Committed();
    }
  };
  FlakySink sink(&audit_);
  OutboxShipper shipper(&outbox, &sink, &clock_);
  // The first catch-up after start compacts the whole outbox, with nothing
  // to ship too: an earlier run may have left its markers.
  EXPECT_EQ(*shipper.ShipOnce(), 0u);
  ASSERT_EQ(recorder.ranges.size(), 1u);
  add(10);
  EXPECT_EQ(*shipper.ShipOnce(), 10u);
  ASSERT_EQ(recorder.ranges.size(), 1u);
  EXPECT_EQ(recorder.ranges[0], (std::pair<std::string, std::string>("", "")));
  add(200);
  EXPECT_EQ(*shipper.ShipOnce(), 200u);
  EXPECT_EQ(recorder.ranges.size(), 1u) << "200 removed since: fewer than 300";
  add(300);
  EXPECT_EQ(*shipper.ShipOnce(), 256u);
  EXPECT_EQ(recorder.ranges.size(), 1u) << "still behind";
  EXPECT_EQ(*shipper.ShipOnce(), 44u);
  ASSERT_EQ(recorder.ranges.size(), 2u);
  EXPECT_EQ(recorder.ranges[1].first, "");
  // Up to and with the 510th event's key.
  EXPECT_GT(recorder.ranges[1].second, "00000000000000000510");
  EXPECT_LT(recorder.ranges[1].second, "00000000000000000511");
  EXPECT_EQ(*shipper.ShipOnce(), 0u);
  EXPECT_EQ(recorder.ranges.size(), 2u) << "nothing removed since";
  add(3);
  EXPECT_EQ(*shipper.ShipOnce(), 3u);
  EXPECT_EQ(recorder.ranges.size(), 2u);
  EXPECT_EQ(audit_.Tail("acme", 1000)->size(), 513u);
}

TEST(OutboxSequenceTest, ContinuesAfterReopenWithItsDepth) {
  auto dir = (std::filesystem::temp_directory_path() /
              absl::StrCat("outbox_", getpid()))
                 .string();
  std::filesystem::remove_all(dir);
  auto add = [](KvStore& kv, Outbox& outbox, const std::string& id) {
    ASSERT_TRUE(RunInTransaction(kv, [&](KvTransaction& txn) {
                  v1::AuditEvent e;
                  e.set_id(id);
                  return outbox.Add(txn, e);
                }).ok());
  };
  {
    auto kv = OpenRocksDbKvStore(dir, {"outbox"});
    ASSERT_TRUE(kv.ok());
    Outbox outbox(kv->get(), "outbox");
    for (int i = 0; i < 3; ++i) add(**kv, outbox, absl::StrCat("e", i));
  }
  auto kv = OpenRocksDbKvStore(dir, {"outbox"});
  ASSERT_TRUE(kv.ok());
  Outbox outbox(kv->get(), "outbox");
  EXPECT_EQ(outbox.Depth(), 3u);
  add(**kv, outbox, "e3");
  std::vector<std::string> keys;
  std::vector<v1::AuditEvent> events;
  ASSERT_TRUE(outbox.Peek(10, &keys, &events).ok());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events.back().id(), "e3");  // after, not over, the old ones
  kv->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace scim::audit
