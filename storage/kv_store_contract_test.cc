// One contract, every KvStore implementation.
#include <atomic>
#include <filesystem>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "rocksdb/perf_context.h"
#include "rocksdb/perf_level.h"
#include "storage/kv_store.h"

namespace scim {
namespace {

#define RETURN_IF_ERROR_FOR_TEST(expr)   \
  do {                                   \
    const absl::Status status_ = (expr); \
    if (!status_.ok()) return status_;   \
  } while (0)

const std::vector<std::string> kCfs = {"a", "b"};

struct Impl {
  std::string name;
  // Opens the store at `dir` (ignored by in-memory stores).
  std::function<std::unique_ptr<KvStore>(const std::string& dir)> open;
};

class KvStoreContractTest : public ::testing::TestWithParam<Impl> {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("kvtest_", getpid(), "_",
                         ::testing::UnitTest::GetInstance()
                             ->current_test_info()
                             ->line()))
               .string();
    std::filesystem::remove_all(dir_);
    store_ = GetParam().open(dir_);
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::optional<std::string> Get(const std::string& cf,
                                 const std::string& key) {
    auto v = store_->Get(cf, key);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : std::nullopt;
  }

  void Put(const std::string& cf, const std::string& key,
           const std::string& value) {
    ASSERT_TRUE(RunInTransaction(*store_, [&](KvTransaction& txn) {
                  return txn.Put(cf, key, value);
                }).ok());
  }

  std::vector<std::string> Keys(const std::string& cf,
                                const std::string& prefix,
                                const std::string& start = "") {
    std::vector<std::string> keys;
    EXPECT_TRUE(store_
                    ->Scan(cf, prefix, start,
                           [&](absl::string_view k, absl::string_view) {
                             keys.emplace_back(k);
                             return true;
                           })
                    .ok());
    return keys;
  }

