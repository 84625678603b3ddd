#include "edge/edge_flags.h"

#include "absl/flags/flag.h"
#include "edge/redis_rate_limiter.h"

ABSL_FLAG(int32_t, http_threads, 64,
          "HTTP worker threads; each serves one keep-alive connection at a "
          "time, so size it to the expected concurrent connections");
ABSL_FLAG(int64_t, max_body_bytes, 1 << 20,
          "request bodies above this size get 413");
ABSL_FLAG(bool, access_log, true, "log one JSON line per HTTP request");
ABSL_FLAG(std::string, redis, "",
          "redis://host:port: rate limits shared by every edge, and the ETag "
          "cache; empty = in-process limits, no ETag cache");

namespace scim::edge {

EdgeOptions EdgeOptionsFromFlags() {
  EdgeOptions options;
  options.threads = std::max(1, absl::GetFlag(FLAGS_http_threads));
  options.max_body_bytes =
      static_cast<size_t>(std::max<int64_t>(1, absl::GetFlag(FLAGS_max_body_bytes)));
  options.access_log = absl::GetFlag(FLAGS_access_log);
  return options;
}

absl::StatusOr<RedisAccelerators> RedisFromFlags(Clock* clock) {
  const std::string url = absl::GetFlag(FLAGS_redis);
  RedisAccelerators out;
  if (url.empty()) return out;
  auto redis = RedisClient::Create(url, clock);
  if (!redis.ok()) return redis.status();
  out.client = std::move(*redis);
  out.etags = std::make_unique<EtagCache>(out.client, clock);
  return out;
}

std::unique_ptr<RateLimiter> NewRateLimiter(std::shared_ptr<RedisClient> redis,
                                            Clock* clock) {
  if (redis == nullptr) return std::make_unique<LocalRateLimiter>(clock);
  return std::make_unique<RedisRateLimiter>(std::move(redis), clock);
}

}  // namespace scim::edge
