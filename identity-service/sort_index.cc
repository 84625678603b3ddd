#include "identity-service/sort_index.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "identity-service/keys.h"
#include "identity-service/query_page.h"
#include "identity-service/query_planner.h"

namespace scim::identity {
namespace {

absl::Status NotThisIndex() {
  return ScimError(absl::StatusCode::kInvalidArgument, scim_type::kInvalidCursor,
                   "the cursor is not a position of this query");
}

// The entry value of a sort key (sort_key.h): strings are alike (folded or
// not, as the index is: SortIndexFor checks); an instant's sort key is its
// Unix seconds (8 bytes, big-endian, sign bit flipped) and 9 digits of
// nanoseconds, its entry the same in 16 + 8 hex digits (EncodeInstant).
absl::StatusOr<std::string> EntryValue(IndexEncoding encoding, absl::string_view key) {
  if (encoding != IndexEncoding::kInstant) return std::string(key);
  if (key.size() != 17) return NotThisIndex();
  uint64_t ordered = 0;
  for (int i = 0; i < 8; ++i) ordered = (ordered << 8) | static_cast<uint8_t>(key[i]);
  int64_t nanos = 0;
  for (char c : key.substr(8)) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return NotThisIndex();
    nanos = nanos * 10 + (c - '0');
  }
  const int64_t seconds = static_cast<int64_t>(ordered ^ (uint64_t{1} << 63));
  return EncodeInstant(absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos));
}

// The entry key of a position.
absl::StatusOr<std::string> EntryKey(const SortIndex& index, const SortPosition& at) {
  if (at.missing) {
    if (index.unique()) return NotThisIndex();
    return absl::StrCat(index.prefix, EscapeKeyComponent(kAbsentIndexValue), at.id);
  }
  ASSIGN_OR_RETURN(std::string value, EntryValue(index.encoding, at.key));
  return absl::StrCat(index.prefix, EscapeKeyComponent(value),
                      index.unique() ? "" : at.id);
}

}  // namespace

bool SortIndex::unique() const { return absl::string_view(cf) == kUniqueCf; }

absl::StatusOr<std::optional<SortIndex>> SortIndexFor(KvStore& kv, const ResourceType& type,
                                                      absl::string_view tenant,
                                                      const ResolvedAttribute& sort_by) {
  // A multi-valued attribute sorts by one of its values; its entries hold
  // all of them.
  if (sort_by.attribute == nullptr || sort_by.multi_valued()) return std::nullopt;
  const std::string& path = sort_by.canonical;
  const AttributeSchema& leaf = sort_by.leaf();
  SortIndex index;
  index.prefix = AttributeKeyPrefix(tenant, type.name, path);
  // Unique keys are folded: the order of a caseExact=false attribute only;
  // and of every resource only if it is required.
  if (!leaf.case_exact && leaf.required &&
      std::find(type.unique.begin(), type.unique.end(), path) != type.unique.end()) {
    index.cf = kUniqueCf;
    index.encoding = IndexEncoding::kFoldedString;
    return index;
  }
  for (const IndexedAttribute& indexed : type.indexed) {
    if (indexed.path != path) continue;
    ASSIGN_OR_RETURN(index.encoding, EncodingOf(indexed, leaf));
    // Folded entries order a caseExact=false attribute, exact ones the other.
    if (index.encoding != IndexEncoding::kInstant &&
        (index.encoding == IndexEncoding::kFoldedString) == leaf.case_exact) {
      return std::nullopt;
    }
    ASSIGN_OR_RETURN(bool ready, IndexReady(kv, type, tenant, indexed, index.encoding));
    if (!ready) return std::nullopt;
    index.cf = kIndexCf;
    return index;
  }
  return std::nullopt;
}

absl::Status WalkInSortOrder(KvStore& kv, const SortIndex& index, bool descending,
                             const SortPosition* after, bool backward,
                             const Deadline& deadline, const SortedIdFn& fn) {
  // The two runs of entries, in the order walked.
  struct Run {
    bool absent;
    bool down;
  };
  std::vector<Run> runs = {{false, descending}};
  if (!index.unique()) runs.push_back({true, false});
  if (backward) {
    std::reverse(runs.begin(), runs.end());
    for (Run& run : runs) run.down = !run.down;
  }
  std::string from;  // the position's key: where the walk starts, excluded
  if (after != nullptr) {
    ASSIGN_OR_RETURN(from, EntryKey(index, *after));
    while (runs.front().absent != after->missing) runs.erase(runs.begin());
  }
  const std::string values_end = absl::StrCat(index.prefix, kAbsentIndexValue);
  const std::string absent_prefix =
      absl::StrCat(index.prefix, EscapeKeyComponent(kAbsentIndexValue));
  int64_t visited = 0;
  absl::Status status;
  bool stopped = false;
  auto visit = [&](absl::string_view key, absl::string_view value) {
    if (++visited % kDeadlineCheckInterval == 0) {
      status = deadline.Check();
      if (!status.ok()) return false;
    }
    const absl::string_view id =
        index.unique() ? value : IdOfIndexKey(key, index.prefix.size());
    if (id.empty()) return true;
    absl::StatusOr<bool> more = fn(id);
    if (!more.ok()) status = more.status();
    stopped = !more.ok() || !*more;
    return !stopped;
  };
  for (size_t i = 0; i < runs.size() && !stopped; ++i) {
    const Run& run = runs[i];
    const bool first = i == 0 && after != nullptr;
    if (run.absent) {
      if (run.down) {
        RETURN_IF_ERROR(kv.ScanBackward(index.cf, absent_prefix, first ? from : "", visit));
      } else {
        RETURN_IF_ERROR(kv.Scan(index.cf, absent_prefix,
                                first ? from + std::string(1, '\0') : "", visit));
      }
    } else if (run.down) {
      // Below the entries of no value.
      RETURN_IF_ERROR(kv.ScanBackward(index.cf, index.prefix,
                                      first ? from : (index.unique() ? "" : values_end),
                                      visit));
    } else {
      auto below_absent = [&](absl::string_view key, absl::string_view value) {
        if (!index.unique() && key >= values_end) return false;
        return visit(key, value);
      };
      RETURN_IF_ERROR(kv.Scan(index.cf, index.prefix,
                              first ? from + std::string(1, '\0') : "", below_absent));
    }
    RETURN_IF_ERROR(status);
  }
  return status;
}

}  // namespace scim::identity
