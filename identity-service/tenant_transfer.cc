#include "identity-service/tenant_transfer.h"

#include "absl/strings/str_cat.h"
#include "common/random.h"
#include "events/event_log.h"
#include "identity-service/keys.h"

namespace scim::identity {

std::vector<TenantKeyRange> TenantKeyRanges(absl::string_view tenant) {
  // '0' is '/' + 1: "{tenant}/" up to "{tenant}0" is exactly the tenant's
  // keys (tenant ids are [a-z0-9-], so "acme/" never holds "acme-2/").
  const std::string begin = absl::StrCat(tenant, "/");
  const std::string end = absl::StrCat(tenant, "0");
  std::vector<TenantKeyRange> ranges;
  for (const char* cf : {kResourcesCf, kUniqueCf, kIndexCf, kMembersCf, kMembersReverseCf,
                         kTombstonesCf, kCountsCf, events::kEventsCf, kWebhooksCf}) {
    ranges.push_back({cf, begin, end});
  }
  // The schema version sits at the bare tenant id, just before its schemas.
  ranges.push_back({kSchemasCf, std::string(tenant), std::string(tenant) + std::string(1, '\0')});
  ranges.push_back({kSchemasCf, begin, end});
  const std::string state = absl::StrCat("~state/", tenant);
  ranges.push_back({events::kEventsCf, state, state + std::string(1, '\0')});
  return ranges;
}

namespace {

// Visits the keys of `range` in order.
absl::Status ScanRange(KvStore& kv, const TenantKeyRange& range, const ScanFn& fn) {
  // Scan takes a prefix: the common prefix of begin and end bounds it, and
  // keys at or past `end` stop the walk.
  size_t common = 0;
  while (common < range.begin.size() && common < range.end.size() &&
         range.begin[common] == range.end[common]) {
    ++common;
  }
  const std::string prefix = range.begin.substr(0, common);
  return kv.Scan(range.cf, prefix, range.begin, [&](absl::string_view key, absl::string_view value) {
    if (key >= range.end) return false;
    return fn(key, value);
  });
}

}  // namespace

absl::Status TenantTransfer::Export(
    absl::string_view tenant,
    const std::function<absl::Status(const std::string& cf, Rows rows)>& sink, size_t batch,
    size_t batch_bytes) {
  for (const TenantKeyRange& range : TenantKeyRanges(tenant)) {
    Rows rows;
    size_t bytes = 0;
    absl::Status sent;
    absl::Status scanned = ScanRange(*kv_, range, [&](absl::string_view key, absl::string_view value) {
      rows.emplace_back(std::string(key), std::string(value));
      bytes += key.size() + value.size();
      if (rows.size() >= batch || bytes >= batch_bytes) {
        sent = sink(range.cf, std::move(rows));
        rows.clear();
        bytes = 0;
        return sent.ok();
      }
      return true;
    });
    if (!scanned.ok()) return scanned;
    if (!sent.ok()) return sent;
    if (!rows.empty()) {
      if (absl::Status s = sink(range.cf, std::move(rows)); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status TenantTransfer::Import(const std::string& cf, const Rows& rows) {
  return kv_->IngestSorted(cf, rows);
}

absl::StatusOr<TenantSummary> TenantTransfer::Summarize(absl::string_view tenant) {
  TenantSummary summary;
  std::map<std::string, std::unique_ptr<Sha256Hasher>> hashers;
  for (const TenantKeyRange& range : TenantKeyRanges(tenant)) {
    auto& hasher = hashers[range.cf];
    if (hasher == nullptr) hasher = std::make_unique<Sha256Hasher>();
    CfSummary& cf = summary[range.cf];
    absl::Status s = ScanRange(*kv_, range, [&](absl::string_view key, absl::string_view value) {
      // Lengths first: ("ab","c") and ("a","bc") hash apart.
      const std::string lengths = absl::StrCat(key.size(), ":", value.size(), ":");
      hasher->Update(lengths);
      hasher->Update(key);
      hasher->Update(value);
      ++cf.keys;
      return true;
    });
    if (!s.ok()) return s;
  }
  for (auto& [cf, hasher] : hashers) summary[cf].sha256 = HexEncode(hasher->Finish());
  return summary;
}

absl::Status TenantTransfer::Drop(absl::string_view tenant) {
  for (const TenantKeyRange& range : TenantKeyRanges(tenant)) {
    if (absl::Status s = kv_->DeleteRange(range.cf, range.begin, range.end); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace scim::identity
