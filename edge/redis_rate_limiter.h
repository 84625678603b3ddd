// Rate limits shared by every edge replica through Redis: one Lua script
// (EVALSHA, reloaded on NOSCRIPT) updates the tenant and credential buckets
// atomically, on Redis's clock. Redis is an accelerator, never a dependency:
// while it is unreachable the in-process limiter answers, scim_redis_up is 0,
// one log line says so, and reconnection is retried every second
// (common/redis_client.h).
#ifndef SCIM_EDGE_REDIS_RATE_LIMITER_H_
#define SCIM_EDGE_REDIS_RATE_LIMITER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/redis_client.h"
#include "edge/rate_limiter.h"

namespace scim::edge {

class RedisRateLimiter : public RateLimiter {
 public:
  // `url` is redis://host:port.
  static absl::StatusOr<std::unique_ptr<RedisRateLimiter>> Create(
      const std::string& url, Clock* clock);
  // Over a client shared with the ETag cache.
  RedisRateLimiter(std::shared_ptr<RedisClient> redis, Clock* clock);

  RateDecision Admit(const std::string& tenant, const std::string& credential,
                     int rate, int burst) override;
  bool redis_up() const { return redis_->up(); }

 private:
  std::shared_ptr<RedisClient> redis_;
  Clock* clock_;
  LocalRateLimiter fallback_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_REDIS_RATE_LIMITER_H_
