#include "audit-service/audit_store.h"

#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "storage/kv_store_test_params.h"

namespace scim::audit {
namespace {

using google::protobuf::util::TimeUtil;

// Over every KvStore implementation (the test parameter).
class AuditStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  AuditStoreTest() : signer_(*SigningKey::Generate(random_)) {}
  void SetUp() override {
    const absl::Status opened = kv_.Open(GetParam(), ColumnFamilies());
    ASSERT_TRUE(opened.ok()) << opened;
    store_ = std::make_unique<AuditStore>(kv_.get(), &signer_, &clock_);
  }

  v1::AuditEvent Event(const std::string& id, const std::string& tenant,
                       const std::string& op = "user.create") {
    v1::AuditEvent e;
    e.set_id(id);
    e.set_tenant(tenant);
    e.set_operation(op);
    e.set_actor("key1");
    e.set_resource_id("r-" + id);
    *e.mutable_time() =
        TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(clock_.Now()));
    return e;
  }
  void AppendN(const std::string& tenant, int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(store_->Append({Event(absl::StrCat(tenant, next_++), tenant)}).ok());
      clock_.Advance(absl::Seconds(1));
    }
  }
  // Rewrites a stored event through `edit` (bypassing the store: tampering).
  void Tamper(const std::string& tenant, uint64_t sequence,
              const std::function<void(std::string*)>& edit) {
    std::string key = absl::StrFormat("%s/%020u", tenant, sequence);
    auto value = kv_->Get("events", key);
    ASSERT_TRUE(value.ok() && value->has_value());
    std::string bytes = **value;
    edit(&bytes);
    ASSERT_TRUE(RunInTransaction(*kv_, [&](KvTransaction& txn) {
                  return txn.Put("events", key, bytes);
                }).ok());
  }

  FakeClock clock_;
  FakeRandom random_;
  TestKvStore kv_;  // outlives the store over it
  SigningKey signer_;
  std::unique_ptr<AuditStore> store_;
  int next_ = 0;
};

TEST_P(AuditStoreTest, AppendsPerTenantChainsIdempotently) {
  EXPECT_EQ(*store_->Append({Event("1", "a"), Event("2", "b"), Event("3", "a")}),
            3);
  EXPECT_EQ(*store_->Append({Event("3", "a"), Event("4", "a")}), 1);
  auto a = store_->Tail("a", 10);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 3u);
  EXPECT_EQ((*a)[0].id(), "1");
  EXPECT_EQ((*a)[2].id(), "4");
  EXPECT_EQ((*a)[2].sequence(), 3u);
  EXPECT_EQ((*a)[0].prev_hash(), std::string(32, '\0'));
  EXPECT_EQ((*a)[1].prev_hash(), (*a)[0].hash());
  EXPECT_EQ((*a)[0].hash(), ChainHash((*a)[0]));
  EXPECT_EQ(store_->Tail("b", 10)->size(), 1u);
  EXPECT_TRUE(store_->Tail("c", 10)->empty());
  auto verified = store_->Verify("a");
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok()) << verified->detail();
  EXPECT_EQ(verified->events(), 3u);
  EXPECT_TRUE(store_->Verify("nobody")->ok());
}

TEST_P(AuditStoreTest, TailReturnsTheNewestOldestFirst) {
  AppendN("t", 50);
  auto tail = store_->Tail("t", 5);
  ASSERT_EQ(tail->size(), 5u);
  EXPECT_EQ((*tail)[0].sequence(), 46u);
  EXPECT_EQ((*tail)[4].sequence(), 50u);
  EXPECT_EQ(store_->Tail("t", 500)->size(), 50u);
}

TEST_P(AuditStoreTest, RejectsEventsWithoutIdOrTenantAtomically) {
  auto r = store_->Append({Event("ok", "t"), Event("", "t")});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->Tail("t", 10)->empty());  // nothing of the batch landed
}

TEST_P(AuditStoreTest, AChangedByteBreaksTheChainAtThatEvent) {
  AppendN("t", 10);
  ASSERT_TRUE(store_->Verify("t")->ok());
  // Change the actor of event 6 in place: same length, valid protobuf.
  Tamper("t", 6, [](std::string* bytes) {
    size_t at = bytes->find("key1");
    ASSERT_NE(at, std::string::npos);
    (*bytes)[at + 3] = '2';
  });
  auto verified = store_->Verify("t");
  ASSERT_TRUE(verified.ok());
  EXPECT_FALSE(verified->ok());
  EXPECT_EQ(verified->first_broken_sequence(), 6u);
  EXPECT_EQ(verified->events(), 5u);
  EXPECT_NE(verified->detail().find("event 6"), std::string::npos);
}

TEST_P(AuditStoreTest, RecomputedHashesDoNotHideAnEdit) {
  AppendN("t", 5);
  // A forger who edits event 3 and fixes its own hash still breaks event 4.
  Tamper("t", 3, [](std::string* bytes) {
    v1::AuditEvent e;
    ASSERT_TRUE(e.ParseFromString(*bytes));
    e.set_operation("user.delete");
    e.set_hash(ChainHash(e));
    *bytes = e.SerializeAsString();
  });
  auto verified = store_->Verify("t");
  EXPECT_FALSE(verified->ok());
  EXPECT_EQ(verified->first_broken_sequence(), 4u);
}

