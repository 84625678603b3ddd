// The audit pipeline: outbox -> shipper -> audit store, with failures.
#include "identity-service/outbox.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "audit-service/audit_store.h"
#include "gtest/gtest.h"
#include "identity-service/keys.h"
#include "identity-service/resource_store.h"

namespace scim::identity {
namespace {

// Delivers to a real AuditStore, failing while `down` is set.
class FlakySink : public AuditSink {
 public:
  explicit FlakySink(audit::AuditStore* store) : store_(store) {}
  absl::Status Append(const std::vector<v1::AuditEvent>& events) override {
    ++calls;
    if (down) return absl::UnavailableError("audit-service is down");
    auto appended = store_->Append(events);
    return appended.status();
  }
  bool down = false;
  int calls = 0;

 private:
  audit::AuditStore* store_;
};

class OutboxTest : public ::testing::Test {
 protected:
  OutboxTest()
      : kv_(NewMemoryKvStore(ColumnFamilies())),
        audit_kv_(NewMemoryKvStore(audit::ColumnFamilies())),
        signer_(*SigningKey::Generate(random_)),
        audit_(audit_kv_.get(), &signer_, &clock_),
        outbox_(kv_.get()),
        store_(kv_.get(), &outbox_, &clock_, &random_),
        sink_(&audit_) {}

  void CreateUsers(int n) {
    for (int i = 0; i < n; ++i) {
      v1::User user;
      user.set_user_name(absl::StrCat("u", next_++));
      ASSERT_TRUE(store_.Create(UserResourceType(), "acme", &user, {}).ok());
    }
  }

  FakeClock clock_;
  FakeRandom random_;
  std::unique_ptr<KvStore> kv_, audit_kv_;
  SigningKey signer_;
  audit::AuditStore audit_;
  Outbox outbox_;
  ResourceStore store_;
  FlakySink sink_;
  int next_ = 0;
};

TEST_F(OutboxTest, ShipsInOrderAndEmptiesTheOutbox) {
  CreateUsers(300);
  EXPECT_EQ(outbox_.Depth(), 300u);
  OutboxShipper shipper(&outbox_, &sink_);
  EXPECT_EQ(*shipper.ShipOnce(), 256u);  // one batch
  EXPECT_EQ(*shipper.ShipOnce(), 44u);
  EXPECT_EQ(*shipper.ShipOnce(), 0u);
  EXPECT_EQ(outbox_.Depth(), 0u);
  auto events = audit_.Tail("acme", 1000);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 300u);
  for (size_t i = 0; i < events->size(); ++i) {
    EXPECT_EQ((*events)[i].sequence(), i + 1);
  }
}

TEST_F(OutboxTest, AuditDownKeepsEventsUntilItReturns) {
  CreateUsers(5);
  sink_.down = true;
  OutboxShipper shipper(&outbox_, &sink_);
  EXPECT_FALSE(shipper.ShipOnce().ok());
  EXPECT_EQ(outbox_.Depth(), 5u);
  CreateUsers(5);  // writes keep succeeding while audit is down
  sink_.down = false;
  shipper.Start();
  for (int i = 0; i < 200 && outbox_.Depth() > 0; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  shipper.Stop();
  EXPECT_EQ(outbox_.Depth(), 0u);
  EXPECT_EQ(audit_.Tail("acme", 100)->size(), 10u);
}

TEST_F(OutboxTest, RedeliveryIsIdempotent) {
  CreateUsers(3);
  std::vector<std::string> keys;
  std::vector<v1::AuditEvent> events;
  ASSERT_TRUE(outbox_.Peek(10, &keys, &events).ok());
  // A delivery whose acknowledgement was lost is sent again.
  EXPECT_EQ(*audit_.Append(events), 3);
  EXPECT_EQ(*audit_.Append(events), 0);
  EXPECT_EQ(audit_.Tail("acme", 100)->size(), 3u);
}

TEST(OutboxSequenceTest, ContinuesAfterReopen) {
  auto dir = (std::filesystem::temp_directory_path() /
              absl::StrCat("outbox_", getpid()))
                 .string();
  std::filesystem::remove_all(dir);
  {
    auto kv = OpenRocksDbKvStore(dir, ColumnFamilies());
    ASSERT_TRUE(kv.ok());
    Outbox outbox(kv->get());
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(RunInTransaction(**kv, [&](KvTransaction& txn) {
                    v1::AuditEvent e;
                    e.set_id(absl::StrCat("e", i));
                    return outbox.Add(txn, e);
                  }).ok());
    }
  }
  auto kv = OpenRocksDbKvStore(dir, ColumnFamilies());
  ASSERT_TRUE(kv.ok());
  Outbox outbox(kv->get());
  ASSERT_TRUE(RunInTransaction(**kv, [&](KvTransaction& txn) {
                v1::AuditEvent e;
                e.set_id("e3");
                return outbox.Add(txn, e);
              }).ok());
  std::vector<std::string> keys;
  std::vector<v1::AuditEvent> events;
  ASSERT_TRUE(outbox.Peek(10, &keys, &events).ok());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events.back().id(), "e3");  // after, not over, the old ones
  kv->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace scim::identity
