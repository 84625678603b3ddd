// Edge flags, shared by scim-edge and scimd.
#ifndef SCIM_EDGE_EDGE_FLAGS_H_
#define SCIM_EDGE_EDGE_FLAGS_H_

#include "absl/status/statusor.h"
#include "edge/edge_server.h"
#include "common/etag_cache.h"
#include "common/redis_client.h"
#include "edge/rate_limiter.h"

namespace scim::edge {

// InvalidArgument for bad values (e.g. a malformed --trusted_proxies CIDR):
// the binaries exit 2.
absl::StatusOr<EdgeOptions> EdgeOptionsFromFlags();

// What --redis accelerates: the client (rate limits) and the ETag cache on
// it; both null without --redis.
struct RedisAccelerators {
  std::shared_ptr<RedisClient> client;
  std::unique_ptr<EtagCache> etags;
};
absl::StatusOr<RedisAccelerators> RedisFromFlags(Clock* clock);

// Redis-backed when `redis` is set (falling back to in-process buckets while
// Redis is down), in-process otherwise.
std::unique_ptr<RateLimiter> NewRateLimiter(std::shared_ptr<RedisClient> redis,
                                            Clock* clock);

}  // namespace scim::edge

#endif  // SCIM_EDGE_EDGE_FLAGS_H_
