// The audit pipeline across processes' parts: client outbox -> shipper -> audit store, with failures.
#include "clients/audit/outbox_shipper.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "audit-service/audit_store.h"
#include "gtest/gtest.h"

namespace scim::audit {
namespace {

// Delivers to a real AuditStore, failing while `down` is set.
class FlakySink : public AuditSink {
 public:
  explicit FlakySink(AuditStore* store) : store_(store) {}
  absl::Status Append(const std::vector<v1::AuditEvent>& events) override {
    if (down) return absl::UnavailableError("audit-service is down");
    return store_->Append(events).status();
  }
  std::atomic<bool> down{false};

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
