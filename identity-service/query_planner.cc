#include "identity-service/query_planner.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "identity-service/index_encoding.h"
#include "identity-service/index_range.h"
#include "identity-service/keys.h"
#include "identity-service/schema_keys.h"
#include "identity-service/membership.h"

namespace scim::identity {
namespace {

using Candidates = std::optional<std::vector<std::string>>;

// How many candidates a way of reading them is expected to give, best
// first; ties go to the conjunct written first.
enum Rank {
  kPoint = 0,   // at most one (id, unique eq) or a few (a member's groups)
  kEqual = 1,   // an indexed value
  kNarrow = 2,  // a prefix, a range bounded on both sides, an `or`
  kOpen = 3,    // a range bounded on one side
};

// One way to read a conjunct's candidates, chosen before any is read.
struct Access {
  int rank = kOpen;
  // A range of `unique` or `index` entries. Two on one single-valued
  // attribute intersect; on a multi-valued one each comparison may hold for
  // another value (`emails.value lt "b" and emails.value gt "c"`), so not.
  const char* cf = nullptr;
  std::string attribute_prefix;
  KeyRange range;
  bool single_valued = false;
  // Anything else reads its candidates itself; nullopt = it needs a scan.
  std::function<absl::StatusOr<Candidates>()> read;
};

int RangeRank(const KeyRange& range, bool equality) {
  if (equality) return kEqual;
  return range.lower && range.upper ? kNarrow : kOpen;
}

// A comparison on `id` or on the members' ids: read directly.
std::optional<Access> DirectAccess(KvStore& kv, const ResourceType& type,
                                   absl::string_view tenant, const BoundFilter& node) {
  const std::string& path = node.attribute.canonical;
  const std::string& value = node.value.s;
  Access access;
  if (path == "id" && node.op == CompareOp::kEq) {
    access.rank = kPoint;
    access.read = [&kv, &type, tenant, value]() -> absl::StatusOr<Candidates> {
      ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                       kv.Get(kResourcesCf, ResourceKey(tenant, type.name, value)));
      std::vector<std::string> ids;
      if (bytes.has_value()) ids.push_back(value);
      return Candidates(std::move(ids));
    };
    return access;
  }
  if (path == "id" && node.op == CompareOp::kSw) {
    access.rank = kNarrow;
    access.read = [&kv, &type, tenant, value]() -> absl::StatusOr<Candidates> {
      std::vector<std::string> ids;
      const std::string prefix = ResourcePrefix(tenant, type.name);
      RETURN_IF_ERROR(kv.Scan(kResourcesCf, prefix + value, "",
                              [&](absl::string_view key, absl::string_view) {
                                ids.emplace_back(key.substr(prefix.size()));
                                return true;
                              }));
      return Candidates(std::move(ids));
    };
    return access;
  }
  if (node.op == CompareOp::kEq && !type.members_attribute.empty() &&
      path == absl::StrCat(type.members_attribute, ".value")) {
    // The groups a member is in: its reverse membership edges.
    access.rank = kPoint;
    access.read = [&kv, tenant, value]() -> absl::StatusOr<Candidates> {
      ASSIGN_OR_RETURN(std::vector<std::string> ids,
                       Membership(&kv).DirectGroups(tenant, value));
      return Candidates(std::move(ids));
    };
    return access;
  }
  return std::nullopt;
}

// A comparison on a unique or indexed attribute: a range of its entries.
absl::StatusOr<std::optional<Access>> KeyAccess(KvStore& kv, const ResourceType& type,
                                                absl::string_view tenant,
                                                const BoundFilter& node) {
  const std::string& path = node.attribute.canonical;
  const bool ordering = node.op != CompareOp::kEq && node.op != CompareOp::kSw;
  // The filter's comparison folds case unless the schema says caseExact.
  const bool filter_folds = !node.attribute.leaf().case_exact;
  Access access;
  access.attribute_prefix = AttributeKeyPrefix(tenant, type.name, path);
  access.single_valued = !node.attribute.multi_valued();
  std::optional<KeyRange> range;
  for (const auto& unique : type.unique) {
    if (unique != path || node.value.kind != Scalar::Kind::kString) continue;
    // Unique keys are folded: a caseExact order is not theirs, but eq and sw
    // on the folded value over-approximate the exact ones.
    if (ordering && !filter_folds) return std::nullopt;
    const std::string folded = FoldCase(node.value.s);
    if (node.op == CompareOp::kEq) {
      // One key, read as such (the hot path: an IdP's `userName eq`).
      access.rank = kPoint;
      access.read = [&kv, key = ValueKey(tenant, type.name, path, folded)]()
          -> absl::StatusOr<Candidates> {
        ASSIGN_OR_RETURN(std::optional<std::string> id, kv.Get(kUniqueCf, key));
        std::vector<std::string> ids;
        if (id.has_value()) ids.push_back(*id);
        return Candidates(std::move(ids));
      };
      return access;
    }
    range = RangeFor(access.attribute_prefix, node.op, folded);
    if (!range.has_value()) return std::nullopt;
    access.cf = kUniqueCf;
    access.rank = RangeRank(*range, false);
    access.range = std::move(*range);
    return access;
  }
  for (const auto& indexed : type.indexed) {
    if (indexed.path != path) continue;
    ASSIGN_OR_RETURN(IndexEncoding encoding, EncodingOf(indexed, node.attribute.leaf()));
    CompareOp op = node.op;
    std::string value;
    if (encoding == IndexEncoding::kInstant) {
      if (node.value.kind != Scalar::Kind::kTime ||
          node.value.t == absl::InfiniteFuture() || node.value.t == absl::InfinitePast()) {
        return std::nullopt;
      }
      bool exact = true;
      value = EncodeInstant(node.value.t, &exact);
      // Stored instants are whole nanoseconds: of those below a finer `t`,
      // the greatest is `t` rounded down, which `lt` must include and `ge`
      // need not (`eq` reads it, and the re-check drops it).
      if (!exact && op == CompareOp::kLt) op = CompareOp::kLe;
      if (!exact && op == CompareOp::kGe) op = CompareOp::kGt;
    } else {
      if (node.value.kind != Scalar::Kind::kString) return std::nullopt;
      const bool index_folds = encoding == IndexEncoding::kFoldedString;
      // Exact keys cannot find a case-insensitive match; folded keys are out
      // of a caseExact order.
      if (filter_folds && !index_folds) return std::nullopt;
      if (ordering && !filter_folds && index_folds) return std::nullopt;
      value = index_folds ? FoldCase(node.value.s) : node.value.s;
    }
    range = RangeFor(access.attribute_prefix, op, value);
    if (!range.has_value()) return std::nullopt;
    ASSIGN_OR_RETURN(bool ready, IndexReady(kv, type, tenant, indexed, encoding));
    if (!ready) return std::nullopt;
    access.cf = kIndexCf;
    access.rank = RangeRank(*range, op == CompareOp::kEq);
    access.range = std::move(*range);
    return access;
  }
  return std::nullopt;
}

absl::StatusOr<std::optional<Access>> TermAccess(KvStore& kv, const ResourceType& type,
                                                 absl::string_view tenant,
                                                 const BoundFilter& node) {
  if (node.kind != FilterNode::Kind::kCompare || node.is_null) return std::nullopt;
  if (node.value.kind == Scalar::Kind::kString) {
    if (std::optional<Access> direct = DirectAccess(kv, type, tenant, node)) {
      return direct;
    }
  }
  return KeyAccess(kv, type, tenant, node);
}

// The terms of a chain of `and`s.
void Conjuncts(const BoundFilter& node, std::vector<const BoundFilter*>* out) {
  if (node.kind == FilterNode::Kind::kAnd) {
    for (const BoundFilter& child : node.children) Conjuncts(child, out);
  } else {
    out->push_back(&node);
  }
}

// Any conjunct narrows the whole: the ways to read them, ranges on one
// attribute intersected, best first.
absl::StatusOr<std::vector<Access>> Accesses(KvStore& kv, const ResourceType& type,
                                             absl::string_view tenant,
                                             const BoundFilter& filter) {
  std::vector<const BoundFilter*> conjuncts;
  Conjuncts(filter, &conjuncts);
  std::vector<Access> accesses;
  for (const BoundFilter* conjunct : conjuncts) {
    if (conjunct->kind == FilterNode::Kind::kOr) {
      Access access;
      access.rank = kNarrow;
      access.read = [&kv, &type, tenant, conjunct] {
        return PlanCandidates(kv, type, tenant, *conjunct);
      };
      accesses.push_back(std::move(access));
      continue;
    }
    ASSIGN_OR_RETURN(std::optional<Access> access, TermAccess(kv, type, tenant, *conjunct));
    if (!access.has_value()) continue;
    auto same = std::find_if(accesses.begin(), accesses.end(), [&](const Access& a) {
      return a.cf != nullptr && a.cf == access->cf && a.single_valued &&
             access->single_valued && a.attribute_prefix == access->attribute_prefix;
    });
    if (access->cf == nullptr || same == accesses.end()) {
      accesses.push_back(std::move(*access));
      continue;
    }
    same->range = Intersect(same->range, access->range);
    same->rank = std::min({same->rank, access->rank, RangeRank(same->range, false)});
  }
  std::stable_sort(accesses.begin(), accesses.end(),
                   [](const Access& a, const Access& b) { return a.rank < b.rank; });
  return accesses;
}

}  // namespace