  std::string dir_;
  std::unique_ptr<KvStore> store_;
};

TEST_P(KvStoreContractTest, PutGetDelete) {
  EXPECT_FALSE(Get("a", "k").has_value());
  Put("a", "k", "v1");
  EXPECT_EQ(Get("a", "k"), "v1");
  Put("a", "k", "v2");
  EXPECT_EQ(Get("a", "k"), "v2");
  ASSERT_TRUE(RunInTransaction(*store_, [](KvTransaction& txn) {
                return txn.Delete("a", "k");
              }).ok());
  EXPECT_FALSE(Get("a", "k").has_value());
}

TEST_P(KvStoreContractTest, ColumnFamiliesAreSeparate) {
  Put("a", "k", "in-a");
  EXPECT_FALSE(Get("b", "k").has_value());
  EXPECT_FALSE(store_->Get("nope", "k").ok());
}

TEST_P(KvStoreContractTest, BinaryKeysAndValues) {
  std::string key("t\0x", 3), value("\0\1\2", 3);
  Put("a", key, value);
  EXPECT_EQ(Get("a", key), value);
  EXPECT_FALSE(Get("a", "t").has_value());
}

TEST_P(KvStoreContractTest, ScanIsOrderedAndBoundedByPrefix) {
  for (const char* k : {"t1/c", "t1/a", "t2/a", "t1/b", "t0/z", "t1"}) {
    Put("a", k, "v");
  }
  EXPECT_EQ(Keys("a", "t1/"),
            (std::vector<std::string>{"t1/a", "t1/b", "t1/c"}));
  EXPECT_EQ(Keys("a", "t1/", "t1/b"),
            (std::vector<std::string>{"t1/b", "t1/c"}));
  EXPECT_EQ(Keys("a", "t1/", "t1/bb"), (std::vector<std::string>{"t1/c"}));
  EXPECT_TRUE(Keys("a", "t3/").empty());
  EXPECT_EQ(Keys("a", "").size(), 6u);
}

TEST_P(KvStoreContractTest, ScanStopsWhenAsked) {
  for (int i = 0; i < 10; ++i) Put("a", absl::StrCat("k", i), "v");
  int seen = 0;
  ASSERT_TRUE(store_
                  ->Scan("a", "k", "",
                         [&](absl::string_view, absl::string_view) {
                           return ++seen < 3;
                         })
                  .ok());
  EXPECT_EQ(seen, 3);
}

TEST_P(KvStoreContractTest, TransactionIsAtomicAndInvisibleUntilCommit) {
  {
    auto txn = store_->BeginTransaction();
    ASSERT_TRUE(txn->Put("a", "x", "1").ok());
    ASSERT_TRUE(txn->Put("b", "y", "2").ok());
    // Read-your-own-writes inside the transaction.
    auto own = txn->GetForUpdate("a", "x");
    ASSERT_TRUE(own.ok());
    EXPECT_EQ(**own, "1");
    EXPECT_FALSE(Get("a", "x").has_value());
    ASSERT_TRUE(txn->Commit().ok());
  }
  EXPECT_EQ(Get("a", "x"), "1");
  EXPECT_EQ(Get("b", "y"), "2");
}

// Unsynced only skips the fsync: atomic, invisible until commit, and locked
// against synced ones like any other.
TEST_P(KvStoreContractTest, AnUnsyncedTransactionIsATransactionToo) {
  Put("a", "n", "0");
  {
    auto txn = store_->BeginUnsyncedTransaction();
    ASSERT_TRUE(txn->Put("a", "x", "1").ok());
    ASSERT_TRUE(txn->Delete("a", "n").ok());
    ASSERT_TRUE(txn->AddToCounter("b", "c", 5).ok());
    EXPECT_FALSE(Get("a", "x").has_value());
    EXPECT_EQ(Get("a", "n"), "0");
    ASSERT_TRUE(txn->Commit().ok());
  }
  EXPECT_EQ(Get("a", "x"), "1");
  EXPECT_FALSE(Get("a", "n").has_value());
  EXPECT_EQ(*DecodeCounter(*Get("b", "c")), 5);
  {
    auto discarded = store_->BeginUnsyncedTransaction();
    ASSERT_TRUE(discarded->Put("a", "y", "1").ok());
  }
  EXPECT_FALSE(Get("a", "y").has_value());
  Put("a", "counter", "0");
  constexpr int kThreads = 4, kIncrements = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const Durability durability = t % 2 ? Durability::kUnsynced : Durability::kSynced;
      for (int i = 0; i < kIncrements; ++i) {
        absl::Status s = RunInTransaction(
            *store_,
            [](KvTransaction& txn) {
              auto v = txn.GetForUpdate("a", "counter");
              if (!v.ok()) return v.status();
              int n = 0;
              if (!absl::SimpleAtoi(**v, &n)) return absl::InternalError("nan");
              return txn.Put("a", "counter", absl::StrCat(n + 1));
            },
            durability);
        if (!s.ok()) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Get("a", "counter"), absl::StrCat(kThreads * kIncrements));
}

TEST_P(KvStoreContractTest, TransactionScanSeesItsOwnWrites) {
  for (const char* k : {"g/a", "g/b", "g/c", "h/a"}) Put("a", k, "old");
  auto txn = store_->BeginTransaction();
  ASSERT_TRUE(txn->Put("a", "g/bb", "new").ok());     // inserted
  ASSERT_TRUE(txn->Put("a", "g/c", "changed").ok());  // overwritten
  ASSERT_TRUE(txn->Delete("a", "g/a").ok());          // deleted
  ASSERT_TRUE(txn->Put("a", "g/d", "gone").ok());     // put, then deleted
  ASSERT_TRUE(txn->Delete("a", "g/d").ok());
  ASSERT_TRUE(txn->Put("a", "h/b", "new").ok());      // another prefix
  ASSERT_TRUE(txn->Put("b", "g/z", "new").ok());      // another column family
  auto scan = [&](absl::string_view prefix, absl::string_view start,
                  int limit = 100) {
    std::vector<std::string> rows;
    const absl::Status s = txn->Scan(
        "a", prefix, start, [&](absl::string_view k, absl::string_view v) {
          rows.push_back(absl::StrCat(k, "=", v));
          return static_cast<int>(rows.size()) < limit;
        });
    EXPECT_TRUE(s.ok()) << s;
    return rows;
  };
  EXPECT_EQ(scan("g/", ""),
            (std::vector<std::string>{"g/b=old", "g/bb=new", "g/c=changed"}));
  EXPECT_EQ(scan("g/", "g/bb"),
            (std::vector<std::string>{"g/bb=new", "g/c=changed"}));
  EXPECT_EQ(scan("g/", "", 1), (std::vector<std::string>{"g/b=old"}));
  EXPECT_EQ(scan("h/", ""), (std::vector<std::string>{"h/a=old", "h/b=new"}));
  EXPECT_FALSE(txn->Scan("nope", "", "", [](auto, auto) { return true; }).ok());
  // Outside the transaction nothing has changed yet.
  EXPECT_EQ(Keys("a", "g/"), (std::vector<std::string>{"g/a", "g/b", "g/c"}));
  ASSERT_TRUE(txn->Commit().ok());
  EXPECT_EQ(Keys("a", "g/"), (std::vector<std::string>{"g/b", "g/bb", "g/c"}));
}

TEST_P(KvStoreContractTest, UncommittedTransactionIsDiscarded) {
  {
    auto txn = store_->BeginTransaction();
    ASSERT_TRUE(txn->Put("a", "x", "1").ok());
  }
  EXPECT_FALSE(Get("a", "x").has_value());
  Put("a", "x", "2");  // and the store is not left locked
  EXPECT_EQ(Get("a", "x"), "2");
}

TEST_P(KvStoreContractTest, ConcurrentReadModifyWriteLosesNoUpdate) {
  Put("a", "counter", "0");
  constexpr int kThreads = 4, kIncrements = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        absl::Status s = RunInTransaction(*store_, [](KvTransaction& txn) {
          auto v = txn.GetForUpdate("a", "counter");
          if (!v.ok()) return v.status();
          int n = 0;
          if (!absl::SimpleAtoi(**v, &n)) return absl::InternalError("nan");
          return txn.Put("a", "counter", absl::StrCat(n + 1));
        });
        if (!s.ok()) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Get("a", "counter"), absl::StrCat(kThreads * kIncrements));
}

