#include "edge/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/metrics.h"
#include "prometheus/counter.h"

namespace scim::edge {

RateDecision Decide(bool allowed, double lowest_tokens, int rate, int burst,
                    absl::Time now) {
  RateDecision d;
  d.allowed = allowed;
  d.remaining = static_cast<int64_t>(std::floor(std::max(0.0, lowest_tokens)));
  const double missing = std::max(0.0, 1.0 - lowest_tokens);
  d.retry_after = allowed ? absl::ZeroDuration()
                          : absl::Seconds(std::ceil(missing / rate));
  d.reset = now + absl::Seconds((burst - lowest_tokens) / rate);
  return d;
}

RateDecision LocalRateLimiter::Admit(const std::string& tenant,
                                     const std::string& credential, int rate,
                                     int burst) {
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  Bucket* buckets[2] = {&buckets_[absl::StrCat("t/", tenant)],
                        &buckets_[absl::StrCat("c/", credential)]};
  bool allowed = true;
  double lowest = burst;
  for (Bucket* b : buckets) {
    if (b->updated == absl::Time()) {
      b->tokens = burst;  // a new bucket starts full
    } else {
      b->tokens = std::min<double>(
          burst, b->tokens + absl::ToDoubleSeconds(now - b->updated) * rate);
    }
    b->updated = now;
    if (b->tokens < 1) allowed = false;
  }
  for (Bucket* b : buckets) {
    if (allowed) b->tokens -= 1;
    lowest = std::min(lowest, b->tokens);
  }
  if (!allowed) CountRateLimited("local");
  return Decide(allowed, lowest, rate, burst, now);
}

void CountRateLimited(const std::string& limiter) {
  static auto& family = prometheus::BuildCounter()
                            .Name("scim_rate_limited_total")
                            .Help("Requests refused with 429, by limiter")
                            .Register(MetricsRegistry());
  family.Add({{"limiter", limiter}}).Increment();
}

}  // namespace scim::edge
