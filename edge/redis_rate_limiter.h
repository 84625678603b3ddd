// Rate limits shared by every edge replica through Redis: one Lua script
// (EVALSHA, reloaded on NOSCRIPT) updates the tenant and credential buckets
// atomically, on Redis's clock. Redis is an accelerator, never a dependency:
// while it is unreachable the in-process limiter answers, scim_redis_up is 0,
// one log line says so, and reconnection is retried every second.
#ifndef SCIM_EDGE_REDIS_RATE_LIMITER_H_
#define SCIM_EDGE_REDIS_RATE_LIMITER_H_

#include <array>
#include <atomic>
#include <optional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "edge/rate_limiter.h"

struct redisContext;

namespace scim::edge {

class RedisRateLimiter : public RateLimiter {
 public:
  // `url` is redis://host:port.
  static absl::StatusOr<std::unique_ptr<RedisRateLimiter>> Create(
      const std::string& url, Clock* clock);
  ~RedisRateLimiter() override;

  RateDecision Admit(const std::string& tenant, const std::string& credential,
                     int rate, int burst) override;
  bool redis_up() const { return up_; }

 private:
  struct Slot {
    absl::Mutex mu;
    redisContext* context ABSL_GUARDED_BY(mu) = nullptr;
  };
  RedisRateLimiter(std::string host, int port, Clock* clock);
  // Runs the script on `slot`; nullopt when Redis cannot answer.
  std::optional<RateDecision> TryRedis(Slot& slot, const std::string& tenant,
                                       const std::string& credential, int rate,
                                       int burst);
  void MarkUp(bool up);

  const std::string host_;
  const int port_;
  Clock* clock_;
  LocalRateLimiter fallback_;
  std::array<Slot, 8> slots_;
  std::atomic<size_t> next_slot_{0};
  std::atomic<bool> up_{true};
  std::atomic<int64_t> retry_after_unix_ms_{0};
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_REDIS_RATE_LIMITER_H_