TEST_P(KvStoreContractTest, ScanBackwardIsDescendingAndBounded) {
  for (const char* k : {"p", "p/1", "p/2", "p/3", "p0", "q", "o"}) Put("a", k, "v");
  Put("a", std::string("p/\xff\xff", 4), "v");
  auto backward = [&](const std::string& prefix, const std::string& before) {
    std::vector<std::string> keys;
    EXPECT_TRUE(store_
                    ->ScanBackward("a", prefix, before,
                                   [&](absl::string_view k, absl::string_view) {
                                     keys.emplace_back(k);
                                     return true;
                                   })
                    .ok());
    return keys;
  };
  using V = std::vector<std::string>;
  const std::string high("p/\xff\xff", 4);
  EXPECT_EQ(backward("p/", ""), (V{high, "p/3", "p/2", "p/1"}));
  EXPECT_EQ(backward("p/", "p/3"), (V{"p/2", "p/1"}));
  EXPECT_EQ(backward("p/", "p/25"), (V{"p/2", "p/1"}));
  EXPECT_EQ(backward("p/", "p/1"), V{});
  EXPECT_EQ(backward("p/", "p/"), V{});
  EXPECT_EQ(backward("p/", "a"), V{});
  EXPECT_EQ(backward("p/", "z"), (V{high, "p/3", "p/2", "p/1"}));
  EXPECT_EQ(backward("", "p"), V{"o"});
  EXPECT_EQ(backward("", "").front(), "q");
  EXPECT_EQ(backward("\xff", ""), V{});
  // Stops when asked.
  int visited = 0;
  ASSERT_TRUE(store_->ScanBackward("a", "p/", "", [&](absl::string_view, absl::string_view) {
    return ++visited < 2;
  }).ok());
  EXPECT_EQ(visited, 2);
}

