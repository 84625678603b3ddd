// A small etcd v3 client over etcd's JSON gateway (/v3/kv/*, /v3/watch):
// what the shard map needs (get, range, put, compare-and-swap transactions,
// watch) without compiling etcd's protos. Calls try each endpoint in turn,
// starting with the last one that answered.
#ifndef SCIM_SHARDING_ETCD_CLIENT_H_
#define SCIM_SHARDING_ETCD_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace httplib {
class Client;
}

namespace scim::sharding {

struct EtcdKv {
  std::string key, value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
};

struct EtcdEvent {
  bool deleted = false;
  EtcdKv kv;  // on a delete, only the key and revisions
};

// One condition of a transaction: the key's mod_revision equals `mod_revision`
// (0: the key is absent).
struct EtcdCompare {
  std::string key;
  int64_t mod_revision = 0;
};

// One write of a transaction: a put, or a delete when `value` is unset.
struct EtcdOp {
  std::string key;
  std::optional<std::string> value;
};

class EtcdClient {
 public:
  // "http://host:port[,host:port...]" (the scheme may be given once or per
  // endpoint; only http). INVALID_ARGUMENT for anything else.
  static absl::StatusOr<std::unique_ptr<EtcdClient>> Connect(const std::string& endpoints,
                                                             absl::Duration timeout = absl::Seconds(3));
  ~EtcdClient();

  absl::StatusOr<std::optional<EtcdKv>> Get(const std::string& key);
  // Every key under `prefix` (at most `limit`; 0: all) and the store's
  // revision they were read at.
  struct RangeResult {
    std::vector<EtcdKv> kvs;
    int64_t revision = 0;
  };
  absl::StatusOr<RangeResult> Range(const std::string& prefix, int64_t limit = 0);
  absl::Status Put(const std::string& key, const std::string& value);
  // Applies `ops` atomically iff every comparison holds; answers whether it did.
  absl::StatusOr<bool> Txn(const std::vector<EtcdCompare>& compares,
                           const std::vector<EtcdOp>& ops);

  // Streams the changes under `prefix` from `start_revision` to `on_events`
  // until the stream breaks (UNAVAILABLE; the caller lists again and resumes)
  // or CancelWatch() is called (CANCELLED). OUT_OF_RANGE when the revision
  // was compacted away (list again).
  absl::Status Watch(const std::string& prefix, int64_t start_revision,
                     const std::function<void(const std::vector<EtcdEvent>&)>& on_events);
  // Ends a Watch() in progress (from another thread) and every later one.
  void CancelWatch();

  const std::vector<std::string>& endpoints() const { return endpoints_; }

 private:
  EtcdClient(std::vector<std::string> endpoints, absl::Duration timeout);
  // POSTs `body` to `path` on the endpoints in turn; the parsed JSON answer.
  absl::StatusOr<std::string> Call(const std::string& path, const std::string& body);

  const std::vector<std::string> endpoints_;  // "host:port"
  const absl::Duration timeout_;
  std::atomic<size_t> preferred_{0};
  std::atomic<bool> watch_cancelled_{false};
  absl::Mutex watch_mu_;
  httplib::Client* watching_ ABSL_GUARDED_BY(watch_mu_) = nullptr;
};

// The key just past every key that starts with `prefix` (etcd's range_end).
std::string RangeEnd(const std::string& prefix);

}  // namespace scim::sharding

#endif  // SCIM_SHARDING_ETCD_CLIENT_H_