absl::StatusOr<bool> IndexReady(KvStore& kv, const ResourceType& type,
                                absl::string_view tenant, const IndexedAttribute& indexed,
                                IndexEncoding encoding) {
  // A tenant's custom index is built per tenant (schema_keys.h).
  ASSIGN_OR_RETURN(std::optional<std::string> marker,
                   kv.Get(kIndexCf, IsCustomPath(indexed.path)
                                        ? TenantIndexReadyKey(tenant, type.name, indexed.path)
                                        : IndexReadyKey(type.name, indexed.path)));
  return marker.has_value() && *marker == EncodingVersion(encoding);
}

absl::StatusOr<Candidates> PlanCandidates(KvStore& kv, const ResourceType& type,
                                          absl::string_view tenant,
                                          const BoundFilter& filter) {
  if (filter.kind == FilterNode::Kind::kOr) {
    // Both sides, or a scan.
    ASSIGN_OR_RETURN(Candidates left,
                     PlanCandidates(kv, type, tenant, filter.children[0]));
    if (!left.has_value()) return Candidates();
    ASSIGN_OR_RETURN(Candidates right,
                     PlanCandidates(kv, type, tenant, filter.children[1]));
    if (!right.has_value()) return Candidates();
    std::vector<std::string> both;
    std::set_union(left->begin(), left->end(), right->begin(), right->end(),
                   std::back_inserter(both));
    return Candidates(std::move(both));
  }
  ASSIGN_OR_RETURN(std::vector<Access> accesses, Accesses(kv, type, tenant, filter));
  for (const Access& access : accesses) {
    if (access.cf == nullptr) {
      ASSIGN_OR_RETURN(Candidates candidates, access.read());
      if (candidates.has_value()) return candidates;
      continue;
    }
    ASSIGN_OR_RETURN(std::vector<std::string> ids,
                     IdsInRange(kv, access.cf, access.range,
                                access.attribute_prefix.size(),
                                /*id_in_value=*/access.cf == kUniqueCf));
    return Candidates(std::move(ids));
  }
  return Candidates();
}

}  // namespace scim::identity
