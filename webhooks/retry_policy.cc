#include "webhooks/retry_policy.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace scim::webhooks {
namespace {

// Longer values are hostile, not precise: no valid header needs them.
constexpr size_t kMaxRetryAfterLength = 64;

}  // namespace

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value, absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  if (value.empty() || value.size() > kMaxRetryAfterLength) return std::nullopt;
  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); })) {
    // More than 9 digits is over 31 years: every such value is "very long".
    if (value.size() > 9) return absl::Hours(24 * 365 * 30);
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(value, &seconds)) return std::nullopt;
    return absl::Seconds(seconds);
  }
  // HTTP-date: IMF-fixdate, and the obsolete RFC 850 and asctime forms
  // that recipients must still accept (RFC 9110 §5.6.7).
  static constexpr const char* kFormats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",
      "%A, %d-%b-%y %H:%M:%S GMT",
      "%a %b %e %H:%M:%S %Y",
  };
  for (const char* format : kFormats) {
    absl::Time when;
    std::string error;
    if (absl::ParseTime(format, value, absl::UTCTimeZone(), &when, &error)) {
      return std::max(absl::ZeroDuration(), when - now);
    }
  }
  return std::nullopt;
}

absl::Duration RetryPolicy::Backoff(int attempts) const {
  absl::Duration backoff = options_.first_backoff;
  for (int i = 1; i < attempts && backoff < options_.max_backoff; ++i) backoff *= 2;
  return std::min(backoff, options_.max_backoff);
}

RetryDecision RetryPolicy::Decide(const SendResult& result, int attempts,
                                  absl::Time failing_since, absl::Time now,
                                  double jitter_unit) const {
  RetryDecision decision;
  const std::string what = result.error.empty()
                               ? absl::StrCat("HTTP ", result.status)
                               : result.error;
  if (result.status == 410) {
    decision.disable = true;
    decision.reason = absl::StrCat(what, ": the receiver asked for no more deliveries (410 Gone)");
    return decision;
  }
  const absl::Time give_up = failing_since + options_.give_up_after;
  if (now >= give_up) {
    decision.disable = true;
    decision.reason = absl::StrCat(what, "; given up after failing since ",
                                   absl::FormatTime(absl::RFC3339_sec, failing_since,
                                                    absl::UTCTimeZone()),
                                   " (", attempts, " attempts)");
    return decision;
  }
  absl::Duration wait = Backoff(attempts);
  wait += std::clamp(jitter_unit, 0.0, 1.0) * options_.jitter * wait;
  if (auto asked = ParseRetryAfter(result.retry_after, now)) {
    wait = std::max(wait, std::min(*asked, options_.max_retry_after));
  }
  // The last attempt comes at the give-up time, not a backoff past it.
  decision.next_attempt = std::min(now + wait, give_up);
  decision.reason = what;
  return decision;
}

}  // namespace scim::webhooks
