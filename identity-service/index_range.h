// The keys of the `unique` or `index` column family (keys.h) that a
// comparison on one attribute can match, as a range to scan, and the ids the
// scan finds. Escaping is order-preserving and prefix-free, so
//   eq v  : the keys that start with  esc(v)
//   ge v  : from esc(v)                    gt v: from esc'(v) \0 \x02
//   le v  : up to, not with, esc'(v) \0 \x02    lt v: up to esc(v)
//   sw v  : the keys that start with esc'(v)
// under the attribute's prefix, where esc(v) is esc'(v) \0 \x01 (keys.cc):
// \0\x02 sorts after every entry of v itself and before every longer value
// (whose next byte is \0\xff or 1..255), so `gt "x"` excludes exactly "x".
// Ranges that `sw` or an open upper side would end at the attribute's last
// key end instead before esc(kAbsentIndexValue) (index_encoding.h), where
// the resources without a value have their entries.
#ifndef SCIM_IDENTITY_SERVICE_INDEX_RANGE_H_
#define SCIM_IDENTITY_SERVICE_INDEX_RANGE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scim/filter.h"
#include "storage/kv_store.h"

namespace scim::identity {

// The keys that start with `prefix`, from `start` (>= prefix) up to but not
// including `limit` (empty: no upper bound).
struct KeyRange {
  std::string prefix;
  std::string start;
  std::string limit;
  // Which sides the comparisons bound (eq and sw: both).
  bool lower = false;
  bool upper = false;

  bool Empty() const;
};

// The range of `op value` among the keys under `attribute_prefix`
// (AttributeKeyPrefix), `value` in key form (index_encoding.h); nullopt for
// an operator no range answers (ne, co, ew).
std::optional<KeyRange> RangeFor(absl::string_view attribute_prefix, CompareOp op,
                                 absl::string_view value);

// The keys in both (two comparisons on one attribute, joined by `and`).
KeyRange Intersect(const KeyRange& a, const KeyRange& b);

// The sorted, distinct ids of the entries in `range` of `cf`: the value of a
// `unique` key (`id_in_value`), else the end of an `index` key, after the
// escaped value that starts at `value_start`.
absl::StatusOr<std::vector<std::string>> IdsInRange(KvStore& kv, absl::string_view cf,
                                                    const KeyRange& range,
                                                    size_t value_start,
                                                    bool id_in_value);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_INDEX_RANGE_H_
