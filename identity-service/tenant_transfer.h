// A tenant's data as one unit that can leave one identity shard for another:
// its key ranges in every column family, read in key order, loaded in bulk,
// summarized for comparison, and dropped.
#ifndef SCIM_IDENTITY_SERVICE_TENANT_TRANSFER_H_
#define SCIM_IDENTITY_SERVICE_TENANT_TRANSFER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "storage/kv_store.h"

namespace scim::identity {

// Keys [begin, end) of one column family.
struct TenantKeyRange {
  std::string cf, begin, end;
};

// Every range that holds `tenant`'s data: "{tenant}/..." in each tenant column
// family, its schema version key, and its lifecycle state in the event log.
std::vector<TenantKeyRange> TenantKeyRanges(absl::string_view tenant);

using Rows = std::vector<std::pair<std::string, std::string>>;

// Per column family: how many keys, and SHA-256 (hex) over every key and value
// in order. Equal summaries mean equal data.
struct CfSummary {
  int64_t keys = 0;
  std::string sha256;
  bool operator==(const CfSummary& o) const { return keys == o.keys && sha256 == o.sha256; }
};
using TenantSummary = std::map<std::string, CfSummary>;

class TenantTransfer {
 public:
  explicit TenantTransfer(KvStore* kv) : kv_(kv) {}

  // Calls `sink` with the tenant's rows, range by range in key order, at
  // most `batch` rows or about `batch_bytes` at a time.
  absl::Status Export(absl::string_view tenant,
                      const std::function<absl::Status(const std::string& cf, Rows rows)>& sink,
                      size_t batch = 4096, size_t batch_bytes = 1 << 20);
  // Loads rows (sorted, one column family) Export produced.
  absl::Status Import(const std::string& cf, const Rows& rows);
  absl::StatusOr<TenantSummary> Summarize(absl::string_view tenant);
  // Deletes every range of the tenant (and reclaims the space).
  absl::Status Drop(absl::string_view tenant);

 private:
  KvStore* const kv_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_TENANT_TRANSFER_H_
