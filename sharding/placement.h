// Where a tenant is served: its identity shard, the epoch of that placement,
// and whether a move holds its data still. Encoded as the JSON value of the
// tenant's shard map entry in etcd (shard_map.h).
#ifndef SCIM_SHARDING_PLACEMENT_H_
#define SCIM_SHARDING_PLACEMENT_H_

#include <cstdint>
#include <optional>
#include <string>

namespace scim::sharding {

inline constexpr int kMaxShards = 1024;

struct Placement {
  int shard = 0;
  int64_t epoch = 0;
  // While a move copies the tenant: its data may not change until then
  // (unix seconds; 0: not frozen). Its shard keeps serving reads.
  int64_t frozen_until = 0;
  bool operator==(const Placement& o) const {
    return shard == o.shard && epoch == o.epoch && frozen_until == o.frozen_until;
  }
  bool operator!=(const Placement& o) const { return !(*this == o); }
};

std::string EncodePlacement(const Placement& p);
// nullopt for anything EncodePlacement could not have written (out-of-range
// numbers included): an entry in etcd is not trusted.
std::optional<Placement> DecodePlacement(const std::string& value);

// The shard number a StatefulSet pod's hostname ends in ("identity-service-3"
// -> 3), or -1.
int OrdinalFromHostname(const std::string& hostname);

}  // namespace scim::sharding

#endif  // SCIM_SHARDING_PLACEMENT_H_
