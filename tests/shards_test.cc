// Tenant shards across processes: etcd, token- and audit-service, two
// identity shards and two edges on loopback, all finding each other through
// the shard map. Tenants land on both shards; every edge serves every tenant;
// a shard refuses a tenant that is not its own; scimctl routes, lists the
// shards and backs each one up.
#include <signal.h>

#include <atomic>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "sharding/etcd_server_for_tests.h"
#include "sharding/shard_map.h"
#include "tests/test_process.h"

namespace scim::testing {
namespace {

using json = nlohmann::json;

TEST(ShardsTest, TenantsOnTwoShardsBehindTwoEdges) {
  if (!sharding::EtcdServerForTests::Installed()) GTEST_SKIP() << "etcd is not installed";
  sharding::EtcdServerForTests etcd;
  ASSERT_TRUE(etcd.up());
  const std::string dir = MakeTempDir("shards");
  auto d = StartShardedDeployment(dir, etcd.endpoint(), /*shards=*/2, /*edges=*/2);
  ASSERT_TRUE(d.ok()) << d.status();
  const ScimCtl& ctl = d->base.ctl;
  int code = 0;

  // Placement: as asked, then the least-loaded shard (lowest number on ties).
  EXPECT_EQ(ctl.Run("tenant create alpha --shard=0", &code), "alpha\n");
  ASSERT_EQ(code, 0);
  EXPECT_EQ(ctl.Run("tenant create beta --shard=1", &code), "beta\n");
  ASSERT_EQ(code, 0);
  EXPECT_EQ(ctl.Run("tenant create gamma", &code), "gamma\n");
  ASSERT_EQ(code, 0);
  ctl.Run("tenant create delta --shard=7", &code);
  EXPECT_EQ(code, 1) << "shard 7 is not registered";
  ctl.Run("tenant create alpha", &code);
  EXPECT_EQ(code, 1) << "exists";

  std::map<std::string, std::string> keys;
  for (const char* t : {"alpha", "beta", "gamma"}) {
    std::string key = ctl.Run(absl::StrCat("key create --tenant=", t), &code);
    ASSERT_EQ(code, 0);
    keys[t] = key.substr(0, key.find('\n'));
  }

  // Every edge serves every tenant, wherever its shard is.
  std::map<std::string, std::vector<std::string>> ids;
  for (int i = 0; i < 6; ++i) {
    for (const char* t : {"alpha", "beta", "gamma"}) {
      httplib::Client edge("127.0.0.1", d->http_ports[i % 2]);
      auto res = edge.Post(absl::StrCat("/t/", t, "/scim/v2/Users").c_str(),
                           {{"Authorization", "Bearer " + keys[t]}},
                           absl::StrCat(R"({"userName":"u)", i, R"("})"), "application/scim+json");
      ASSERT_TRUE(res);
      ASSERT_EQ(res->status, 201) << t << " " << res->body;
      ids[t].push_back(json::parse(res->body)["id"]);
    }
  }
  for (const char* t : {"alpha", "beta", "gamma"}) {
    for (int port : d->http_ports) {
      httplib::Client edge("127.0.0.1", port);
      const httplib::Headers auth = {{"Authorization", "Bearer " + keys[t]}};
      auto list = edge.Get(absl::StrCat("/t/", t, "/scim/v2/Users?count=0").c_str(), auth);
      ASSERT_TRUE(list);
      EXPECT_EQ(json::parse(list->body)["totalResults"], 6) << t;
      auto one = edge.Get(absl::StrCat("/t/", t, "/scim/v2/Users/", ids[t][3]).c_str(), auth);
      ASSERT_TRUE(one);
      EXPECT_EQ(one->status, 200) << t;
      // Discovery reads the tenant's own schemas from its shard.
      auto schemas = edge.Get(absl::StrCat("/t/", t, "/scim/v2/Schemas").c_str(), auth);
      ASSERT_TRUE(schemas);
      EXPECT_EQ(schemas->status, 200) << schemas->body;
      // Bulk goes to the shard too.
      auto bulk = edge.Post(
          absl::StrCat("/t/", t, "/scim/v2/Bulk").c_str(), auth,
          absl::StrCat(R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],)",
                       R"("Operations":[{"method":"POST","path":"/Groups","bulkId":"g",)",
                       R"("data":{"displayName":"g)", port, R"("}}]})"),
          "application/scim+json");
      ASSERT_TRUE(bulk);
      EXPECT_EQ(bulk->status, 200) << bulk->body;
    }
  }

