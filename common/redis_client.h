// A small Redis client for the accelerators (rate limits, the ETag cache):
// Lua scripts run by EVALSHA (loaded again on NOSCRIPT) over a few pooled
// hiredis connections with short timeouts. Redis is never a dependency: a
// call that Redis cannot answer returns nullopt, the client then stays down
// (no connection attempts) for a second, scim_redis_up says so, and one log
// line marks each change.
#ifndef SCIM_COMMON_REDIS_CLIENT_H_
#define SCIM_COMMON_REDIS_CLIENT_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"

struct redisContext;

namespace scim {

// A script and the SHA-1 Redis knows it by (learned on first use).
class RedisScript {
 public:
  explicit constexpr RedisScript(const char* source) : source_(source) {}
  const char* source() const { return source_; }

 private:
  friend class RedisClient;
  const char* source_;
};

// What a script returned: nil, an integer, a string, or an array of these.
struct RedisValue {
  enum class Type { kNil, kInteger, kString, kArray };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string str;
  std::vector<RedisValue> elements;
};

class RedisClient {
 public:
  // `url` is redis://host:port, or sentinel://host:port[,host:port...]/name
  // (Redis Sentinel: every new connection asks the sentinels, in order, for
  // the current primary of `name`, so a failover is followed at the next
  // reconnect); `clock` times the pause after an outage.
  static absl::StatusOr<std::unique_ptr<RedisClient>> Create(const std::string& url,
                                                            Clock* clock);
  ~RedisClient();

  // Runs `script` with KEYS and ARGV; nullopt when Redis cannot answer (or
  // answers with an error).
  std::optional<RedisValue> Eval(const RedisScript& script,
                                 const std::vector<std::string>& keys,
                                 const std::vector<std::string>& args);
  bool up() const { return up_; }
  const std::string& address() const { return address_; }

 private:
  struct Slot {
    absl::Mutex mu;
    redisContext* context ABSL_GUARDED_BY(mu) = nullptr;
  };
  RedisClient(std::string host, int port, Clock* clock);
  // A connection to the primary (asked of the sentinels in sentinel mode);
  // null when none answers.
  redisContext* Connect();
  std::optional<RedisValue> TryEval(Slot& slot, const RedisScript& script,
                                    const std::vector<std::string>& keys,
                                    const std::vector<std::string>& args,
                                    bool* unreachable);
  void MarkUp(bool up);

  const std::string host_;
  const int port_;
  std::string address_;
  // Sentinel mode: the sentinels and the primary's name.
  std::vector<std::pair<std::string, int>> sentinels_;
  std::string primary_name_;
  Clock* const clock_;
  std::array<Slot, 8> slots_;
  std::atomic<size_t> next_slot_{0};
  std::atomic<bool> up_{true};
  std::atomic<int64_t> retry_after_unix_ms_{0};
  absl::Mutex sha_mu_;
  // Script source -> SHA-1; cleared entries are loaded again.
  std::vector<std::pair<const char*, std::string>> shas_ ABSL_GUARDED_BY(sha_mu_);
};

}  // namespace scim

#endif  // SCIM_COMMON_REDIS_CLIENT_H_
