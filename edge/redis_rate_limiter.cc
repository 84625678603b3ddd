#include "edge/redis_rate_limiter.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace scim::edge {
namespace {

// KEYS: bucket keys; ARGV: rate, burst. Returns {allowed, lowest tokens}.
constexpr RedisScript kScript(R"lua(
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tokens = {}
local allowed = 1
for i, key in ipairs(KEYS) do
  local b = redis.call('HMGET', key, 't', 'ts')
  local tk = tonumber(b[1])
  local ts = tonumber(b[2])
  if tk == nil then tk = burst; ts = now end
  tk = math.min(burst, tk + (now - ts) * rate / 1000)
  tokens[i] = tk
  if tk < 1 then allowed = 0 end
end
local lowest = burst
local ttl = math.ceil(burst * 1000 / rate) + 1000
for i, key in ipairs(KEYS) do
  if allowed == 1 then tokens[i] = tokens[i] - 1 end
  redis.call('HSET', key, 't', tostring(tokens[i]), 'ts', now)
  redis.call('PEXPIRE', key, ttl)
  if tokens[i] < lowest then lowest = tokens[i] end
end
return {allowed, tostring(lowest)}
)lua");

}  // namespace

absl::StatusOr<std::unique_ptr<RedisRateLimiter>> RedisRateLimiter::Create(
    const std::string& url, Clock* clock) {
  auto redis = RedisClient::Create(url, clock);
  if (!redis.ok()) return redis.status();
  return std::make_unique<RedisRateLimiter>(std::move(*redis), clock);
}

RedisRateLimiter::RedisRateLimiter(std::shared_ptr<RedisClient> redis, Clock* clock)
    : redis_(std::move(redis)), clock_(clock), fallback_(clock) {}

RateDecision RedisRateLimiter::Admit(const std::string& tenant,
                                     const std::string& credential, int rate,
                                     int burst) {
  std::optional<RedisValue> reply =
      redis_->Eval(kScript, {absl::StrCat("scim:rl:t:", tenant),
                             absl::StrCat("scim:rl:c:", credential)},
                   {absl::StrCat(rate), absl::StrCat(burst)});
  double lowest = 0;
  if (reply.has_value() && reply->type == RedisValue::Type::kArray &&
      reply->elements.size() == 2 &&
      absl::SimpleAtod(reply->elements[1].str, &lowest)) {
    RateDecision decision = Decide(reply->elements[0].integer == 1, lowest, rate,
                                   burst, clock_->Now());
    if (!decision.allowed) CountRateLimited("redis");
    return decision;
  }
  return fallback_.Admit(tenant, credential, rate, burst);
}

}  // namespace scim::edge