  // A shard refuses a tenant that is not its own, naming the owner.
  ScimCtl direct = ctl;
  direct.extra_flags = "--identity_server=" + d->shard_addrs[1];
  direct.Run("events tail --tenant=alpha --limit=1", &code);
  EXPECT_EQ(code, 1) << "shard 1 does not serve alpha";
  direct.Run("events tail --tenant=beta --limit=1", &code);
  EXPECT_EQ(code, 0);
  // With --etcd, scimctl finds each tenant's shard itself.
  std::string events = ctl.Run("events tail --tenant=alpha --limit=100", &code);
  EXPECT_EQ(code, 0);
  EXPECT_TRUE(absl::StrContains(events, "user.created")) << events;

  // shard list: number, address, tenants, users.
  std::string shards = ctl.Run("shard list", &code);
  ASSERT_EQ(code, 0) << shards;
  std::vector<std::string> lines = absl::StrSplit(shards, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << shards;
  EXPECT_EQ(lines[0], absl::StrCat("0 ", d->shard_addrs[0], " 2 12"));
  EXPECT_EQ(lines[1], absl::StrCat("1 ", d->shard_addrs[1], " 1 6"));

  // Each shard's data is in its own database: a backup has both.
  std::string id = ctl.Run("backup create --dir=" + dir + "/backups", &code);
  ASSERT_EQ(code, 0) << id;
  std::string listed = ctl.Run("backup list --dir=" + dir + "/backups", &code);
  EXPECT_TRUE(absl::StrContains(listed, " token,audit,identity-shard-0,identity-shard-1 "))
      << listed;

  // A deleted tenant leaves the map (and its shard's data goes).
  ctl.Run("tenant delete gamma --confirm=gamma", &code);
  EXPECT_EQ(code, 0);
  shards = ctl.Run("shard list", &code);
  EXPECT_TRUE(absl::StartsWith(shards, absl::StrCat("0 ", d->shard_addrs[0], " 1 6\n"))) << shards;
}

// A tenant moved from shard 0 to shard 1 and back under eight writers: every
// acknowledged write is there afterwards, the only refusals are 503s with
// Retry-After during the freeze, reads never fail, and the audit chain verifies.
TEST(ShardsTest, ATenantMovesUnderLoadAndLosesNothing) {
  if (!sharding::EtcdServerForTests::Installed()) GTEST_SKIP() << "etcd is not installed";
  sharding::EtcdServerForTests etcd;
  ASSERT_TRUE(etcd.up());
  const std::string dir = MakeTempDir("shard_move");
  auto d = StartShardedDeployment(dir, etcd.endpoint(), /*shards=*/2, /*edges=*/2);
  ASSERT_TRUE(d.ok()) << d.status();
  const ScimCtl& ctl = d->base.ctl;
  int code = 0;
  ctl.Run("tenant create acme --shard=0", &code);
  ASSERT_EQ(code, 0);
  ctl.Run("tenant create other --shard=1", &code);
  ASSERT_EQ(code, 0);
  std::string key = ctl.Run("key create --tenant=acme", &code);
  key = key.substr(0, key.find('\n'));
  // Some data first (the move copies it all), written by a bulk request.
  {
    httplib::Client edge("127.0.0.1", d->http_ports[0]);
    for (int b = 0; b < 5; ++b) {
      json ops = json::array();
      for (int i = 0; i < 100; ++i) {
        ops.push_back({{"method", "POST"}, {"path", "/Users"}, {"bulkId", absl::StrCat(i)},
                       {"data", {{"userName", absl::StrCat("seed-", b, "-", i)}}}});
      }
      auto res = edge.Post("/t/acme/scim/v2/Bulk", {{"Authorization", "Bearer " + key}},
                           json{{"schemas", {"urn:ietf:params:scim:api:messages:2.0:BulkRequest"}},
                                {"Operations", ops}}.dump(),
                           "application/scim+json");
      ASSERT_TRUE(res && res->status == 200);
    }
  }

  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<int> refused_503{0}, retry_after_missing{0}, failed{0}, reads_failed{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&, w] {
      httplib::Client edge("127.0.0.1", d->http_ports[w % 2]);
      edge.set_tcp_nodelay(true);
      const httplib::Headers auth = {{"Authorization", "Bearer " + key}};
      for (int i = 0; !stop; ++i) {
        auto res = edge.Post("/t/acme/scim/v2/Users", auth,
                             absl::StrCat(R"({"userName":"w)", w, "-", i, R"("})"),
                             "application/scim+json");
        if (res && res->status == 201) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.push_back(json::parse(res->body)["id"]);
        } else if (res && res->status == 503) {
          ++refused_503;
          if (!res->has_header("Retry-After")) ++retry_after_missing;
          absl::SleepFor(absl::Milliseconds(20));
        } else {
          ++failed;
        }
        if (i % 10 == 0) {
          auto read = edge.Get("/t/acme/scim/v2/Users?count=1", auth);
          if (!read || read->status != 200) ++reads_failed;
        }
      }
    });
  }
  auto acknowledged_count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return acknowledged.size();
  };
  ASSERT_TRUE(WaitUntil([&] { return acknowledged_count() > 100 || failed > 0; }, absl::Seconds(30)));
  const std::string move = ctl.Run("tenant move --tenant=acme --to=1", &code);
  EXPECT_EQ(code, 0);
  const size_t after_first = acknowledged_count();
  WaitUntil([&] { return acknowledged_count() > after_first + 100 || failed > 0; }, absl::Seconds(30));
  ctl.Run("tenant move --tenant=acme --to=0", &code);
  EXPECT_EQ(code, 0) << "and back";
  const size_t after_second = acknowledged_count();
  WaitUntil([&] { return acknowledged_count() > after_second + 50 || failed > 0; }, absl::Seconds(30));
  stop = true;
  for (auto& t : writers) t.join();

  EXPECT_EQ(failed.load(), 0) << "only 503s may refuse a write during a move";
  EXPECT_EQ(retry_after_missing.load(), 0);
  EXPECT_EQ(reads_failed.load(), 0) << "reads keep working throughout";
  std::cout << acknowledged.size() << " writes acknowledged, " << refused_503.load()
            << " answered 503 during the two freezes\n";

  // Everything acknowledged is there, served by shard 0 again, read through both edges.
  int missing = 0;
  for (size_t i = 0; i < acknowledged.size(); ++i) {
    httplib::Client edge("127.0.0.1", d->http_ports[i % 2]);
    auto res = edge.Get(("/t/acme/scim/v2/Users/" + acknowledged[i]).c_str(),
                        {{"Authorization", "Bearer " + key}});
    if (!res || res->status != 200) ++missing;
  }
  EXPECT_EQ(missing, 0) << "of " << acknowledged.size();
  httplib::Client edge("127.0.0.1", d->http_ports[1]);
  auto total = edge.Get("/t/acme/scim/v2/Users?count=0", {{"Authorization", "Bearer " + key}});
  ASSERT_TRUE(total);
  EXPECT_EQ(json::parse(total->body)["totalResults"], 500 + static_cast<int>(acknowledged.size()));
  // The old copies are gone: shard 1 holds only "other".
  std::string shards = ctl.Run("shard list", &code);
  EXPECT_TRUE(absl::StrContains(shards, absl::StrCat("1 ", d->shard_addrs[1], " 1 0\n"))) << shards;
  // Moving it where it is changes nothing.
  ctl.Run("tenant move --tenant=acme --to=0", &code);
  EXPECT_EQ(code, 0);
  // The event feed kept counting (no sequence reused after two moves).
  std::string events = ctl.Run("events tail --tenant=acme --limit=100000", &code);
  ASSERT_EQ(code, 0);
  std::set<uint64_t> sequences;
  size_t lines = 0;
  for (absl::string_view line : absl::StrSplit(events, '\n', absl::SkipEmpty())) {
    ++lines;
    sequences.insert(json::parse(line)["sequence"].get<uint64_t>());
  }
  EXPECT_EQ(sequences.size(), lines) << "no sequence number twice";
  std::string verified;
  for (int attempt = 0; attempt < 50; ++attempt) {
    verified = ctl.Run("audit verify --tenant=acme", &code);
    if (code == 0) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(code, 0) << verified;
  // Bad requests are refused before anything happens.
  ctl.Run("tenant move --tenant=acme --to=9", &code);
  EXPECT_EQ(code, 1);
  ctl.Run("tenant move --tenant=acme", &code);
  EXPECT_EQ(code, 2);
}

