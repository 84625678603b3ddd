// When a failed delivery is tried again, and when an endpoint is given up.
// Exponential backoff, at least what Retry-After asks (within a cap), and
// about three days after the event now being retried first failed the
// endpoint is disabled (a replay re-enables it). 410 Gone disables at once.
#ifndef SCIM_WEBHOOKS_RETRY_POLICY_H_
#define SCIM_WEBHOOKS_RETRY_POLICY_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "webhooks/sender.h"

namespace scim::webhooks {

struct RetryPolicyOptions {
  absl::Duration first_backoff = absl::Seconds(5);
  // Doubling per attempt up to this.
  absl::Duration max_backoff = absl::Hours(6);
  // Retry-After beyond this is read as this: a receiver cannot park an
  // endpoint for a year.
  absl::Duration max_retry_after = absl::Hours(6);
  absl::Duration give_up_after = absl::Hours(72);
  // Up to this fraction is added to each backoff, so that endpoints that
  // failed together do not retry together.
  double jitter = 0.1;
};

struct RetryDecision {
  bool disable = false;
  // When to try again (unset when disabled).
  absl::Time next_attempt = absl::InfinitePast();
  // For the endpoint's last_error.
  std::string reason;
};

// Retry-After (RFC 9110 §10.2.3) as a wait from `now`: delta-seconds or an
// HTTP-date; nullopt when absent or malformed. A date in the past is zero.
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now);

class RetryPolicy {
 public:
  explicit RetryPolicy(RetryPolicyOptions options = {}) : options_(options) {}

  // After failed attempt number `attempts` (1 = the first failure) of the
  // event that first failed at `failing_since`. `jitter_unit` in [0, 1)
  // scales the jitter (tests pass 0).
  RetryDecision Decide(const SendResult& result, int attempts, absl::Time failing_since,
                       absl::Time now, double jitter_unit) const;

  // The backoff after failed attempt number `attempts`, before jitter.
  absl::Duration Backoff(int attempts) const;

  const RetryPolicyOptions& options() const { return options_; }

 private:
  const RetryPolicyOptions options_;
};

}  // namespace scim::webhooks

#endif  // SCIM_WEBHOOKS_RETRY_POLICY_H_
