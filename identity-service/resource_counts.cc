// ResourceStore's per-tenant, per-type resource counts (kCountsCf): kept in
// the same transaction as each create, delete and restore, read as the
// totalResults of unfiltered lists.
#include <cstdint>
#include <map>
#include <string>

#include "absl/hash/hash.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status.h"
#include "identity-service/keys.h"
#include "identity-service/resource_store.h"
#include "identity-service/write_retry.h"

namespace scim::identity {
namespace {

// Concurrent creates in one tenant lock one of these keys each: 16 shards
// make them rarely wait on each other, and a count is 16 reads. Any shard
// will do for a change (only the sum means anything), so the per-process
// hash seed does not matter.
constexpr uint64_t kShards = 16;
// Present once the counts are maintained for every resource stored.
constexpr char kCountsReady[] = "~ready";

std::string CountKey(absl::string_view tenant, absl::string_view type, uint64_t shard) {
  return absl::StrFormat("%s/%s/%02x", tenant, type, shard);
}

absl::StatusOr<int64_t> ParseCount(absl::string_view value) {
  int64_t n = 0;
  if (!absl::SimpleAtoi(value, &n)) return absl::DataLossError("corrupt resource count");
  return n;
}

}  // namespace

absl::Status ResourceStore::AdjustCount(KvTransaction& txn, const ResourceType& type,
                                        absl::string_view tenant, absl::string_view id,
                                        int64_t delta) {
  const std::string key =
      CountKey(tenant, type.name, absl::HashOf(std::string(id)) % kShards);
  ASSIGN_OR_RETURN(std::optional<std::string> value, txn.GetForUpdate(kCountsCf, key));
  int64_t n = 0;
  if (value.has_value()) {
    ASSIGN_OR_RETURN(n, ParseCount(*value));
  }
  return txn.Put(kCountsCf, key, absl::StrCat(n + delta));
}

absl::StatusOr<std::optional<int64_t>> ResourceStore::Count(const ResourceType& type,
                                                           absl::string_view tenant) {
  ASSIGN_OR_RETURN(std::optional<std::string> ready, kv_->Get(kCountsCf, kCountsReady));
  if (!ready.has_value()) return std::optional<int64_t>();
  int64_t total = 0;
  absl::Status status;
  RETURN_IF_ERROR(kv_->Scan(kCountsCf, ResourcePrefix(tenant, type.name), "",
                            [&](absl::string_view, absl::string_view value) {
                              auto n = ParseCount(value);
                              if (!n.ok()) {
                                status = n.status();
                                return false;
                              }
                              total += *n;
                              return true;
                            }));
  RETURN_IF_ERROR(status);
  return std::optional<int64_t>(total);
}

absl::Status ResourceStore::EnsureCounts() {
  ASSIGN_OR_RETURN(std::optional<std::string> ready, kv_->Get(kCountsCf, kCountsReady));
  if (ready.has_value()) return absl::OkStatus();
  // Keys are tenant/type/id: count per tenant/type prefix, one pass.
  std::map<std::string, int64_t> counts;
  RETURN_IF_ERROR(kv_->Scan(kResourcesCf, "", "",
                            [&](absl::string_view key, absl::string_view) {
                              const size_t slash = key.rfind('/');
                              if (slash != absl::string_view::npos) {
                                ++counts[std::string(key.substr(0, slash))];
                              }
                              return true;
                            }));
  return RunWrite(*kv_, *random_, Deadline(), [&](KvTransaction& txn) {
    // Counts written before (if any) are replaced: they may be partial.
    std::vector<std::string> stale;
    RETURN_IF_ERROR(txn.Scan(kCountsCf, "", "",
                             [&](absl::string_view key, absl::string_view) {
                               stale.emplace_back(key);
                               return true;
                             }));
    for (const std::string& key : stale) RETURN_IF_ERROR(txn.Delete(kCountsCf, key));
    for (const auto& [tenant_type, n] : counts) {
      RETURN_IF_ERROR(txn.Put(kCountsCf, absl::StrCat(tenant_type, "/00"), absl::StrCat(n)));
    }
    return txn.Put(kCountsCf, kCountsReady, "1");
  });
}

}  // namespace scim::identity
