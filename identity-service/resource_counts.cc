// Resource counts per tenant and type, in total and per id prefix
// (resource_counts.h).
#include "identity-service/resource_counts.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "identity-service/keys.h"
#include "identity-service/write_retry.h"

namespace scim::identity {
namespace {

// Id prefix lengths of levels 1..4 (level 0 is the total). Each level splits
// a node of the one above into at most 16^3 (or 16^2) children, so finding
// a position reads at most a few thousand small counters, and the last
// level's prefix spans few enough ids to walk.
constexpr std::array<size_t, 4> kPrefixLengths = {3, 6, 10, 12};
constexpr int kLevels = static_cast<int>(kPrefixLengths.size());
// Present once the counts are maintained for every resource stored. The
// counts of the first layout (16 shards of decimal totals, "~ready") are
// replaced when it is missing.
constexpr char kCountsReady[] = "~ready.v2";
// Keys per transaction when EnsureCounts rewrites the counts.
constexpr size_t kBatch = 4096;

std::string LevelKey(absl::string_view tenant_type_prefix, int level,
                     absl::string_view id_prefix) {
  return absl::StrCat(tenant_type_prefix, std::string(1, static_cast<char>('0' + level)),
                      id_prefix);
}

absl::string_view IdPrefix(absl::string_view id, int level) {
  return id.substr(0, std::min(id.size(), kPrefixLengths[level - 1]));
}

absl::StatusOr<bool> Ready(KvStore& kv) {
  ASSIGN_OR_RETURN(std::optional<std::string> ready, kv.Get(kCountsCf, kCountsReady));
  return ready.has_value();
}

}  // namespace

absl::Status AdjustCounts(KvTransaction& txn, absl::string_view tenant,
                          absl::string_view type, absl::string_view id, int64_t delta) {
  const std::string base = ResourcePrefix(tenant, type);
  RETURN_IF_ERROR(txn.AddToCounter(kCountsCf, LevelKey(base, 0, ""), delta));
  for (int level = 1; level <= kLevels; ++level) {
    RETURN_IF_ERROR(
        txn.AddToCounter(kCountsCf, LevelKey(base, level, IdPrefix(id, level)), delta));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<int64_t>> ReadCount(KvStore& kv, absl::string_view tenant,
                                                 absl::string_view type) {
  ASSIGN_OR_RETURN(bool ready, Ready(kv));
  if (!ready) return std::optional<int64_t>();
  ASSIGN_OR_RETURN(std::optional<std::string> total,
                   kv.Get(kCountsCf, LevelKey(ResourcePrefix(tenant, type), 0, "")));
  if (!total.has_value()) return std::optional<int64_t>(0);
  ASSIGN_OR_RETURN(int64_t n, DecodeCounter(*total));
  return std::optional<int64_t>(n);
}

absl::StatusOr<std::optional<CountedPosition>> LocateByCount(KvStore& kv,
                                                             absl::string_view tenant,
                                                             absl::string_view type,
                                                             int64_t offset) {
  ASSIGN_OR_RETURN(bool ready, Ready(kv));
  if (!ready) return std::optional<CountedPosition>();
  const std::string base = ResourcePrefix(tenant, type);
  CountedPosition position;
  int64_t remaining = offset;
  for (int level = 1; level <= kLevels; ++level) {
    // The children of the node chosen above, in id order: skip whole
    // subtrees until the one holding the position.
    const std::string children = LevelKey(base, level, position.from);
    bool found = false;
    absl::Status status;
    RETURN_IF_ERROR(kv.Scan(kCountsCf, children, "",
                            [&](absl::string_view key, absl::string_view value) {
                              absl::StatusOr<int64_t> n = DecodeCounter(value);
                              if (!n.ok()) {
                                status = n.status();
                                return false;
                              }
                              if (*n <= 0) return true;
                              if (remaining < *n) {
                                position.from = std::string(key.substr(base.size() + 1));
                                found = true;
                                return false;
                              }
                              remaining -= *n;
                              return true;
                            }));
    RETURN_IF_ERROR(status);
    if (!found) {
      position.past_end = true;
      return std::optional<CountedPosition>(std::move(position));
    }
  }
  position.skip = remaining;
  return std::optional<CountedPosition>(std::move(position));
}

absl::Status EnsureCounts(KvStore& kv, RandomSource& random) {
  ASSIGN_OR_RETURN(bool ready, Ready(kv));
  if (ready) return absl::OkStatus();
  std::vector<std::pair<std::string, int64_t>> pending;
  auto flush = [&]() -> absl::Status {
    if (pending.empty()) return absl::OkStatus();
    absl::Status s = RunWrite(kv, random, Deadline(), [&](KvTransaction& txn) {
      for (const auto& [key, n] : pending) {
        RETURN_IF_ERROR(txn.Put(kCountsCf, key, EncodeCounter(n)));
      }
      return absl::OkStatus();
    });
    pending.clear();
    return s;
  };
  // Counts written before (any layout) may be partial: remove them first.
  std::vector<std::string> stale;
  RETURN_IF_ERROR(kv.Scan(kCountsCf, "", "", [&](absl::string_view key, absl::string_view) {
    stale.emplace_back(key);
    return true;
  }));
  for (size_t i = 0; i < stale.size(); i += kBatch) {
    RETURN_IF_ERROR(RunWrite(kv, random, Deadline(), [&](KvTransaction& txn) {
      for (size_t j = i; j < std::min(stale.size(), i + kBatch); ++j) {
        RETURN_IF_ERROR(txn.Delete(kCountsCf, stale[j]));
      }
      return absl::OkStatus();
    }));
  }
  // One pass in key order ({tenant}/{type}/{id}): each level's current
  // prefix and its count, written out when the prefix changes.
  std::string base;
  std::array<std::string, kLevels + 1> prefix;
  std::array<int64_t, kLevels + 1> count{};
  auto close_from = [&](int level) {
    for (int l = level; l <= kLevels; ++l) {
      if (count[l] > 0) pending.emplace_back(LevelKey(base, l, prefix[l]), count[l]);
      count[l] = 0;
    }
  };
  absl::Status status;
  RETURN_IF_ERROR(kv.Scan(kResourcesCf, "", "",
                          [&](absl::string_view key, absl::string_view) {
                            const size_t slash = key.rfind('/');
                            if (slash == absl::string_view::npos) return true;
                            absl::string_view tenant_type = key.substr(0, slash + 1);
                            absl::string_view id = key.substr(slash + 1);
                            if (tenant_type != base) {
                              close_from(0);
                              base = std::string(tenant_type);
                              for (auto& p : prefix) p.clear();
                            }
                            ++count[0];
                            for (int l = 1; l <= kLevels; ++l) {
                              absl::string_view p = IdPrefix(id, l);
                              if (count[l] > 0 && p != prefix[l]) close_from(l);
                              if (count[l] == 0) prefix[l] = std::string(p);
                              ++count[l];
                            }
                            if (pending.size() >= kBatch) {
                              status = flush();
                              if (!status.ok()) return false;
                            }
                            return true;
                          }));
  RETURN_IF_ERROR(status);
  close_from(0);
  RETURN_IF_ERROR(flush());
  return RunWrite(kv, random, Deadline(), [&](KvTransaction& txn) {
    return txn.Put(kCountsCf, kCountsReady, "1");
  });
}

}  // namespace scim::identity
