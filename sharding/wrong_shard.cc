#include "sharding/wrong_shard.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace scim::sharding {
namespace {

constexpr char kMarker[] = " is served by identity shard ";

}  // namespace

absl::Status WrongShardError(const std::string& tenant, const Placement& owner, int self) {
  return absl::FailedPreconditionError(absl::StrCat("tenant '", tenant, "'", kMarker, owner.shard,
                                                    " (epoch ", owner.epoch, "), not by shard ",
                                                    self));
}

bool IsWrongShard(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition &&
         absl::StrContains(status.message(), kMarker);
}

std::function<absl::Status(const std::string&)> OwnershipCheck(const ShardMap* map, int self) {
  return [map, self](const std::string& tenant) {
    const Placement owner = map->Owner(tenant);
    return owner.shard == self ? absl::OkStatus() : WrongShardError(tenant, owner, self);
  };
}

int OrdinalFromHostname(const std::string& hostname) {
  const size_t dash = hostname.rfind('-');
  if (dash == std::string::npos || dash + 1 >= hostname.size()) return -1;
  const std::string digits = hostname.substr(dash + 1);
  // Only the ordinal: "pod-3" yes, "pod-3.svc" or "pod-x" no.
  for (char c : digits) {
    if (!absl::ascii_isdigit(c)) return -1;
  }
  int n = -1;
  if (digits.size() > 4 || !absl::SimpleAtoi(digits, &n) || n >= kMaxShards) return -1;
  return n;
}

}  // namespace scim::sharding
