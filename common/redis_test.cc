// RedisClient and EtagCache against a real redis-server on a free port:
// scripts, ordering of publishes, deletes, Redis outages and restarts.
#include "common/etag_cache.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/metrics.h"
#include "common/redis_client.h"
#include "common/redis_server_for_tests.h"
#include <fstream>
#include "gtest/gtest.h"

namespace scim {
namespace {

class RedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RedisServerForTests::Installed())
        << "redis-server is missing: ./scripts/test.sh installs it";
    port_ = FreePort();
    server_ = std::make_unique<RedisServerForTests>(port_);
    auto client = RedisClient::Create(absl::StrCat("redis://127.0.0.1:", port_), Clock::Real());
    ASSERT_TRUE(client.ok());
    redis_ = std::move(*client);
  }

  int port_ = 0;
  std::unique_ptr<RedisServerForTests> server_;
  std::shared_ptr<RedisClient> redis_;
};

TEST_F(RedisTest, EvalReturnsScriptValues) {
  static constexpr RedisScript kEcho(
      "return {tonumber(ARGV[1]) + 1, KEYS[1], redis.call('GET', 'none')}");
  std::optional<RedisValue> v = redis_->Eval(kEcho, {"k"}, {"41"});
  ASSERT_TRUE(v.has_value());
  ASSERT_EQ(v->type, RedisValue::Type::kArray);
  ASSERT_EQ(v->elements.size(), 3u);
  EXPECT_EQ(v->elements[0].integer, 42);
  EXPECT_EQ(v->elements[1].str, "k");
  EXPECT_EQ(v->elements[2].type, RedisValue::Type::kNil);  // GET of nothing
  EXPECT_TRUE(redis_->up());
  // A failing script is no outage.
  static constexpr RedisScript kBroken("return redis.call('NOSUCHCOMMAND')");
  EXPECT_FALSE(redis_->Eval(kBroken, {}, {}).has_value());
  EXPECT_TRUE(redis_->up());
}

TEST_F(RedisTest, RejectsBadUrls) {
  for (const char* url : {"localhost:6379", "redis://", "redis://host",
                          "http://127.0.0.1:6379", "sentinel://", "sentinel://h:1",
                          "sentinel://h:1/", "sentinel://h/name", "sentinel://h:1,,h:2/m",
                          "sentinel:///m"}) {
    EXPECT_FALSE(RedisClient::Create(url, Clock::Real()).ok()) << url;
  }
}

TEST_F(RedisTest, EtagCacheKeepsTheNewestVersion) {
  EtagCache identity(redis_, Clock::Real()), edge(redis_, Clock::Real());
  EXPECT_EQ(edge.LiveVersion("acme", "Users", "u1"), std::nullopt);
  identity.Publish("acme", "Users", "u1", 1, false);
  EXPECT_EQ(edge.LiveVersion("acme", "Users", "u1"), 1);
  identity.Publish("acme", "Users", "u1", 3, false);
  // A late publish of an older version changes nothing.
  identity.Publish("acme", "Users", "u1", 2, false);
  EXPECT_EQ(edge.LiveVersion("acme", "Users", "u1"), 3);
  // Keys are per tenant and type.
  EXPECT_EQ(edge.LiveVersion("beta", "Users", "u1"), std::nullopt);
  EXPECT_EQ(edge.LiveVersion("acme", "Groups", "u1"), std::nullopt);
  // Deleted: no version is live any more, even if the last write's publish
  // arrives after the delete's.
  identity.Publish("acme", "Users", "u1", 3, true);
  identity.Publish("acme", "Users", "u1", 3, false);
  EXPECT_EQ(edge.LiveVersion("acme", "Users", "u1"), std::nullopt);
  // A soft-deleted user brought back has a higher version.
  identity.Publish("acme", "Users", "u1", 5, false);
  EXPECT_EQ(edge.LiveVersion("acme", "Users", "u1"), 5);
}