TEST_P(KvStoreContractTest, IngestSortedAndDeleteRange) {
  Put("a", "t1/old", "kept unless overwritten");
  Put("a", "t2/x", "other tenant");
  std::vector<std::pair<std::string, std::string>> rows = {
      {"t1/a", "1"}, {"t1/b", std::string("\0\1", 2)}, {"t1/c", EncodeCounter(40)}};
  ASSERT_TRUE(store_->IngestSorted("a", rows).ok());
  EXPECT_EQ(Get("a", "t1/b"), std::string("\0\1", 2));
  EXPECT_EQ(Get("b", "t1/a"), std::nullopt) << "one column family only";
  // An ingested counter takes later adds.
  ASSERT_TRUE(RunInTransaction(*store_, [](KvTransaction& txn) {
                return txn.AddToCounter("a", "t1/c", 2);
              }).ok());
  EXPECT_EQ(*DecodeCounter(*Get("a", "t1/c")), 42);
  EXPECT_FALSE(store_->IngestSorted("a", {{"z", "1"}, {"y", "2"}}).ok()) << "unsorted";
  EXPECT_FALSE(store_->IngestSorted("nope", rows).ok());
  EXPECT_TRUE(store_->IngestSorted("a", {}).ok());
  // DeleteRange takes [begin, end): the other tenant stays.
  ASSERT_TRUE(store_->DeleteRange("a", "t1/", "t10").ok());
  EXPECT_EQ(Keys("a", "t1/"), std::vector<std::string>{});
  EXPECT_EQ(Get("a", "t2/x"), "other tenant");
  // Transactions still work on the range afterwards.
  Put("a", "t1/a", "again");
  EXPECT_EQ(Get("a", "t1/a"), "again");
}

TEST_P(KvStoreContractTest, CompactKeepsWhatTheStoreHolds) {
  std::vector<std::string> kept;
  ASSERT_TRUE(RunInTransaction(*store_, [](KvTransaction& txn) {
                for (int i = 0; i < 100; ++i) {
                  RETURN_IF_ERROR_FOR_TEST(txn.Put("a", absl::StrCat("q/", 1000 + i), "v"));
                }
                return txn.Put("b", "q/1000", "other family");
              }).ok());
  ASSERT_TRUE(RunInTransaction(*store_, [](KvTransaction& txn) {
                for (int i = 0; i < 100; i += 2) {
                  RETURN_IF_ERROR_FOR_TEST(txn.Delete("a", absl::StrCat("q/", 1000 + i)));
                }
                return absl::OkStatus();
              }).ok());
  for (int i = 1; i < 100; i += 2) kept.push_back(absl::StrCat("q/", 1000 + i));
  ASSERT_TRUE(store_->Compact("a", "q/1000", "q/1050").ok());
  EXPECT_EQ(Keys("a", "q/"), kept);
  ASSERT_TRUE(store_->Compact("a", "", "").ok());
  EXPECT_EQ(Keys("a", "q/"), kept);
  EXPECT_EQ(Get("a", "q/1001"), "v");
  EXPECT_EQ(Get("b", "q/1000"), "other family");
  if (std::string(GetParam().name) == "RocksDb") {
    EXPECT_FALSE(store_->Compact("nope", "", "").ok()) << "no such column family";
  }
}

TEST_P(KvStoreContractTest, CountersSumCommittedAddsOnly) {
  auto add = [&](const std::string& key, int64_t delta, bool commit) {
    std::unique_ptr<KvTransaction> txn = store_->BeginTransaction();
    ASSERT_TRUE(txn->AddToCounter("a", key, delta).ok());
    ASSERT_TRUE(txn->Put("a", "other", "x").ok());
    if (commit) ASSERT_TRUE(txn->Commit().ok());
  };
  auto counter = [&](const std::string& key) -> int64_t {
    auto bytes = Get("a", key);
    if (!bytes.has_value()) return -999;
    auto n = DecodeCounter(*bytes);
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? *n : -999;
  };
  add("c", 5, true);
  EXPECT_EQ(counter("c"), 5);
  add("c", -7, true);
  EXPECT_EQ(counter("c"), -2);
  add("c", 100, false);  // discarded with its transaction
  EXPECT_EQ(counter("c"), -2);
  Put("a", "d", EncodeCounter(40));  // a Put sets, later adds add to it
  add("d", 2, true);
  EXPECT_EQ(counter("d"), 42);
  // Adds to one counter from many writers at once lose nothing and never
  // wait on a lock.
  constexpr int kThreads = 4, kAdds = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kAdds; ++i) {
        absl::Status s = RunInTransaction(*store_, [](KvTransaction& txn) {
          return txn.AddToCounter("a", "shared", 1);
        });
        if (!s.ok()) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(counter("shared"), kThreads * kAdds);
}