// Crashes at the worst moments of a move leave the tenant readable and, once
// its freeze ends, writable on exactly one shard; running the move again
// finishes it.
TEST(ShardsTest, CrashesDuringAMoveLeaveTheTenantWholeOnOneShard) {
  if (!sharding::EtcdServerForTests::Installed()) GTEST_SKIP() << "etcd is not installed";
  sharding::EtcdServerForTests etcd_server;
  ASSERT_TRUE(etcd_server.up());
  const std::string dir = MakeTempDir("shard_crash");
  auto d = StartShardedDeployment(dir, etcd_server.endpoint(), /*shards=*/2, /*edges=*/1);
  ASSERT_TRUE(d.ok()) << d.status();
  const ScimCtl& ctl = d->base.ctl;
  int code = 0;
  ctl.Run("tenant create acme --shard=0", &code);
  ASSERT_EQ(code, 0);
  std::string key = ctl.Run("key create --tenant=acme", &code);
  key = key.substr(0, key.find('\n'));
  httplib::Client edge("127.0.0.1", d->http_ports[0]);
  const httplib::Headers auth = {{"Authorization", "Bearer " + key}};
  std::vector<std::string> written;
  int attempt = 0;
  auto write = [&](const std::string& name) {
    // Every attempt a new name: a refused write may be retried as is.
    auto res = edge.Post("/t/acme/scim/v2/Users", auth,
                         absl::StrCat(R"({"userName":")", name, "-", attempt++, R"("})"),
                         "application/scim+json");
    if (res && res->status == 201) written.push_back(json::parse(res->body)["id"]);
    return res ? res->status : -1;
  };
  for (int i = 0; i < 20; ++i) ASSERT_EQ(write(absl::StrCat("u", i)), 201);
  auto etcd = sharding::EtcdClient::Connect(etcd_server.endpoint());
  ASSERT_TRUE(etcd.ok());
  auto map = sharding::ShardMap::Start(std::move(*etcd));
  ASSERT_TRUE(map.ok());

  // 1. The mover dies right after freezing the tenant (what it leaves in etcd).
  sharding::Placement placement;
  int64_t revision = 0;
  std::tie(placement, revision) = *(*map)->Read("acme");
  sharding::Placement frozen = placement;
  frozen.frozen_until = absl::ToUnixSeconds(absl::Now()) + 4;
  ASSERT_TRUE(*(*map)->CompareAndSet("acme", revision, frozen));
  ASSERT_TRUE((*map)->etcd().Put(sharding::ShardMap::MoveKey("acme"), R"({"from":0,"to":1})").ok());
  // The shard follows the map: writes are refused (503), reads go on...
  EXPECT_TRUE(WaitUntil([&] { return write("during-freeze") == 503; }, absl::Seconds(5)));
  auto read = edge.Get("/t/acme/scim/v2/Users?count=0", auth);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200);
  // 2. ... and a kill -9 of that shard does not let writes through on restart.
  d->base.identity->Signal(SIGKILL);
  d->base.identity->Wait();
  auto restarted = TestProcess::Start("identity-service", d->shard_args[0], dir);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  d->base.identity = std::move(*restarted);
  if (absl::ToUnixSeconds(absl::Now()) < frozen.frozen_until) {
    EXPECT_NE(write("after-restart"), 201) << "still frozen after the restart";
  }
  // Once the freeze expires the shard bumps the epoch and takes writes again.
  EXPECT_TRUE(WaitUntil([&] { return write("after-expiry") == 201; }, absl::Seconds(10)));
  EXPECT_EQ((*map)->Read("acme")->first.shard, 0);
  EXPECT_GT((*map)->Read("acme")->first.epoch, placement.epoch);
  EXPECT_EQ((*map)->Read("acme")->first.frozen_until, 0);

  // 3. etcd dies while the tenant is frozen: the shard cannot end the freeze
  // (it could not fence a late flip), so writes wait; reads go on. Once etcd
  // is back, the expired freeze ends.
  std::tie(placement, revision) = *(*map)->Read("acme");
  frozen = placement;
  frozen.frozen_until = absl::ToUnixSeconds(absl::Now()) + 2;
  ASSERT_TRUE(*(*map)->CompareAndSet("acme", revision, frozen));
  EXPECT_TRUE(WaitUntil([&] { return write("frozen-again") == 503; }, absl::Seconds(5)));
  etcd_server.Kill();
  absl::SleepFor(absl::Seconds(3));  // past the freeze's end, etcd still away
  EXPECT_EQ(write("etcd-down"), 503) << "no write while the flip cannot be fenced";
  read = edge.Get("/t/acme/scim/v2/Users?count=0", auth);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200) << "reads go on without etcd";
  etcd_server.Restart();
  ASSERT_TRUE(etcd_server.up());
  EXPECT_TRUE(WaitUntil([&] { return write("etcd-back") == 201; }, absl::Seconds(10)));

  // 4. The target is down: the move fails before touching the tenant.
  d->more_shards[0]->Signal(SIGKILL);
  d->more_shards[0]->Wait();
  ctl.Run("tenant move --tenant=acme --to=1", &code);
  EXPECT_NE(code, 0);
  EXPECT_EQ(write("target-down"), 201) << "the tenant stays writable on its shard";
  auto target = TestProcess::Start("identity-service", d->shard_args[1], dir);
  ASSERT_TRUE(target.ok()) << target.status();
  d->more_shards[0] = std::move(*target);

  // 5. Run again: it finishes, and nothing acknowledged is lost.
  EXPECT_TRUE(WaitUntil([&] {
    ctl.Run("tenant move --tenant=acme --to=1", &code);
    return code == 0;
  }, absl::Seconds(10)));
  EXPECT_EQ((*map)->Read("acme")->first.shard, 1);
  EXPECT_EQ(write("on-shard-1"), 201);
  int missing = 0;
  for (const auto& id : written) {
    auto res = edge.Get(("/t/acme/scim/v2/Users/" + id).c_str(), auth);
    if (!res || res->status != 200) ++missing;
  }
  EXPECT_EQ(missing, 0) << "of " << written.size();
  EXPECT_EQ(*(*map)->etcd().Get(sharding::ShardMap::MoveKey("acme")), std::nullopt)
      << "the move record is gone";
}

}  // namespace
}  // namespace scim::testing
