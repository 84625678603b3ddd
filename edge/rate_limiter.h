// Token-bucket rate limits per tenant and per credential (both must admit a
// request). Limits come from tenant settings: `rate` tokens per second, up to
// `burst` saved up.
#ifndef SCIM_EDGE_RATE_LIMITER_H_
#define SCIM_EDGE_RATE_LIMITER_H_

#include <memory>
#include <string>

#include "absl/container/node_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace scim::edge {

struct RateDecision {
  bool allowed = true;
  // Whole tokens left in the emptier of the two buckets.
  int64_t remaining = 0;
  // When denied: how long until a token is there.
  absl::Duration retry_after;
  // When both buckets will be full again.
  absl::Time reset;
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  virtual RateDecision Admit(const std::string& tenant,
                             const std::string& credential, int rate,
                             int burst) = 0;
};

// Buckets in this process: the default without Redis, and Redis's stand-in
// while it is away.
class LocalRateLimiter : public RateLimiter {
 public:
  explicit LocalRateLimiter(Clock* clock) : clock_(clock) {}
  RateDecision Admit(const std::string& tenant, const std::string& credential,
                     int rate, int burst) override;

 private:
  struct Bucket {
    double tokens = 0;
    absl::Time updated;
  };
  Clock* clock_;
  absl::Mutex mu_;
  // node_hash_map: Admit holds two element pointers across insertions.
  absl::node_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

// Turns bucket levels into a decision (shared by both implementations).
RateDecision Decide(bool allowed, double lowest_tokens, int rate, int burst,
                    absl::Time now);

// Counts a refusal in scim_rate_limited_total{limiter=...}.
void CountRateLimited(const std::string& limiter);

}  // namespace scim::edge

#endif  // SCIM_EDGE_RATE_LIMITER_H_
