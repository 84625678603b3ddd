// Key ranges of comparisons over escaped index keys.
#include "identity-service/index_range.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "identity-service/index_encoding.h"
#include "identity-service/keys.h"

namespace scim::identity {
namespace {

// esc'(v): the escaped value without its terminator, a prefix of the keys
// of v and of every longer value that starts with v.
std::string Unterminated(absl::string_view value) {
  std::string escaped = EscapeKeyComponent(value);
  escaped.resize(escaped.size() - 2);
  return escaped;
}

constexpr absl::string_view kOf("\0\x01", 2);     // ends esc(v)
constexpr absl::string_view kAfter("\0\x02", 2);  // past every key of v

}  // namespace

bool KeyRange::Empty() const { return !limit.empty() && limit <= start; }

std::optional<KeyRange> RangeFor(absl::string_view attribute_prefix, CompareOp op,
                                 absl::string_view value) {
  const std::string p(attribute_prefix);
  const std::string v = absl::StrCat(p, Unterminated(value));
  // Ranges open above (and `sw ""`) end before the entries of no value.
  const std::string values_end = absl::StrCat(p, kAbsentIndexValue);
  switch (op) {
    case CompareOp::kEq:
      return KeyRange{absl::StrCat(v, kOf), absl::StrCat(v, kOf), "", true, true};
    case CompareOp::kSw:
      return KeyRange{v, v, values_end, true, true};
    case CompareOp::kGt:
      return KeyRange{p, absl::StrCat(v, kAfter), values_end, true, false};
    case CompareOp::kGe:
      return KeyRange{p, absl::StrCat(v, kOf), values_end, true, false};
    case CompareOp::kLt:
      return KeyRange{p, p, absl::StrCat(v, kOf), false, true};
    case CompareOp::kLe:
      return KeyRange{p, p, absl::StrCat(v, kAfter), false, true};
    default:
      return std::nullopt;
  }
}

KeyRange Intersect(const KeyRange& a, const KeyRange& b) {
  KeyRange out;
  out.lower = a.lower || b.lower;
  out.upper = a.upper || b.upper;
  const bool a_inside_b = absl::StartsWith(a.prefix, b.prefix);
  if (!a_inside_b && !absl::StartsWith(b.prefix, a.prefix)) {
    // Disjoint prefixes (sw "a" and sw "b"): nothing.
    out.prefix = a.prefix;
    out.start = a.prefix;
    out.limit = a.prefix;
    return out;
  }
  out.prefix = a_inside_b ? a.prefix : b.prefix;  // the longer one
  out.start = std::max({a.start, b.start, out.prefix});
  if (a.limit.empty() || b.limit.empty()) {
    out.limit = a.limit.empty() ? b.limit : a.limit;
  } else {
    out.limit = std::min(a.limit, b.limit);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> IdsInRange(KvStore& kv, absl::string_view cf,
                                                    const KeyRange& range,
                                                    size_t value_start,
                                                    bool id_in_value) {
  std::vector<std::string> ids;
  if (range.Empty()) return ids;
  RETURN_IF_ERROR(kv.Scan(
      cf, range.prefix, range.start, [&](absl::string_view key, absl::string_view value) {
        if (!range.limit.empty() && key >= range.limit) return false;
        if (id_in_value) {
          ids.emplace_back(value);
        } else if (absl::string_view id = IdOfIndexKey(key, value_start); !id.empty()) {
          ids.emplace_back(id);
        }
        return true;
      }));
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace scim::identity
