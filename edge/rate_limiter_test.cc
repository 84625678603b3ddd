#include "edge/rate_limiter.h"

#include "absl/strings/str_cat.h"
#include "common/metrics.h"
#include "common/redis_server_for_tests.h"
#include "edge/redis_rate_limiter.h"
#include "gtest/gtest.h"

namespace scim::edge {
namespace {

TEST(LocalRateLimiterTest, BurstThenRateThenRecovery) {
  FakeClock clock;
  LocalRateLimiter limiter(&clock);
  for (int i = 0; i < 3; ++i) {
    RateDecision d = limiter.Admit("acme", "k1", 1, 3);
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_EQ(d.remaining, 2 - i);
  }
  RateDecision denied = limiter.Admit("acme", "k1", 1, 3);
  EXPECT_FALSE(denied.allowed);
  EXPECT_EQ(denied.retry_after, absl::Seconds(1));
  EXPECT_EQ(denied.reset, clock.Now() + absl::Seconds(3));
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(limiter.Admit("acme", "k1", 1, 3).allowed);
  EXPECT_FALSE(limiter.Admit("acme", "k1", 1, 3).allowed);
  // The tenant bucket is shared by its credentials; other tenants are not
  // affected.
  EXPECT_FALSE(limiter.Admit("acme", "k2", 1, 3).allowed);
  EXPECT_TRUE(limiter.Admit("other", "k3", 1, 3).allowed);
  clock.Advance(absl::Seconds(60));
  EXPECT_EQ(limiter.Admit("acme", "k1", 1, 3).remaining, 2);  // capped at burst
}

TEST(RedisRateLimiterTest, SharedLimitsAndSurvivingRedisOutages) {
  ASSERT_TRUE(RedisServerForTests::Installed())
      << "redis-server is missing: ./scripts/test.sh installs it";
  const int port = FreePort();
  RedisServerForTests redis(port);
  const std::string url = absl::StrCat("redis://127.0.0.1:", port);
  // Two edges, one Redis: they share the buckets.
  // The client's pause after an outage follows this clock; token refill
  // follows Redis's own TIME (one clock for every edge), so it is waited for.
  FakeClock clock;
  auto a = RedisRateLimiter::Create(url, &clock);
  auto b = RedisRateLimiter::Create(url, &clock);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE((*a)->Admit("acme", "k1", 1, 4).allowed);
  EXPECT_TRUE((*b)->Admit("acme", "k1", 1, 4).allowed);
  EXPECT_TRUE((*a)->Admit("acme", "k2", 1, 4).allowed);
  EXPECT_TRUE((*b)->Admit("acme", "k2", 1, 4).allowed);
  RateDecision denied = (*a)->Admit("acme", "k3", 1, 4);
  EXPECT_FALSE(denied.allowed) << "the tenant's 4 tokens are spent across edges";
  EXPECT_EQ(denied.retry_after, absl::Seconds(1));
  EXPECT_TRUE((*a)->redis_up());
  absl::SleepFor(absl::Milliseconds(1100));
  EXPECT_TRUE((*b)->Admit("acme", "k3", 1, 4).allowed) << "recovered";

  // Redis dies: requests still get answers from the in-process buckets.
  redis.Stop();
  RateDecision during = (*a)->Admit("beta", "k9", 100, 100);
  EXPECT_TRUE(during.allowed);
  EXPECT_FALSE((*a)->redis_up());
  EXPECT_NE(MetricsText().find("scim_redis_up 0"), std::string::npos);
  for (int i = 0; i < 50; ++i) EXPECT_TRUE((*a)->Admit("beta", "k9", 100, 100).allowed);

  // Redis returns (empty, scripts forgotten): shared again within a second.
  redis.Start();
  clock.Advance(absl::Milliseconds(1100));
  EXPECT_TRUE((*a)->Admit("gamma", "k1", 1, 1).allowed);
  EXPECT_TRUE((*a)->redis_up());
  EXPECT_FALSE((*b)->Admit("gamma", "k1", 1, 1).allowed) << "shared again";
  EXPECT_NE(MetricsText().find("scim_redis_up 1"), std::string::npos);
  EXPECT_NE(MetricsText().find("scim_rate_limited_total{limiter=\"redis\"}"),
            std::string::npos);
}

TEST(RedisRateLimiterTest, RejectsBadUrls) {
  for (const char* url : {"localhost:6379", "redis://", "redis://host",
                          "http://127.0.0.1:6379"}) {
    EXPECT_FALSE(RedisRateLimiter::Create(url, Clock::Real()).ok()) << url;
  }
}

}  // namespace
}  // namespace scim::edge
