#include "edge/redis_rate_limiter.h"

#include <hiredis/hiredis.h>

#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/server.h"
#include "prometheus/gauge.h"

namespace scim::edge {
namespace {

// KEYS: bucket keys; ARGV: rate, burst. Returns {allowed, lowest tokens}.
constexpr char kScript[] = R"lua(
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
)lua";

// SHA-1 of kScript as Redis returns it from SCRIPT LOAD; shared by all
// connections, reset when Redis forgets the script.
absl::Mutex sha_mu;
std::string& ScriptSha() ABSL_EXCLUSIVE_LOCKS_REQUIRED(sha_mu) {
  static std::string* sha = new std::string();
  return *sha;
}

prometheus::Gauge& RedisUpGauge() {
  static auto& gauge = prometheus::BuildGauge()
                           .Name("scim_redis_up")
                           .Help("1 while Redis answers, 0 while the "
                                 "in-process limiter stands in")
                           .Register(MetricsRegistry())
                           .Add({});
  return gauge;
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

}  // namespace

absl::StatusOr<std::unique_ptr<RedisRateLimiter>> RedisRateLimiter::Create(
    const std::string& url, Clock* clock) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "redis://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("--redis must look like redis://host:port, got ", url));
  }
  auto hp = ParseHostPort(std::string(rest));
  if (!hp.ok() || hp->port == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--redis must look like redis://host:port, got ", url));
  }
  RedisUpGauge().Set(1);
  return std::unique_ptr<RedisRateLimiter>(
      new RedisRateLimiter(hp->host, hp->port, clock));
}

RedisRateLimiter::RedisRateLimiter(std::string host, int port, Clock* clock)
    : host_(std::move(host)), port_(port), clock_(clock), fallback_(clock) {}

RedisRateLimiter::~RedisRateLimiter() {
  for (Slot& slot : slots_) {
    absl::MutexLock lock(&slot.mu);
    if (slot.context) redisFree(slot.context);
  }
}

void RedisRateLimiter::MarkUp(bool up) {
  if (up_.exchange(up) == up) return;
  RedisUpGauge().Set(up ? 1 : 0);
  if (up) {
    LogInfo("redis is back: rate limits are shared again",
            {{"redis", absl::StrCat(host_, ":", port_)}});
  } else {
    LogWarning("redis is unreachable: rate limits are per edge until it "
               "returns",
               {{"redis", absl::StrCat(host_, ":", port_)}});
  }
}

std::optional<RateDecision> RedisRateLimiter::TryRedis(
    Slot& slot, const std::string& tenant, const std::string& credential,
    int rate, int burst) {
  absl::MutexLock lock(&slot.mu);
  if (slot.context == nullptr) {
    timeval timeout{0, 200000};
    slot.context = redisConnectWithTimeout(host_.c_str(), port_, timeout);
    if (slot.context == nullptr || slot.context->err) {
      if (slot.context) redisFree(slot.context);
      slot.context = nullptr;
      return std::nullopt;
    }
    redisSetTimeout(slot.context, timeout);
  }
  const std::string tenant_key = absl::StrCat("scim:rl:t:", tenant);
  const std::string credential_key = absl::StrCat("scim:rl:c:", credential);
  const std::string rate_arg = absl::StrCat(rate), burst_arg = absl::StrCat(burst);
  std::string sha;
  {
    absl::MutexLock sha_lock(&sha_mu);
    sha = ScriptSha();
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (sha.empty()) {
      Reply loaded(static_cast<redisReply*>(
          redisCommand(slot.context, "SCRIPT LOAD %s", kScript)));
      if (!loaded || loaded->type != REDIS_REPLY_STRING) break;
      sha.assign(loaded->str, loaded->len);
      absl::MutexLock sha_lock(&sha_mu);
      ScriptSha() = sha;
    }
    const char* argv[] = {"EVALSHA", sha.c_str(), "2", tenant_key.c_str(),
                          credential_key.c_str(), rate_arg.c_str(),
                          burst_arg.c_str()};
    Reply reply(static_cast<redisReply*>(
        redisCommandArgv(slot.context, 7, argv, nullptr)));
    if (!reply) break;  // connection broken
    if (reply->type == REDIS_REPLY_ERROR &&
        absl::StartsWith(absl::string_view(reply->str, reply->len), "NOSCRIPT")) {
      sha.clear();  // Redis restarted or flushed its scripts: load again
      continue;
    }
    double lowest = 0;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        !absl::SimpleAtod(absl::string_view(reply->element[1]->str,
                                            reply->element[1]->len),
                          &lowest)) {
      break;
    }
    return Decide(reply->element[0]->integer == 1, lowest, rate, burst,
                  clock_->Now());
  }
  redisFree(slot.context);
  slot.context = nullptr;
  return std::nullopt;
}

RateDecision RedisRateLimiter::Admit(const std::string& tenant,
                                     const std::string& credential, int rate,
                                     int burst) {
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  if (up_ || now_ms >= retry_after_unix_ms_) {
    Slot& slot = slots_[next_slot_++ % slots_.size()];
    if (auto decision = TryRedis(slot, tenant, credential, rate, burst)) {
      MarkUp(true);
      if (!decision->allowed) CountRateLimited("redis");
      return *decision;
    }
    MarkUp(false);
    retry_after_unix_ms_ = now_ms + 1000;
  }
  return fallback_.Admit(tenant, credential, rate, burst);
}

}  // namespace scim::edge
