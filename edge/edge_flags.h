// Edge flags, shared by scim-edge and scimd.
#ifndef SCIM_EDGE_EDGE_FLAGS_H_
#define SCIM_EDGE_EDGE_FLAGS_H_

#include "absl/status/statusor.h"
#include "edge/edge_server.h"
#include "edge/rate_limiter.h"

namespace scim::edge {

EdgeOptions EdgeOptionsFromFlags();

// Redis-backed when --redis is set (falling back to in-process buckets while
// Redis is down), in-process otherwise.
absl::StatusOr<std::unique_ptr<RateLimiter>> RateLimiterFromFlags();

}  // namespace scim::edge

#endif  // SCIM_EDGE_EDGE_FLAGS_H_
