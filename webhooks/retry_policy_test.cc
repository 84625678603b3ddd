#include "webhooks/retry_policy.h"

#include "absl/strings/match.h"
#include "common/clock.h"
#include "gtest/gtest.h"

namespace scim::webhooks {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1700000000);  // Tue, 14 Nov 2023 22:13:20 GMT

TEST(RetryAfterTest, ParsesSecondsAndDatesAndRefusesTheRest) {
  struct Case {
    std::string value;
    std::optional<absl::Duration> wait;
  };
  const Case cases[] = {
      {"", std::nullopt},
      {"0", absl::ZeroDuration()},
      {"120", absl::Seconds(120)},
      {"  30 ", absl::Seconds(30)},
      {"999999999", absl::Seconds(999999999)},
      {"99999999999999999999999", absl::Hours(24 * 365 * 30)},  // no overflow
      {"-5", std::nullopt},
      {"+5", std::nullopt},
      {"1.5", std::nullopt},
      {"5s", std::nullopt},
      {"0x10", std::nullopt},
      {"Tue, 14 Nov 2023 22:15:20 GMT", absl::Seconds(120)},
      {"Tuesday, 14-Nov-23 22:14:20 GMT", absl::Seconds(60)},
      {"Tue Nov 14 22:13:50 2023", absl::Seconds(30)},
      {"Mon, 13 Nov 2023 22:13:20 GMT", absl::ZeroDuration()},  // the past: now
      {"Tue, 14 Nov 2023 22:15:20 PST", std::nullopt},
      {"tomorrow", std::nullopt},
      {std::string(1000, '9'), std::nullopt},
      {std::string("12\0", 3), std::nullopt},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ParseRetryAfter(c.value, kNow), c.wait) << "'" << c.value << "'";
  }
}

TEST(RetryPolicyTest, ExponentialBackoffIsCapped) {
  const RetryPolicy policy;
  const std::pair<int, absl::Duration> table[] = {
      {1, absl::Seconds(5)},    {2, absl::Seconds(10)},   {3, absl::Seconds(20)},
      {4, absl::Seconds(40)},   {10, absl::Seconds(2560)}, {12, absl::Seconds(10240)},
      {13, absl::Seconds(20480)}, {14, absl::Hours(6)},     {1000000, absl::Hours(6)},
  };
  for (const auto& [attempts, wait] : table) {
    EXPECT_EQ(policy.Backoff(attempts), wait) << attempts;
  }
}

TEST(RetryPolicyTest, DecisionsByResponse) {
  const RetryPolicy policy;
  struct Case {
    const char* name;
    SendResult result;
    int attempts;
    absl::Duration failing_for;
    bool disable;
    absl::Duration wait;  // from kNow, when not disabled
    const char* reason;
  };
  const Case cases[] = {
      {"500 first failure", {500, "", "HTTP 500"}, 1, absl::ZeroDuration(), false,
       absl::Seconds(5), "HTTP 500"},
      {"timeout third failure", {0, "", "transport error: Read"}, 3, absl::Minutes(1), false,
       absl::Seconds(20), "transport error"},
      {"redirect is a failure", {302, "", "HTTP 302: redirects are not followed"}, 1,
       absl::ZeroDuration(), false, absl::Seconds(5), "redirects are not followed"},
      {"Retry-After longer than the backoff", {503, "120", "HTTP 503"}, 1,
       absl::ZeroDuration(), false, absl::Seconds(120), "HTTP 503"},
      {"Retry-After shorter than the backoff", {429, "1", "HTTP 429"}, 4,
       absl::ZeroDuration(), false, absl::Seconds(40), "HTTP 429"},
      {"Retry-After as a date", {503, "Tue, 14 Nov 2023 22:23:20 GMT", "HTTP 503"}, 1,
       absl::ZeroDuration(), false, absl::Minutes(10), "HTTP 503"},
      {"hostile Retry-After is capped", {503, "99999999999", "HTTP 503"}, 1,
       absl::ZeroDuration(), false, absl::Hours(6), "HTTP 503"},
      {"garbage Retry-After is ignored", {503, "soon", "HTTP 503"}, 2, absl::ZeroDuration(),
       false, absl::Seconds(10), "HTTP 503"},
      {"410 disables at once", {410, "", "HTTP 410"}, 1, absl::ZeroDuration(), true,
       absl::ZeroDuration(), "410 Gone"},
      {"given up after three days", {500, "", "HTTP 500"}, 25, absl::Hours(72), true,
       absl::ZeroDuration(), "given up"},
      {"the last attempt lands on the give-up time", {500, "", "HTTP 500"}, 20,
       absl::Hours(70), false, absl::Hours(2), "HTTP 500"},
      {"404 retries (the receiver may fix it)", {404, "", "HTTP 404"}, 1,
       absl::ZeroDuration(), false, absl::Seconds(5), "HTTP 404"},
  };
  for (const Case& c : cases) {
    const RetryDecision d =
        policy.Decide(c.result, c.attempts, kNow - c.failing_for, kNow, /*jitter_unit=*/0);
    EXPECT_EQ(d.disable, c.disable) << c.name;
    if (!c.disable) {
      EXPECT_EQ(d.next_attempt - kNow, c.wait) << c.name;
    }
    EXPECT_TRUE(absl::StrContains(d.reason, c.reason)) << c.name << ": " << d.reason;
  }
}

TEST(RetryPolicyTest, JitterOnlyAddsAndIsBounded) {
  const RetryPolicy policy;
  const SendResult failed{500, "", "HTTP 500"};
  for (double unit : {0.0, 0.25, 0.999999, 5.0, -1.0}) {
    const absl::Duration wait = policy.Decide(failed, 3, kNow, kNow, unit).next_attempt - kNow;
    EXPECT_GE(wait, absl::Seconds(20)) << unit;
    EXPECT_LE(wait, absl::Seconds(22)) << unit;
  }
}

TEST(RetryPolicyTest, AFullScheduleWithAFakeClockGivesUpAfterAboutThreeDays) {
  const RetryPolicy policy;
  FakeClock clock(kNow);
  const absl::Time first_failure = clock.Now();
  int attempts = 0;
  RetryDecision d;
  for (;;) {
    ++attempts;
    d = policy.Decide({500, "", "HTTP 500"}, attempts, first_failure, clock.Now(), 0);
    if (d.disable) break;
    ASSERT_GT(d.next_attempt, clock.Now());
    clock.Advance(d.next_attempt - clock.Now());
    ASSERT_LT(attempts, 100) << "never gives up";
  }
  EXPECT_EQ(clock.Now() - first_failure, absl::Hours(72));
  EXPECT_GT(attempts, 15);
  EXPECT_LT(attempts, 40);
}

}  // namespace
}  // namespace scim::webhooks
