#include "edge/rate_limiter.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/metrics.h"
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

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// A throwaway redis-server on a free port.
class RedisServer {
 public:
  explicit RedisServer(int port) : port_(port) { Start(); }
  ~RedisServer() { Stop(); }
  void Start() {
    pid_ = fork();
    if (pid_ == 0) {
      std::string port = absl::StrCat(port_);
      execlp("redis-server", "redis-server", "--port", port.c_str(),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--loglevel", "warning", nullptr);
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {  // wait until it accepts connections
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(port_);
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      bool up = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
      close(fd);
      if (up) return;
      usleep(20000);
    }
  }
  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

TEST(RedisRateLimiterTest, SharedLimitsAndSurvivingRedisOutages) {
  ASSERT_EQ(system("command -v redis-server >/dev/null"), 0)
      << "redis-server is missing: ./scripts/test.sh installs it";
  const int port = FreePort();
  RedisServer redis(port);
  const std::string url = absl::StrCat("redis://127.0.0.1:", port);
  // Two edges, one Redis: they share the buckets.
  auto a = RedisRateLimiter::Create(url, Clock::Real());
  auto b = RedisRateLimiter::Create(url, Clock::Real());
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
  absl::SleepFor(absl::Milliseconds(1100));
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