TEST(CounterCodecTest, RoundTripsAndRejectsOtherSizes) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{1} << 40,
                    std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    auto back = DecodeCounter(EncodeCounter(v));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, v);
  }
  EXPECT_FALSE(DecodeCounter("1234567").ok());
  EXPECT_FALSE(DecodeCounter("").ok());
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor("\xff"), "");
  EXPECT_EQ(PrefixSuccessor(""), "");
}

INSTANTIATE_TEST_SUITE_P(
    AllStores, KvStoreContractTest,
    ::testing::Values(
        Impl{"Memory",
             [](const std::string&) { return NewMemoryKvStore(kCfs); }},
        Impl{"RocksDb",
             [](const std::string& dir) -> std::unique_ptr<KvStore> {
               auto s = OpenRocksDbKvStore(dir, kCfs);
               return s.ok() ? std::move(*s) : nullptr;
             }}),
    [](const ::testing::TestParamInfo<Impl>& info) { return info.param.name; });

// A queue's head: after its keys are removed, a scan from its start steps
// over their deletion markers until Compact clears them.
TEST(RocksDbKvStoreTest, CompactLeavesNoDeletionMarkersToStepOver) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / absl::StrCat("kvcompact_", getpid()))
          .string();
  std::filesystem::remove_all(dir);
  auto store = OpenRocksDbKvStore(dir, kCfs);
  ASSERT_TRUE(store.ok()) << store.status();
  constexpr int kKeys = 20000, kRemoved = 19990;
  auto key = [](int i) { return absl::StrCat("q/", 100000 + i); };
  for (int from = 0; from < kKeys; from += 1000) {
    ASSERT_TRUE(RunInTransaction(**store, [&](KvTransaction& txn) {
                  for (int i = from; i < from + 1000; ++i) {
                    RETURN_IF_ERROR_FOR_TEST(txn.Put("a", key(i), "event"));
                  }
                  return absl::OkStatus();
                }).ok());
  }
  for (int from = 0; from < kRemoved; from += 1000) {
    ASSERT_TRUE(RunInTransaction(**store, [&](KvTransaction& txn) {
                  for (int i = from; i < std::min(from + 1000, kRemoved); ++i) {
                    RETURN_IF_ERROR_FOR_TEST(txn.Delete("a", key(i)));
                  }
                  return absl::OkStatus();
                }).ok());
  }
  // Deletion markers a scan from the start steps over before its first key.
  auto stepped_over = [&] {
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
    rocksdb::get_perf_context()->Reset();
    int seen = 0;
    EXPECT_TRUE((*store)->Scan("a", "", "", [&](absl::string_view, absl::string_view) {
                          ++seen;
                          return true;
                        }).ok());
    EXPECT_EQ(seen, kKeys - kRemoved);
    const uint64_t skipped = rocksdb::get_perf_context()->internal_delete_skipped_count;
    rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
    return skipped;
  };
  EXPECT_GE(stepped_over(), static_cast<uint64_t>(kRemoved));
  ASSERT_TRUE((*store)->Compact("a", "", key(kRemoved)).ok());
  EXPECT_EQ(stepped_over(), 0u);
  store->reset();
  std::filesystem::remove_all(dir);
}

