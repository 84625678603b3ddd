#include "common/etag_cache.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/log.h"

namespace scim {
namespace {

constexpr char kEpochKey[] = "scim:etag:epoch";

// KEYS: entry, epoch. ARGV: state, ttl seconds. Keeps the higher state of
// the current epoch.
constexpr RedisScript kPublish(R"lua(
local epoch = redis.call('GET', KEYS[2]) or '0'
local current = redis.call('GET', KEYS[1])
if current then
  local e, s = string.match(current, '^(%d+):(%d+)$')
  if e == epoch and tonumber(s) >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], epoch .. ':' .. ARGV[1], 'EX', tonumber(ARGV[2]))
return 1
)lua");

// KEYS: entry, epoch. The entry's state if it is of the current epoch.
constexpr RedisScript kLookup(R"lua(
local current = redis.call('GET', KEYS[1])
if not current then return -1 end
local epoch = redis.call('GET', KEYS[2]) or '0'
local e, s = string.match(current, '^(%d+):(%d+)$')
if e ~= epoch then return -1 end
return tonumber(s)
)lua");

constexpr RedisScript kNewEpoch(R"lua(
return redis.call('INCR', KEYS[1])
)lua");

std::string EntryKey(absl::string_view tenant, absl::string_view endpoint,
                     absl::string_view id) {
  return absl::StrCat("scim:etag:", tenant, "/", endpoint, "/", id);
}

}  // namespace

std::string FormatVersion(int64_t version) {
  return absl::StrCat("W/\"", version, "\"");
}

int64_t ParseVersion(absl::string_view etag) {
  etag = absl::StripAsciiWhitespace(etag);
  absl::ConsumePrefix(&etag, "W/");
  absl::ConsumePrefix(&etag, "\"");
  absl::ConsumeSuffix(&etag, "\"");
  int64_t v = 0;
  return absl::SimpleAtoi(etag, &v) ? v : -1;
}

EtagCache::EtagCache(std::shared_ptr<RedisClient> redis, Clock* clock,
                     absl::Duration ttl)
    : redis_(std::move(redis)),
      ttl_seconds_(absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(ttl)))),
      repair_("etag-repair", clock, [this] {
        if (dirty_) NewEpoch();
        return PeriodicWorker::Wait::For(absl::Milliseconds(200));
      }) {
  repair_.Start(/*first_wait=*/absl::Milliseconds(200));
}

EtagCache::~EtagCache() { repair_.Stop(); }

void EtagCache::StartPublishing() {
  dirty_ = true;
  if (NewEpoch()) LogInfo("etag cache: publishing from a new epoch", {{"redis", redis_->address()}});
}

bool EtagCache::NewEpoch() {
  if (!redis_->Eval(kNewEpoch, {kEpochKey}, {}).has_value()) return false;
  if (dirty_.exchange(false)) {
    LogInfo("etag cache: new epoch (after a lost update, or at start-up)",
            {{"redis", redis_->address()}});
  }
  return true;
}

void EtagCache::MarkDirty() {
  if (!dirty_.exchange(true)) {
    LogWarning("etag cache: an update did not reach redis; its entries are "
               "ignored from the next epoch on",
               {{"redis", redis_->address()}});
  }
}

void EtagCache::Publish(absl::string_view tenant, absl::string_view endpoint,
                        absl::string_view id, int64_t version, bool deleted) {
  if (dirty_ && !NewEpoch()) return;  // still unreachable: stays dirty
  const int64_t state = 2 * version + (deleted ? 1 : 0);
  if (!redis_->Eval(kPublish, {EntryKey(tenant, endpoint, id), kEpochKey},
                    {absl::StrCat(state), ttl_seconds_})
           .has_value()) {
    MarkDirty();
  }
}

std::optional<int64_t> EtagCache::LiveVersion(absl::string_view tenant,
                                              absl::string_view endpoint,
                                              absl::string_view id) {
  if (dirty_) return std::nullopt;  // this process lost an update
  std::optional<RedisValue> value =
      redis_->Eval(kLookup, {EntryKey(tenant, endpoint, id), kEpochKey}, {});
  if (!value.has_value() || value->type != RedisValue::Type::kInteger ||
      value->integer < 0 || value->integer % 2 == 1) {
    return std::nullopt;
  }
  return value->integer / 2;
}

}  // namespace scim
