// How a shard refuses a tenant it does not serve, and how a router tells that
// refusal apart from any other FAILED_PRECONDITION (then it re-reads the
// tenant's placement and retries once).
#ifndef SCIM_SHARDING_WRONG_SHARD_H_
#define SCIM_SHARDING_WRONG_SHARD_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "sharding/shard_map.h"

namespace scim::sharding {

// FAILED_PRECONDITION naming the owner (and its address when known, so that
// a gRPC client without the shard map can dial it).
absl::Status WrongShardError(const std::string& tenant, const Placement& owner, int self,
                             const std::string& owner_address = "");
bool IsWrongShard(const absl::Status& status);

// The check shard `self` runs before every call for a tenant.
std::function<absl::Status(const std::string& tenant)> OwnershipCheck(const ShardMap* map,
                                                                      int self);

}  // namespace scim::sharding

#endif  // SCIM_SHARDING_WRONG_SHARD_H_
