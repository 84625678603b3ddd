#include "sharding/wrong_shard.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace scim::sharding {
namespace {

constexpr char kMarker[] = " is served by identity shard ";

}  // namespace

absl::Status WrongShardError(const std::string& tenant, const Placement& owner, int self,
                             const std::string& owner_address) {
  return absl::FailedPreconditionError(absl::StrCat(
      "tenant '", tenant, "'", kMarker, owner.shard,
      owner_address.empty() ? "" : absl::StrCat(" at ", owner_address), " (epoch ", owner.epoch,
      "), not by shard ", self));
}

bool IsWrongShard(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition &&
         absl::StrContains(status.message(), kMarker);
}

std::function<absl::Status(const std::string&)> OwnershipCheck(const ShardMap* map, int self) {
  return [map, self](const std::string& tenant) {
    const Placement owner = map->Owner(tenant);
    if (owner.shard == self) return absl::OkStatus();
    return WrongShardError(tenant, owner, self, map->Address(owner.shard).value_or(""));
  };
}

}  // namespace scim::sharding
