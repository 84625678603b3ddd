// Lost lock races are retried inside identity-service, never answered as 409;
// a request past its deadline (or cancelled) stops and changes nothing.
#include "identity-service/write_retry.h"

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/metrics.h"
#include "common/status.h"
#include "gtest/gtest.h"
#include "identity-service/bulk.h"
#include "identity-service/store_test_fixture.h"
#include "scim/json_codec.h"

namespace scim::identity {
namespace {

using v1::Group;
using v1::User;

// scim_identity_write_retries_total, from the metrics text.
double Retries() {
  const std::string text = MetricsText();
  const std::string name = "\nscim_identity_write_retries_total ";
  const size_t at = text.find(name);
  if (at == std::string::npos) return 0;
  return std::stod(text.substr(at + name.size()));
}

TEST(RunWriteTest, RetriesLockConflictsAndNothingElse) {
  auto kv = NewMemoryKvStore({"a"});
  FakeRandom random;
  const WriteRetryPolicy fast{5, absl::Microseconds(10), absl::Microseconds(40)};
  int runs = 0;
  // Loses twice, then commits.
  absl::Status s = RunWrite(*kv, random, Deadline(), [&](KvTransaction& txn) {
    if (++runs <= 2) return LockConflictError("lock wait timed out");
    return txn.Put("a", "k", "v");
  }, fast);
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(runs, 3);
  EXPECT_EQ(**kv->Get("a", "k"), "v");
  // Never wins: UNAVAILABLE (503), not ABORTED (409).
  runs = 0;
  s = RunWrite(*kv, random, Deadline(), [&](KvTransaction&) {
    ++runs;
    return LockConflictError("lock wait timed out");
  }, fast);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_EQ(runs, 5);
  // A real conflict is the client's, at once: uniqueness, or any ABORTED
  // that is not a lost lock race.
  for (const absl::Status& real :
       {ScimError(absl::StatusCode::kAlreadyExists, scim_type::kUniqueness, "taken"),
        absl::AbortedError("circular bulkId reference")}) {
    runs = 0;
    s = RunWrite(*kv, random, Deadline(), [&](KvTransaction&) {
      ++runs;
      return real;
    }, fast);
    EXPECT_EQ(s, real);
    EXPECT_EQ(runs, 1);
  }
}

TEST(RunWriteTest, StopsAtTheDeadlineOrWhenCancelled) {
  auto kv = NewMemoryKvStore({"a"});
  FakeRandom random;
  FakeClock clock;
  int runs = 0;
  auto body = [&](KvTransaction& txn) {
    ++runs;
    return txn.Put("a", "k", "v");
  };
  absl::Status s = RunWrite(*kv, random, Deadline(&clock, clock.Now()), body);
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_EQ(runs, 0);
  // A cancelled caller stops a write that is retrying (the first attempt
  // looks at the clock only: see the next test).
  const WriteRetryPolicy fast{5, absl::Microseconds(10), absl::Microseconds(40)};
  s = RunWrite(*kv, random,
               Deadline(&clock, clock.Now() + absl::Hours(1), [] { return true; }),
               [&](KvTransaction&) {
                 ++runs;
                 return LockConflictError("busy");
               },
               fast);
  EXPECT_EQ(s.code(), absl::StatusCode::kCancelled) << s;
  EXPECT_EQ(runs, 1);
  runs = 0;
  // Conflicts retried no longer than the deadline allows: the pause that
  // would pass it is not taken.
  s = RunWrite(*kv, random, Deadline(&clock, clock.Now() + absl::Microseconds(1)),
               [&](KvTransaction&) {
                 ++runs;
                 return LockConflictError("busy");
               });
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(kv->Get("a", "k")->has_value());
}

// Whether the caller cancelled is a completion-queue poll in gRPC; a
// request that has just arrived is not asked before its first attempt, only
// before a retry.
TEST(RunWriteTest, OnlyRetriesAskWhetherTheCallerCancelled) {
  auto kv = NewMemoryKvStore({"a"});
  FakeRandom random;
  FakeClock clock;
  const WriteRetryPolicy fast{5, absl::Microseconds(10), absl::Microseconds(40)};
  int polls = 0;
  const Deadline deadline(&clock, clock.Now() + absl::Hours(1), [&] {
    ++polls;
    return false;
  });
  ASSERT_TRUE(RunWrite(*kv, random, deadline, [](KvTransaction& txn) {
                return txn.Put("a", "k", "v");
              }, fast).ok());
  EXPECT_EQ(polls, 0);
  int runs = 0;
  ASSERT_TRUE(RunWrite(*kv, random, deadline, [&](KvTransaction& txn) {
                if (++runs <= 2) return LockConflictError("busy");
                return txn.Put("a", "k", "w");
              }, fast).ok());
  EXPECT_EQ(polls, 2);  // before each of the two retries
  // The first attempt still honours the clock.
  clock.Advance(absl::Hours(2));
  EXPECT_EQ(RunWrite(*kv, random, deadline, [](KvTransaction& txn) {
              return txn.Put("a", "k", "x");
            }, fast).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(**kv->Get("a", "k"), "w");
}

// Entra sends parallel PATCHes to one group. Over RocksDB with a short lock
// timeout, most writers lose lock races; every PATCH must still succeed and
// every member be there.
TEST(ConcurrentPatchTest, ParallelMemberAddsToOneGroupAllSucceed) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           absl::StrCat("concurrent_patch_", getpid()))
                              .string();
  std::filesystem::remove_all(dir);
  RocksDbKvStoreOptions options;
  options.lock_timeout_ms = 5;
  auto kv = OpenRocksDbKvStore(dir, ColumnFamilies(), options);
  ASSERT_TRUE(kv.ok()) << kv.status();
  FakeClock clock;
  FakeRandom random;
  audit::Outbox outbox(kv->get(), kOutboxCf);
  ResourceStore store(kv->get(), &outbox, &CoreRegistryForTests(), &clock, &random);
  const RequestContext ctx("key1", "10.0.0.1", "req-1");
  Group group;
  group.set_display_name("Everyone");
  ASSERT_TRUE(store.Create(GroupResourceType(), "acme", &group, ctx).ok());
  constexpr int kThreads = 8, kPatchesPerThread = 5;
  const double retries_before = Retries();
  // On a loaded machine a round can pass without a single conflict; rounds
  // go on (a bounded number) until one had some, else this shows nothing.
  int rounds = 0;
  for (; rounds < 20 && (rounds == 0 || Retries() == retries_before); ++rounds) {
    std::vector<std::string> users;
    for (int i = 0; i < kThreads * kPatchesPerThread; ++i) {
      User u;
      u.set_user_name(absl::StrCat("user", rounds, "-", i));
      ASSERT_TRUE(store.Create(UserResourceType(), "acme", &u, ctx).ok());
      users.push_back(u.id());
    }
    std::atomic<int> failures{0};
    std::atomic<int> waiting{kThreads};
    std::vector<std::string> errors(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        // All start together: the conflicts are the point.
        waiting.fetch_sub(1);
        while (waiting.load() > 0) std::this_thread::yield();
        for (int i = 0; i < kPatchesPerThread; ++i) {
          const std::string& member = users[t * kPatchesPerThread + i];
          auto ops = ParsePatchOperations(Json::parse(absl::StrCat(
              R"([{"op":"add","path":"members","value":[{"value":")", member,
              R"("}]}])")));
          Group out;
          const auto no_members = store.ProjectionOf(GroupResourceType(), [] {
            v1::Projection p;
            p.add_excluded_attributes("members");
            return p;
          }());
          absl::Status s = store.Patch(GroupResourceType(), "acme", group.id(), "",
                                       *ops, &out, ctx, {}, no_members.get());
          if (!s.ok()) {
            ++failures;
            errors[t] = s.ToString();
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), 0) << absl::StrJoin(errors, "; ");
  }
  EXPECT_GT(Retries(), retries_before);
  Group read;
  ASSERT_TRUE(store.Get(GroupResourceType(), "acme", group.id(), &read).ok());
  EXPECT_EQ(read.members_size(), rounds * kThreads * kPatchesPerThread);
  EXPECT_EQ(read.meta().version(),
            FormatVersion(1 + rounds * kThreads * kPatchesPerThread));
  kv->reset();
  std::filesystem::remove_all(dir);
}

