// The etcd client and the shard map against a real etcd.
#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "sharding/etcd_client.h"
#include "sharding/etcd_server_for_tests.h"
#include "sharding/shard_map.h"
#include "sharding/wrong_shard.h"

namespace scim::sharding {
namespace {

TEST(EtcdClientTest, EndpointsFlag) {
  struct Case {
    const char* flag;
    bool ok;
  };
  const Case cases[] = {
      {"http://127.0.0.1:2379", true},
      {"http://a:1,b:2", true},
      {"http://a:1, http://b:2/", true},
      {"", false},
      {"http://", false},
      {"http://a", false},
      {"http://a:0", false},
      {"http://a:99999", false},
      {"http://a:1/path", false},
      {"https://a:1", false},
      {":1", false},
      {"a:b", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(EtcdClient::Connect(c.flag).ok(), c.ok) << c.flag;
  }
  std::string many;
  for (int i = 0; i < 17; ++i) many += "http://a:1,";
  EXPECT_FALSE(EtcdClient::Connect(many).ok());
}

TEST(EtcdClientTest, RangeEnd) {
  EXPECT_EQ(RangeEnd("/scim/"), "/scim0");
  EXPECT_EQ(RangeEnd(std::string("a\xff", 2)), "b");
}

TEST(EtcdClientTest, UnreachableIsUnavailable) {
  auto etcd = EtcdClient::Connect(absl::StrCat("http://127.0.0.1:", FreePort()),
                                  absl::Milliseconds(300));
  ASSERT_TRUE(etcd.ok());
  EXPECT_EQ((*etcd)->Get("x").status().code(), absl::StatusCode::kUnavailable);
}

class EtcdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!EtcdServerForTests::Installed()) GTEST_SKIP() << "etcd is not installed";
    server_ = std::make_unique<EtcdServerForTests>();
    ASSERT_TRUE(server_->up());
  }
  std::unique_ptr<EtcdClient> Client() {
    // The first endpoint is dead: calls go on to the next.
    auto c = EtcdClient::Connect(absl::StrCat("http://127.0.0.1:", FreePort(), ",",
                                              server_->endpoint()),
                                 absl::Seconds(2));
    EXPECT_TRUE(c.ok());
    return std::move(*c);
  }
  std::unique_ptr<EtcdServerForTests> server_;
};

TEST_F(EtcdTest, GetPutRangeAndCompareAndSwap) {
  auto etcd = Client();
  EXPECT_EQ(*etcd->Get("/a/x"), std::nullopt);
  ASSERT_TRUE(etcd->Put("/a/x", std::string("v\0\xff", 3)).ok());
  ASSERT_TRUE(etcd->Put("/a/y", "2").ok());
  ASSERT_TRUE(etcd->Put("/b/z", "3").ok());
  auto x = etcd->Get("/a/x");
  ASSERT_TRUE(x.ok() && x->has_value());
  EXPECT_EQ((*x)->value, std::string("v\0\xff", 3));
  auto range = etcd->Range("/a/");
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->kvs.size(), 2u);
  EXPECT_EQ(range->kvs[1].key, "/a/y");
  EXPECT_GE(range->revision, (*x)->mod_revision);

  // Compare-and-swap: only against the revision read.
  EXPECT_TRUE(*etcd->Txn({{"/a/x", (*x)->mod_revision}}, {{"/a/x", "new"}}));
  EXPECT_FALSE(*etcd->Txn({{"/a/x", (*x)->mod_revision}}, {{"/a/x", "lost"}}));
  EXPECT_EQ((*etcd->Get("/a/x"))->value, "new");
  // Create-if-absent, and an atomic two-key write with a delete.
  EXPECT_FALSE(*etcd->Txn({{"/a/y", 0}}, {{"/a/y", "no"}}));
  auto y = *etcd->Get("/a/y");
  EXPECT_TRUE(*etcd->Txn({{"/a/new", 0}, {"/a/y", y->mod_revision}},
                         {{"/a/new", "1"}, {"/a/y", std::nullopt}}));
  EXPECT_EQ(*etcd->Get("/a/y"), std::nullopt);
  EXPECT_EQ((*etcd->Get("/a/new"))->value, "1");
}

TEST_F(EtcdTest, WatchSeesChangesAndEndsWhenCancelled) {
  auto etcd = Client();
  auto writer = Client();
  const int64_t from = etcd->Range("/w/")->revision + 1;
  std::atomic<int> puts{0}, deletes{0};
  absl::Status ended;
  std::thread watcher([&] {
    ended = etcd->Watch("/w/", from, [&](const std::vector<EtcdEvent>& events) {
      for (const auto& e : events) (e.deleted ? deletes : puts)++;
    });
  });
  ASSERT_TRUE(writer->Put("/w/1", "a").ok());
  ASSERT_TRUE(writer->Put("/other", "not watched").ok());
  ASSERT_TRUE(writer->Txn({}, {{"/w/1", std::nullopt}}).ok());
  for (int i = 0; i < 200 && (puts < 1 || deletes < 1); ++i) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(puts.load(), 1);
  EXPECT_EQ(deletes.load(), 1);
  etcd->CancelWatch();
  watcher.join();
  EXPECT_EQ(ended.code(), absl::StatusCode::kCancelled) << ended;
}