TEST(RocksDbKvStoreTest, CommittedDataSurvivesReopen) {
  std::string dir =
      (std::filesystem::temp_directory_path() / absl::StrCat("kvreopen_", getpid()))
          .string();
  std::filesystem::remove_all(dir);
  {
    auto store = OpenRocksDbKvStore(dir, kCfs);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE(RunInTransaction(**store, [](KvTransaction& txn) {
                  return txn.Put("b", "k", "durable");
                }).ok());
  }
  auto store = OpenRocksDbKvStore(dir, kCfs);
  ASSERT_TRUE(store.ok()) << store.status();
  auto v = (*store)->Get("b", "k");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(**v, "durable");
  store->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace scim

namespace scim {
namespace {

// RocksDB only (the memory store runs one transaction at a time): an add to
// a counter takes no key lock, so a writer holding an uncommitted add never
// makes another writer's add wait (it would get a lock conflict here).
TEST(RocksDbKvStoreTest, CounterAddsNeverWaitForEachOther) {
  std::string dir = (std::filesystem::temp_directory_path() /
                     absl::StrCat("kvcounter_", getpid()))
                        .string();
  std::filesystem::remove_all(dir);
  RocksDbKvStoreOptions options;
  options.lock_timeout_ms = 50;
  auto store = OpenRocksDbKvStore(dir, kCfs, options);
  ASSERT_TRUE(store.ok()) << store.status();
  std::unique_ptr<KvTransaction> first = (*store)->BeginTransaction();
  ASSERT_TRUE(first->AddToCounter("a", "total", 1).ok());
  std::unique_ptr<KvTransaction> second = (*store)->BeginTransaction();
  ASSERT_TRUE(second->AddToCounter("a", "total", 1).ok());
  ASSERT_TRUE(second->Put("a", "other", "x").ok());
  EXPECT_TRUE(second->Commit().ok()) << "the second add waited for the first's lock";
  EXPECT_TRUE(first->Commit().ok());
  auto total = (*store)->Get("a", "total");
  ASSERT_TRUE(total.ok() && total->has_value());
  EXPECT_EQ(*DecodeCounter(**total), 2);
  first.reset();
  second.reset();
  store->reset();
  std::filesystem::remove_all(dir);
}

TEST(RocksDbKvStoreTest, CreatesMissingParentDirectories) {
  std::string root = (std::filesystem::temp_directory_path() /
                      absl::StrCat("kvnested_", getpid()))
                         .string();
  std::filesystem::remove_all(root);
  auto store = OpenRocksDbKvStore(root + "/a/b/db", kCfs);
  ASSERT_TRUE(store.ok()) << store.status();
  store->reset();
  std::filesystem::remove_all(root);
}

TEST(RocksDbKvStoreTest, RecordsAndChecksTheDataFormat) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           absl::StrCat("kvformat_", getpid()))
                              .string();
  std::filesystem::remove_all(dir);
  auto open = [&](const std::string& service, int version) {
    RocksDbKvStoreOptions options;
    options.format = DataFormat{service, version};
    return OpenRocksDbKvStore(dir, kCfs, options);
  };
  ASSERT_TRUE(open("identity", 2).ok()) << "a new database records its format";
  ASSERT_TRUE(open("identity", 2).ok()) << "and opens again";
  // Another service's data, a newer format, an older one: each refused,
  // saying what to do.
  auto other = open("token", 2);
  ASSERT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(other.status().message().find("holds identity-service's data"), std::string::npos)
      << other.status();
  auto older_binary = open("identity", 1);
  ASSERT_EQ(older_binary.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(older_binary.status().message().find("written by a newer release"),
            std::string::npos)
      << older_binary.status();
  auto newer_binary = open("identity", 3);
  ASSERT_EQ(newer_binary.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(newer_binary.status().message().find("no migration"), std::string::npos)
      << newer_binary.status();
  std::filesystem::remove_all(dir);

  // A database from before formats were recorded is version 1.
  ASSERT_TRUE(OpenRocksDbKvStore(dir, kCfs).ok());
  EXPECT_EQ(open("identity", 2).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(open("identity", 1).ok());
  EXPECT_TRUE(open("identity", 1).ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace scim