// A request whose deadline has passed changes nothing and says why.
class DeadlineTest : public StoreTest {
 protected:
  RequestContext Expired() {
    return RequestContext("key1", "10.0.0.1", "req-2",
                          Deadline(&clock_, clock_.Now() - absl::Seconds(1)));
  }
};

TEST_P(DeadlineTest, ExpiredRequestsStopAndChangeNothing) {
  User u;
  u.set_user_name("bjensen");
  ASSERT_TRUE(store_->Create(UserResourceType(), "acme", &u, ctx_).ok());
  Group g;
  g.set_display_name("G");
  ASSERT_TRUE(store_->Create(GroupResourceType(), "acme", &g, ctx_).ok());

  auto ops = ParsePatchOperations(Json::parse(absl::StrCat(
      R"([{"op":"add","path":"members","value":[{"value":")", u.id(),
      R"("}]},{"op":"replace","path":"displayName","value":"H"}])")));
  Group out;
  EXPECT_EQ(store_->Patch(GroupResourceType(), "acme", g.id(), "", *ops, &out,
                          Expired())
                .code(),
            absl::StatusCode::kDeadlineExceeded);
  User created = u;
  created.clear_id();
  created.set_user_name("other");
  EXPECT_EQ(store_->Create(UserResourceType(), "acme", &created, Expired()).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(store_->Delete(UserResourceType(), "acme", u.id(), "", Expired()).code(),
            absl::StatusCode::kDeadlineExceeded);
  ListResult listed;
  EXPECT_EQ(store_->List(UserResourceType(), "acme", v1::ListRequest(), &listed,
                         Expired().deadline)
                .code(),
            absl::StatusCode::kDeadlineExceeded);

  v1::BulkRequest bulk;
  bulk.set_tenant("acme");
  v1::BulkOperation* op = bulk.add_operations();
  op->set_method("POST");
  op->set_path("/Users");
  JsonToValue(Json{{"userName", "via-bulk"}}, op->mutable_data());
  v1::BulkResponse response;
  EXPECT_EQ(RunBulk(*store_, bulk, {}, Expired(), &response).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(response.operations_size(), 0);

  // Nothing changed, and no lock is left behind: a live request goes through.
  Group read;
  ASSERT_TRUE(store_->Get(GroupResourceType(), "acme", g.id(), &read).ok());
  EXPECT_EQ(read.display_name(), "G");
  EXPECT_EQ(read.members_size(), 0);
  ASSERT_TRUE(store_->List(UserResourceType(), "acme", v1::ListRequest(), &listed).ok());
  EXPECT_EQ(listed.total_results, 1);
  ASSERT_TRUE(store_->Patch(GroupResourceType(), "acme", g.id(), "", *ops, &out, ctx_).ok());
  EXPECT_EQ(out.members_size(), 1);
}

INSTANTIATE_TEST_SUITE_P(AllStores, DeadlineTest, ::testing::Values("Memory", "RocksDb"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace scim::identity