TEST_F(EtcdTest, ShardMapPlacesAndFollowsOtherProcesses) {
  auto a = ShardMap::Start(Client());
  auto b = ShardMap::Start(Client());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ((*a)->Owner("legacy"), (Placement{0, 0})) << "absent: shard 0";
  EXPECT_EQ((*a)->PlaceTenant("t1", -1).status().code(), absl::StatusCode::kFailedPrecondition)
      << "no shard registered";
  ASSERT_TRUE((*a)->RegisterShard(0, "10.0.0.1:50051").ok());
  ASSERT_TRUE((*a)->RegisterShard(1, "10.0.0.2:50051").ok());
  EXPECT_FALSE((*a)->RegisterShard(kMaxShards, "x").ok());
  // Least loaded: 0, then 1, then 0 ...
  EXPECT_EQ((*a)->PlaceTenant("t1", -1)->shard, 0);
  EXPECT_EQ((*a)->PlaceTenant("t2", -1)->shard, 1);
  EXPECT_EQ((*a)->PlaceTenant("t3", 1)->shard, 1);
  EXPECT_EQ((*a)->PlaceTenant("t4", -1)->shard, 0);
  EXPECT_EQ((*a)->PlaceTenant("t1", 1).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ((*a)->PlaceTenant("t5", 7).status().code(), absl::StatusCode::kInvalidArgument);
  // A shard that does not answer takes no new tenant.
  auto only_1 = [](int n) { return n == 1; };
  EXPECT_EQ((*a)->PlaceTenant("t6", -1, only_1)->shard, 1);
  EXPECT_EQ((*a)->PlaceTenant("t7", 0, only_1).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ((*a)->PlaceTenant("t7", -1, [](int) { return false; }).status().code(),
            absl::StatusCode::kUnavailable);
  ASSERT_TRUE((*a)->RemoveTenant("t6").ok());

  // The other process's cache follows by the watch.
  // Wait for the last change (t6's removal), which the watch delivers last.
  const std::map<int, int64_t> expected = {{0, 2}, {1, 2}};
  for (int i = 0; i < 500 && (*b)->TenantCounts() != expected; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ((*b)->Owner("t2"), (Placement{1, 1}));
  EXPECT_EQ((*b)->Owner("t4"), (Placement{0, 1}));
  EXPECT_EQ((*b)->Shards().size(), 2u);
  EXPECT_EQ(*(*b)->Address(1), "10.0.0.2:50051");
  EXPECT_EQ((*b)->TenantCounts(), expected);

  // A flip written by someone else is read at once by Refresh.
  auto etcd = Client();
  ASSERT_TRUE(etcd->Put(ShardMap::TenantKey("t1"), EncodePlacement({1, 2})).ok());
  EXPECT_EQ(*(*a)->Refresh("t1"), (Placement{1, 2}));
  ASSERT_TRUE((*a)->RemoveTenant("t1").ok());
  EXPECT_EQ((*a)->Owner("t1"), (Placement{0, 0}));
  // Garbage in the map is ignored, not trusted.
  ASSERT_TRUE(etcd->Put(ShardMap::TenantKey("bad"), "{\"shard\":-4}").ok());
  EXPECT_EQ(*(*a)->Refresh("bad"), (Placement{0, 0}));
}

TEST_F(EtcdTest, ShardMapRoutesFromItsCacheWhileEtcdIsAway) {
  auto map = ShardMap::Start(Client());
  ASSERT_TRUE(map.ok());
  ASSERT_TRUE((*map)->RegisterShard(0, "a:1").ok());
  ASSERT_TRUE((*map)->PlaceTenant("kept", 0).ok());
  server_->Kill();
  // Routing goes on from the cache while etcd is away.
  EXPECT_EQ((*map)->Owner("kept"), (Placement{0, 1}));
  EXPECT_EQ((*map)->PlaceTenant("new", 0).status().code(), absl::StatusCode::kUnavailable);
}

TEST(ShardMapTest, PlacementEncoding) {
  EXPECT_EQ(DecodePlacement(EncodePlacement({3, 9})), (Placement{3, 9}));
  for (const char* bad : {"", "{", "[]", "{\"shard\":1}", "{\"shard\":\"1\",\"epoch\":1}",
                          "{\"shard\":5000,\"epoch\":1}", "{\"shard\":1,\"epoch\":-1}",
                          "{\"shard\":4294967297,\"epoch\":1}", "{\"shard\":1,\"epoch\":1,\"frozen_until\":\"x\"}"}) {
    EXPECT_EQ(DecodePlacement(bad), std::nullopt) << bad;
  }
}

TEST(WrongShardTest, RefusalsAreToldApart) {
  const absl::Status wrong = WrongShardError("acme", {2, 5}, 0);
  EXPECT_TRUE(IsWrongShard(wrong));
  EXPECT_NE(wrong.message().find("shard 2"), absl::string_view::npos);
  EXPECT_FALSE(IsWrongShard(absl::FailedPreconditionError("version mismatch")));
  const absl::Status dialable = WrongShardError("acme", {2, 5}, 0, "10.0.0.2:50052");
  EXPECT_TRUE(IsWrongShard(dialable));
  EXPECT_NE(dialable.message().find("at 10.0.0.2:50052"), absl::string_view::npos);
  EXPECT_FALSE(IsWrongShard(absl::UnavailableError(std::string(wrong.message()))));
}

TEST(WrongShardTest, OrdinalFromHostname) {
  EXPECT_EQ(OrdinalFromHostname("identity-service-0"), 0);
  EXPECT_EQ(OrdinalFromHostname("identity-service-12"), 12);
  for (const char* bad : {"", "identity", "identity-", "identity-x", "identity-3.svc", "a-99999",
                          "a-1024"}) {
    EXPECT_EQ(OrdinalFromHostname(bad), -1) << bad;
  }
}

}  // namespace
}  // namespace scim::sharding
