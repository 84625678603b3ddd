// The shard map: which identity shard serves each tenant, kept in etcd
// (etcd_client.h) and cached in every process that routes or checks by it.
//
// Layout under /scim/:
//   shards/<N>    {"address":"host:port"}     a shard registers itself
//   tenants/<T>   {"shard":N,"epoch":E}       written only by compare-and-swap
// A tenant absent from the map lives on shard 0 at epoch 0: turning etcd on
// for a deployment with one identity-service changes nothing.
#ifndef SCIM_SHARDING_SHARD_MAP_H_
#define SCIM_SHARDING_SHARD_MAP_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "sharding/etcd_client.h"
#include "sharding/placement.h"

namespace scim::sharding {


class ShardMap {
 public:
  // Lists the map, then keeps the cache current from a watch until destroyed.
  // UNAVAILABLE when etcd cannot be read at start.
  static absl::StatusOr<std::unique_ptr<ShardMap>> Start(std::unique_ptr<EtcdClient> etcd);
  ~ShardMap();

  // From the cache: where `tenant` is served now.
  Placement Owner(const std::string& tenant) const;
  // Reads the tenant's entry from etcd (after a shard refused a call: the
  // cache may be a moment behind) and updates the cache.
  absl::StatusOr<Placement> Refresh(const std::string& tenant);
  // Registered shards: number -> address.
  std::map<int, std::string> Shards() const;
  std::optional<std::string> Address(int shard) const;
  // Tenants placed in the map per registered shard (tenants absent from the
  // map count for shard 0 only where the caller knows of them).
  std::map<int, int64_t> TenantCounts() const;

  // Records shard `shard`'s address (its own registration at start).
  absl::Status RegisterShard(int shard, const std::string& address);
  // Places a tenant that is not in the map yet: on `shard`, or with -1 on
  // the registered shard with the fewest tenants. ALREADY_EXISTS when the
  // tenant is in the map; INVALID_ARGUMENT for an unregistered shard.
  // `usable` (optional) says whether a shard may take tenants now (e.g. it
  // answers): a shard that was removed but is still registered gets none.
  absl::StatusOr<Placement> PlaceTenant(const std::string& tenant, int shard,
                                        const std::function<bool(int shard)>& usable = nullptr);
  // Drops a deleted tenant's entry.
  absl::Status RemoveTenant(const std::string& tenant);
  // The tenant's entry as etcd has it now, with its mod_revision (0: absent,
  // then the placement is shard 0's).
  absl::StatusOr<std::pair<Placement, int64_t>> Read(const std::string& tenant);
  // Writes `placement` iff the entry's mod_revision is still `mod_revision`:
  // every change of a tenant's place goes through this compare-and-swap.
  absl::StatusOr<bool> CompareAndSet(const std::string& tenant, int64_t mod_revision,
                                     const Placement& placement);
  // From the cache: tenants on `shard` whose entry says frozen.
  std::vector<std::pair<std::string, Placement>> FrozenOn(int shard) const;

  EtcdClient& etcd() { return *etcd_; }

  static std::string TenantKey(const std::string& tenant);
  static std::string ShardKey(int shard);
  // A shard entry's address, or nullopt when the value is not one.
  static std::optional<std::string> DecodeShardAddress(const std::string& value);
  // A move in progress: {"from":S,"to":T} (scimctl tenant move).
  static std::string MoveKey(const std::string& tenant);

 private:
  explicit ShardMap(std::unique_ptr<EtcdClient> etcd);
  absl::Status Load();
  void Apply(const std::vector<EtcdEvent>& events);
  void ApplyKv(const EtcdKv& kv, bool deleted) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WatchLoop();

  std::unique_ptr<EtcdClient> etcd_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Placement> tenants_ ABSL_GUARDED_BY(mu_);
  std::map<int, std::string> shards_ ABSL_GUARDED_BY(mu_);
  int64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread watcher_;
};

// A server's --etcd: the started map, or null when `flag` is empty. When it
// cannot start, logs why, sets `*exit_code` (2: a bad flag; 1: etcd cannot
// be read) and returns null.
std::unique_ptr<ShardMap> ShardMapFromFlag(const std::string& flag, int* exit_code);

// One-shot lookups for short-lived clients (scimctl) that keep no cache:
// the tenant's placement, and the address of the shard that serves it
// (UNAVAILABLE when that shard is not registered).
absl::StatusOr<Placement> PlacementOf(EtcdClient& etcd, const std::string& tenant);
absl::StatusOr<std::string> ShardAddressOf(EtcdClient& etcd, const std::string& tenant);

}  // namespace scim::sharding

#endif  // SCIM_SHARDING_SHARD_MAP_H_