TEST_F(RedisTest, EtagCacheSurvivesOutagesWithoutStaleAnswers) {
  EtagCache identity(redis_, Clock::Real()), edge(redis_, Clock::Real());
  identity.Publish("acme", "Users", "u1", 1, false);
  ASSERT_EQ(edge.LiveVersion("acme", "Users", "u1"), 1);

  // Redis unreachable: no answers from the cache, writes still go on.
  server_->Stop();
  EXPECT_EQ(edge.LiveVersion("acme", "Users", "u1"), std::nullopt);
  identity.Publish("acme", "Users", "u1", 2, false);  // lost
  EXPECT_TRUE(identity.dirty());
  EXPECT_FALSE(redis_->up());
  EXPECT_NE(MetricsText().find("scim_redis_up 0"), std::string::npos);

  // Redis back with its old data (as after a restart from a snapshot): the
  // entry saying version 1 must not be believed, since version 2 exists.
  server_->Start();
  auto fresh = RedisClient::Create(absl::StrCat("redis://127.0.0.1:", port_), Clock::Real());
  ASSERT_TRUE(fresh.ok());
  std::shared_ptr<RedisClient> other = std::move(*fresh);
  static constexpr RedisScript kSet("redis.call('SET', KEYS[1], ARGV[1]) return 1");
  ASSERT_TRUE(other->Eval(kSet, {"scim:etag:acme/Users/u1"}, {"0:2"}).has_value());
  EtagCache other_edge(other, Clock::Real());
  absl::SleepFor(absl::Milliseconds(1500));  // retry pause + repair tick
  EXPECT_FALSE(identity.dirty()) << "a new epoch was started";
  EXPECT_EQ(other_edge.LiveVersion("acme", "Users", "u1"), std::nullopt);
  EXPECT_EQ(edge.LiveVersion("acme", "Users", "u1"), std::nullopt);
  EXPECT_TRUE(redis_->up());
  identity.Publish("acme", "Users", "u1", 3, false);
  EXPECT_EQ(edge.LiveVersion("acme", "Users", "u1"), 3);
}

// The dirty mark of a publisher that lost an update dies with its process;
// the next publisher starts a new epoch before it writes, so the entry the
// lost update should have raised never answers a 304.
TEST_F(RedisTest, RestartedPublisherStartsANewEpoch) {
  {
    EtagCache identity(redis_, Clock::Real());
    identity.StartPublishing();
    identity.Publish("acme", "Users", "u1", 1, false);
    server_->Stop();
    identity.Publish("acme", "Users", "u1", 2, false);  // lost
    ASSERT_TRUE(identity.dirty());
  }  // identity-service exits (or crashes) before Redis is back
  server_->Start();
  // Redis back with its old data: version 1 in the epoch it has.
  auto fresh = RedisClient::Create(absl::StrCat("redis://127.0.0.1:", port_), Clock::Real());
  ASSERT_TRUE(fresh.ok());
  std::shared_ptr<RedisClient> redis = std::move(*fresh);
  static constexpr RedisScript kSetInEpoch(
      "local e = redis.call('GET', 'scim:etag:epoch') or '0' "
      "redis.call('SET', KEYS[1], e .. ':' .. ARGV[1]) return 1");
  ASSERT_TRUE(redis->Eval(kSetInEpoch, {"scim:etag:acme/Users/u1"}, {"2"}).has_value());
  EtagCache edge(redis, Clock::Real());
  ASSERT_EQ(edge.LiveVersion("acme", "Users", "u1"), 1) << "the stale entry";
  // The restarted identity-service, before its first write.
  EtagCache restarted(redis, Clock::Real());
  restarted.StartPublishing();
  EXPECT_FALSE(restarted.dirty());
  EXPECT_EQ(edge.LiveVersion("acme", "Users", "u1"), std::nullopt);
  restarted.Publish("acme", "Users", "u1", 3, false);
  EXPECT_EQ(edge.LiveVersion("acme", "Users", "u1"), 3);
}

TEST_F(RedisTest, PublisherStartingWhileRedisIsAwayStaysDirty) {
  server_->Stop();
  EtagCache identity(redis_, Clock::Real());
  identity.StartPublishing();
  EXPECT_TRUE(identity.dirty());
  EXPECT_EQ(identity.LiveVersion("acme", "Users", "u1"), std::nullopt);
}

