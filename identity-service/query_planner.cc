#include "identity-service/query_planner.h"

#include "identity-service/membership.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "identity-service/keys.h"
#include "identity-service/membership.h"

namespace scim::identity {
namespace {

using Candidates = std::optional<std::vector<std::string>>;

// The escaped form of `value` as a key prefix of every longer value.
std::string EscapedPrefix(absl::string_view value) {
  std::string escaped = EscapeKeyComponent(value);
  escaped.resize(escaped.size() - 2);  // drop the terminator
  return escaped;
}

std::string AttributePrefix(absl::string_view tenant, const ResourceType& type,
                            absl::string_view path) {
  std::string key = ValueKey(tenant, type.name, path, "");
  key.resize(key.size() - 2);
  return key;
}

// Ids under `prefix`: unique entries hold the id as their value; index keys
// end in it, after the escaped value that starts at `value_start`.
absl::StatusOr<Candidates> FromKeys(KvStore& kv, const char* cf,
                                    const std::string& prefix,
                                    size_t value_start, bool id_in_value) {
  std::vector<std::string> ids;
  RETURN_IF_ERROR(kv.Scan(cf, prefix, "",
                          [&](absl::string_view key, absl::string_view value) {
                            if (id_in_value) {
                              ids.emplace_back(value);
                            } else {
                              // {value}\0\x01{id}: the first terminator ends
                              // the escaped value.
                              size_t end = key.find(absl::string_view("\0\x01", 2),
                                                    value_start);
                              if (end != absl::string_view::npos) {
                                ids.emplace_back(key.substr(end + 2));
                              }
                            }
                            return true;
                          }));
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return Candidates(std::move(ids));
}

absl::StatusOr<Candidates> PlanTerm(KvStore& kv, const ResourceType& type,
                                    absl::string_view tenant,
                                    const BoundFilter& node) {
  if (node.kind != FilterNode::Kind::kCompare || node.is_null ||
      (node.op != CompareOp::kEq && node.op != CompareOp::kSw) ||
      node.value.kind != Scalar::Kind::kString) {
    return Candidates();
  }
  const std::string& path = node.attribute.canonical;
  const std::string& value = node.value.s;  // folded unless caseExact
  const bool eq = node.op == CompareOp::kEq;
  if (path == "id") {
    if (eq) {
      ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                       kv.Get(kResourcesCf, ResourceKey(tenant, type.name, value)));
      std::vector<std::string> ids;
      if (bytes.has_value()) ids.push_back(value);
      return Candidates(std::move(ids));
    }
    std::vector<std::string> ids;
    const std::string prefix = ResourcePrefix(tenant, type.name);
    RETURN_IF_ERROR(kv.Scan(kResourcesCf, prefix + value, "",
                            [&](absl::string_view key, absl::string_view) {
                              ids.emplace_back(key.substr(prefix.size()));
                              return true;
                            }));
    return Candidates(std::move(ids));
  }
  if (eq && !type.members_attribute.empty() &&
      path == absl::StrCat(type.members_attribute, ".value")) {
    // The groups a member is in: its reverse membership edges.
    ASSIGN_OR_RETURN(std::vector<std::string> ids,
                     Membership(&kv).DirectGroups(tenant, value));
    return Candidates(std::move(ids));
  }
  for (const auto& unique : type.unique) {
    if (unique != path) continue;
    // Unique keys are case-folded; a caseExact attribute would need its own.
    const std::string folded = FoldCase(value);
    if (eq) {
      ASSIGN_OR_RETURN(std::optional<std::string> id,
                       kv.Get(kUniqueCf, ValueKey(tenant, type.name, path, folded)));
      std::vector<std::string> ids;
      if (id.has_value()) ids.push_back(*id);
      return Candidates(std::move(ids));
    }
    const std::string attr = AttributePrefix(tenant, type, path);
    return FromKeys(kv, kUniqueCf, attr + EscapedPrefix(folded), attr.size(),
                    /*id_in_value=*/true);
  }
  for (const auto& indexed : type.indexed) {
    if (indexed.path != path) continue;
    const std::string normalized = indexed.case_exact ? value : FoldCase(value);
    const std::string attr = AttributePrefix(tenant, type, path);
    return FromKeys(kv, kIndexCf,
                    eq ? ValueKey(tenant, type.name, path, normalized)
                       : attr + EscapedPrefix(normalized),
                    attr.size(), /*id_in_value=*/false);
  }
  return Candidates();
}

}  // namespace

absl::StatusOr<Candidates> PlanCandidates(KvStore& kv, const ResourceType& type,
                                          absl::string_view tenant,
                                          const BoundFilter& filter) {
  switch (filter.kind) {
    case FilterNode::Kind::kAnd: {
      // Either side narrows the whole: take the first indexable one.
      for (const BoundFilter& child : filter.children) {
        ASSIGN_OR_RETURN(Candidates c, PlanCandidates(kv, type, tenant, child));
        if (c.has_value()) return c;
      }
      return Candidates();
    }
    case FilterNode::Kind::kOr: {
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
    default:
      return PlanTerm(kv, type, tenant, filter);
  }
}

}  // namespace scim::identity
