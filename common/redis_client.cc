#include "common/redis_client.h"

#include <hiredis/hiredis.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/server.h"
#include "prometheus/gauge.h"

namespace scim {
namespace {

prometheus::Gauge& RedisUpGauge() {
  static auto& gauge = prometheus::BuildGauge()
                           .Name("scim_redis_up")
                           .Help("1 while Redis answers, 0 while in-process "
                                 "fallbacks stand in")
                           .Register(MetricsRegistry())
                           .Add({});
  return gauge;
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

RedisValue ToValue(const redisReply& r) {
  RedisValue v;
  switch (r.type) {
    case REDIS_REPLY_INTEGER:
      v.type = RedisValue::Type::kInteger;
      v.integer = r.integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      v.type = RedisValue::Type::kString;
      v.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ARRAY:
      v.type = RedisValue::Type::kArray;
      for (size_t i = 0; i < r.elements; ++i) v.elements.push_back(ToValue(*r.element[i]));
      break;
    default:
      break;
  }
  return v;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisClient>> RedisClient::Create(
    const std::string& url, Clock* clock) {
  absl::string_view rest = url;
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("--redis must look like redis://host:port, got ", url));
  };
  if (absl::ConsumePrefix(&rest, "sentinel://")) {
    const size_t slash = rest.find('/');
    if (slash == absl::string_view::npos || slash + 1 >= rest.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--redis must look like sentinel://host:port[,host:port...]/name, got ", url));
    }
    std::vector<std::pair<std::string, int>> sentinels;
    for (absl::string_view one : absl::StrSplit(rest.substr(0, slash), ',')) {
      auto hp = ParseHostPort(std::string(one));
      if (!hp.ok() || hp->port == 0) return bad();
      sentinels.emplace_back(hp->host, hp->port);
    }
    if (sentinels.empty() || sentinels.size() > 16) return bad();
    RedisUpGauge().Set(1);
    auto client = std::unique_ptr<RedisClient>(new RedisClient("", 0, clock));
    client->sentinels_ = std::move(sentinels);
    client->primary_name_ = std::string(rest.substr(slash + 1));
    client->address_ = url;
    return client;
  }
  if (!absl::ConsumePrefix(&rest, "redis://")) return bad();
  auto hp = ParseHostPort(std::string(rest));
  if (!hp.ok() || hp->port == 0) return bad();
  RedisUpGauge().Set(1);
  return std::unique_ptr<RedisClient>(new RedisClient(hp->host, hp->port, clock));
}

namespace {

constexpr timeval kTimeout{0, 200000};

redisContext* ConnectTo(const std::string& host, int port) {
  redisContext* context = redisConnectWithTimeout(host.c_str(), port, kTimeout);
  if (context == nullptr || context->err) {
    if (context) redisFree(context);
    return nullptr;
  }
  redisSetTimeout(context, kTimeout);
  return context;
}

}  // namespace

redisContext* RedisClient::Connect() {
  if (sentinels_.empty()) return ConnectTo(host_, port_);
  for (const auto& [host, port] : sentinels_) {
    redisContext* sentinel = ConnectTo(host, port);
    if (sentinel == nullptr) continue;
    Reply where(static_cast<redisReply*>(redisCommand(
        sentinel, "SENTINEL get-master-addr-by-name %s", primary_name_.c_str())));
    redisFree(sentinel);
    if (!where || where->type != REDIS_REPLY_ARRAY || where->elements != 2 ||
        where->element[0]->type != REDIS_REPLY_STRING ||
        where->element[1]->type != REDIS_REPLY_STRING) {
      continue;
    }
    const std::string primary_host(where->element[0]->str, where->element[0]->len);
    int primary_port = 0;
    if (!absl::SimpleAtoi(absl::string_view(where->element[1]->str, where->element[1]->len),
                          &primary_port)) {
      continue;
    }
    redisContext* primary = ConnectTo(primary_host, primary_port);
    if (primary == nullptr) continue;
    // A sentinel that has not seen the failover yet names a replica.
    Reply role(static_cast<redisReply*>(redisCommand(primary, "ROLE")));
    if (role && role->type == REDIS_REPLY_ARRAY && role->elements > 0 &&
        role->element[0]->type == REDIS_REPLY_STRING &&
        absl::string_view(role->element[0]->str, role->element[0]->len) == "master") {
      return primary;
    }
    redisFree(primary);
  }
  return nullptr;
}

RedisClient::RedisClient(std::string host, int port, Clock* clock)
    : host_(std::move(host)),
      port_(port),
      address_(absl::StrCat(host_, ":", port_)),
      clock_(clock) {}

RedisClient::~RedisClient() {
  for (Slot& slot : slots_) {
    absl::MutexLock lock(&slot.mu);
    if (slot.context) redisFree(slot.context);
  }
}

void RedisClient::MarkUp(bool up) {
  if (up_.exchange(up) == up) return;
  RedisUpGauge().Set(up ? 1 : 0);
  if (up) {
    LogInfo("redis is back: shared rate limits and the ETag cache resume",
            {{"redis", address_}});
  } else {
    LogWarning("redis is unreachable: in-process rate limits and no ETag cache "
               "until it returns",
               {{"redis", address_}});
  }
}

std::optional<RedisValue> RedisClient::TryEval(Slot& slot, const RedisScript& script,
                                               const std::vector<std::string>& keys,
                                               const std::vector<std::string>& args,
                                               bool* unreachable) {
  *unreachable = true;
  absl::MutexLock lock(&slot.mu);
  if (slot.context == nullptr) {
    slot.context = Connect();
    if (slot.context == nullptr) return std::nullopt;
  }
  auto known_sha = [&]() -> std::string {
    absl::MutexLock sha_lock(&sha_mu_);
    for (const auto& [source, sha] : shas_) {
      if (source == script.source()) return sha;
    }
    return "";
  };
  auto remember_sha = [&](const std::string& sha) {
    absl::MutexLock sha_lock(&sha_mu_);
    for (auto& entry : shas_) {
      if (entry.first == script.source()) {
        entry.second = sha;
        return;
      }
    }
    shas_.emplace_back(script.source(), sha);
  };
  std::string sha = known_sha();
  const std::string key_count = absl::StrCat(keys.size());
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (sha.empty()) {
      Reply loaded(static_cast<redisReply*>(
          redisCommand(slot.context, "SCRIPT LOAD %s", script.source())));
      if (!loaded || loaded->type != REDIS_REPLY_STRING) break;
      sha.assign(loaded->str, loaded->len);
      remember_sha(sha);
    }
    std::vector<const char*> argv{"EVALSHA", sha.c_str(), key_count.c_str()};
    std::vector<size_t> lengths{7, sha.size(), key_count.size()};
    for (const auto* list : {&keys, &args}) {
      for (const std::string& s : *list) {
        argv.push_back(s.data());
        lengths.push_back(s.size());
      }
    }
    Reply reply(static_cast<redisReply*>(redisCommandArgv(
        slot.context, static_cast<int>(argv.size()), argv.data(), lengths.data())));
    if (!reply) break;  // connection broken
    if (reply->type == REDIS_REPLY_ERROR) {
      if (absl::StartsWith(absl::string_view(reply->str, reply->len), "NOSCRIPT")) {
        sha.clear();  // Redis restarted or flushed its scripts: load again
        continue;
      }
      if (absl::StartsWith(absl::string_view(reply->str, reply->len), "READONLY")) {
        break;  // a demoted primary (failover): reconnect, to the new one
      }
      *unreachable = false;  // the script failed; the connection is fine
      return std::nullopt;
    }
    *unreachable = false;
    return ToValue(*reply);
  }
  redisFree(slot.context);
  slot.context = nullptr;
  return std::nullopt;
}

std::optional<RedisValue> RedisClient::Eval(const RedisScript& script,
                                            const std::vector<std::string>& keys,
                                            const std::vector<std::string>& args) {
  const int64_t now_ms = absl::ToUnixMillis(clock_->Now());
  if (!up_ && now_ms < retry_after_unix_ms_) return std::nullopt;
  Slot& slot = slots_[next_slot_++ % slots_.size()];
  bool unreachable = true;
  std::optional<RedisValue> value = TryEval(slot, script, keys, args, &unreachable);
  if (!unreachable) {
    MarkUp(true);
    return value;
  }
  MarkUp(false);
  retry_after_unix_ms_ = now_ms + 1000;
  return std::nullopt;
}

}  // namespace scim