TEST_P(AuditStoreTest, DeletedOrGarbledEventsAreNamed) {
  AppendN("t", 5);
  ASSERT_TRUE(RunInTransaction(*kv_, [](KvTransaction& txn) {
                return txn.Delete("events", absl::StrFormat("t/%020u", 2));
              }).ok());
  EXPECT_EQ(store_->Verify("t")->first_broken_sequence(), 2u);
  AppendN("u", 3);
  Tamper("u", 3, [](std::string* bytes) { *bytes = "\xff\xff garbage"; });
  auto verified = store_->Verify("u");
  EXPECT_FALSE(verified->ok());
  EXPECT_EQ(verified->first_broken_sequence(), 3u);
  // Dropping the newest event is caught by the head.
  AppendN("v", 3);
  ASSERT_TRUE(RunInTransaction(*kv_, [](KvTransaction& txn) {
                return txn.Delete("events", absl::StrFormat("v/%020u", 3));
              }).ok());
  EXPECT_EQ(store_->Verify("v")->first_broken_sequence(), 3u);
}

TEST_P(AuditStoreTest, QueryFiltersAndPages) {
  const absl::Time start = clock_.Now();
  for (int i = 0; i < 30; ++i) {
    v1::AuditEvent e = Event(absl::StrCat("q", i), "t",
                             i % 3 == 0 ? "key.create" : "user.replace");
    if (i % 2 == 0) e.set_actor("key2");
    ASSERT_TRUE(store_->Append({e}).ok());
    clock_.Advance(absl::Seconds(1));
  }
  v1::QueryRequest q;
  q.set_tenant("t");
  q.set_operation("key.create");
  EXPECT_EQ(store_->Query(q)->events_size(), 10);
  q.set_operation("user.");
  EXPECT_EQ(store_->Query(q)->events_size(), 20);
  q.set_operation("");
  q.set_actor("key2");
  EXPECT_EQ(store_->Query(q)->events_size(), 15);
  q.set_actor("");
  q.set_resource_id("r-q7");
  ASSERT_EQ(store_->Query(q)->events_size(), 1);
  q.set_resource_id("");
  *q.mutable_start_time() = TimeUtil::NanosecondsToTimestamp(
      absl::ToUnixNanos(start + absl::Seconds(10)));
  *q.mutable_end_time() = TimeUtil::NanosecondsToTimestamp(
      absl::ToUnixNanos(start + absl::Seconds(19)));
  EXPECT_EQ(store_->Query(q)->events_size(), 10);
  // Paging: 30 events, 7 at a time.
  v1::QueryRequest page;
  page.set_tenant("t");
  page.set_limit(7);
  int seen = 0;
  for (int i = 0; i < 10; ++i) {
    auto r = store_->Query(page);
    seen += r->events_size();
    if (r->next_after_sequence() == 0) break;
    page.set_after_sequence(r->next_after_sequence());
  }
  EXPECT_EQ(seen, 30);
  v1::QueryRequest no_tenant;
  EXPECT_FALSE(store_->Query(no_tenant).ok());
}

TEST_P(AuditStoreTest, PruneLeavesASignedCheckpointThatVerifies) {
  AppendN("t", 20);  // times start, start+1s, ...
  const absl::Time cut = absl::FromUnixSeconds(1700000000) + absl::Seconds(12);
  auto pruned = store_->Prune("t", cut);
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(pruned->pruned(), 12u);
  EXPECT_EQ(pruned->checkpoint().sequence(), 12u);
  EXPECT_TRUE(VerifySignature(signer_.public_key(),
                              CheckpointMessage(pruned->checkpoint()),
                              pruned->checkpoint().signature()));
  auto verified = store_->Verify("t");
  EXPECT_TRUE(verified->ok()) << verified->detail();
  EXPECT_EQ(verified->events(), 8u);
  AppendN("t", 2);  // the chain continues after a prune
  EXPECT_TRUE(store_->Verify("t")->ok());
  EXPECT_EQ(store_->Tail("t", 100)->front().sequence(), 13u);
  // A forged checkpoint (moved forward to hide events) fails verification.
  auto stored = kv_->Get("checkpoints", "t");
  v1::Checkpoint forged;
  ASSERT_TRUE(forged.ParseFromString(**stored));
  forged.set_sequence(15);
  ASSERT_TRUE(RunInTransaction(*kv_, [&](KvTransaction& txn) {
                return txn.Put("checkpoints", "t", forged.SerializeAsString());
              }).ok());
  EXPECT_FALSE(store_->Verify("t")->ok());
}

TEST_P(AuditStoreTest, WaitForEventsWakesOnAppend) {
  AppendN("t", 1);
  EXPECT_TRUE(store_->WaitForEvents("t", 0, absl::Milliseconds(1)));
  EXPECT_FALSE(store_->WaitForEvents("t", 1, absl::Milliseconds(50)));
  std::thread appender([&] {
    absl::SleepFor(absl::Milliseconds(50));
    AppendN("t", 1);
  });
  EXPECT_TRUE(store_->WaitForEvents("t", 1, absl::Seconds(5)));
  appender.join();
}

INSTANTIATE_TEST_SUITE_P(AllStores, AuditStoreTest, AllKvStores(), KvStoreName);

}  // namespace
}  // namespace scim::audit