TEST_F(RedisTest, StaleEntriesOfAnOldEpochAreIgnored) {
  EtagCache identity(redis_, Clock::Real()), edge(redis_, Clock::Real());
  identity.Publish("acme", "Users", "u1", 4, false);
  // What a lost update leaves behind is simulated by writing the old epoch's
  // entry straight into Redis after a new epoch started.
  static constexpr RedisScript kSet("redis.call('SET', KEYS[1], ARGV[1]) return 1");
  ASSERT_TRUE(redis_->Eval(kSet, {"scim:etag:epoch"}, {"7"}).has_value());
  ASSERT_TRUE(redis_->Eval(kSet, {"scim:etag:acme/Users/u2"}, {"6:8"}).has_value());
  EXPECT_EQ(edge.LiveVersion("acme", "Users", "u1"), std::nullopt);
  EXPECT_EQ(edge.LiveVersion("acme", "Users", "u2"), std::nullopt);
  identity.Publish("acme", "Users", "u1", 4, false);
  EXPECT_EQ(edge.LiveVersion("acme", "Users", "u1"), 4);
}

// Redis Sentinel (real redis-server processes, one in sentinel mode): the
// client finds the primary through the sentinel, keeps answering "no" (the
// in-process fallbacks stand in) while none answers, and follows a failover.
TEST(RedisSentinelTest, FindsThePrimaryAndFollowsAFailover) {
  ASSERT_TRUE(RedisServerForTests::Installed())
      << "redis-server is missing: ./scripts/test.sh installs it";
  const int a = FreePort(), b = FreePort(), s = FreePort();
  RedisServerForTests primary(a);
  RedisServerForTests replica(b, {"--replicaof", "127.0.0.1", absl::StrCat(a)});
  const std::string conf = absl::StrCat(::testing::TempDir(), "/sentinel-", s, ".conf");
  std::ofstream(conf) << "port " << s << "\nbind 127.0.0.1\n"
                      << "sentinel monitor m 127.0.0.1 " << a << " 1\n"
                      << "sentinel down-after-milliseconds m 300\n"
                      << "sentinel failover-timeout m 2000\n";
  RedisServerForTests sentinel(s, {conf, "--sentinel"}, /*sentinel=*/true);
  FakeClock clock;
  auto client = RedisClient::Create(
      absl::StrCat("sentinel://127.0.0.1:1,127.0.0.1:", s, "/m"), &clock);
  ASSERT_TRUE(client.ok()) << client.status();
  static constexpr RedisScript kSet(R"lua(
redis.call('SET', KEYS[1], ARGV[1])
return redis.call('INFO', 'replication')
)lua");
  auto info = (*client)->Eval(kSet, {"k"}, {"before"});
  ASSERT_TRUE(info.has_value()) << "the first sentinel is down; the second answers";
  EXPECT_NE(info->str.find("role:master"), std::string::npos);
  // The replica attaches within moments (bounded wait: real processes).
  for (int i = 0; i < 100 && info.has_value() &&
                  info->str.find(absl::StrCat("port=", b)) == std::string::npos;
       ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    info = (*client)->Eval(kSet, {"k"}, {"before"});
  }
  ASSERT_TRUE(info.has_value());
  ASSERT_NE(info->str.find(absl::StrCat("port=", b)), std::string::npos)
      << "the sentinel's primary, with its replica: " << info->str;

  // The primary dies: no answer (fallbacks) until the sentinel promotes the
  // replica; then writes go there.
  primary.Stop();
  bool failed_over = false;
  int unanswered = 0;
  for (int i = 0; i < 300 && !failed_over; ++i) {
    auto after = (*client)->Eval(kSet, {"k"}, {"after"});
    if (after.has_value()) {
      failed_over = true;
    } else {
      ++unanswered;
      clock.Advance(absl::Seconds(2));  // past the client's pause after an outage
      absl::SleepFor(absl::Milliseconds(100));  // the sentinel's own timers are real
    }
  }
  ASSERT_TRUE(failed_over) << "no failover within 30 s";
  EXPECT_GT(unanswered, 0);
  auto direct = RedisClient::Create(absl::StrCat("redis://127.0.0.1:", b), &clock);
  static constexpr RedisScript kGet(R"lua(
return redis.call('GET', KEYS[1])
)lua");
  auto value = (*direct)->Eval(kGet, {"k"}, {});
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(value->str, "after") << "the write reached the promoted replica";
}

TEST(EtagTest, FormatsAndParsesVersions) {
  EXPECT_EQ(FormatVersion(3), "W/\"3\"");
  EXPECT_EQ(ParseVersion("W/\"3\""), 3);
  EXPECT_EQ(ParseVersion("\"12\""), 12);
  EXPECT_EQ(ParseVersion("garbage"), -1);
}

}  // namespace
}  // namespace scim
