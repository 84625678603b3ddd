// RFC 7644 §3.5.2 PATCH, generic over protobuf descriptors: every path goes
// through the one attribute-path resolver, every value through the JSON
// codec. Tolerates what identity providers really send (op names in any case,
// "False" for booleans, dotted and URN keys in no-path values, a filtered
// replace that matches nothing, a bare id for `manager`, member removal by a
// value list).
//
// Operations apply in order to a copy the caller owns; the first error stops
// the patch, so the caller keeps all or nothing by discarding the copy.
#ifndef SCIM_SCIM_PATCH_H_
#define SCIM_SCIM_PATCH_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "scim/filter_eval.h"
#include "scim/json_codec.h"
#include "scim/schema.h"

namespace scim {

struct PatchOp {
  std::string op;    // add | replace | remove, in any case
  std::string path;  // empty: the resource itself
  Json value;        // null when absent
};

enum class PatchKind { kAdd, kReplace, kRemove };

// An operation on an attribute the resource message does not hold (Group
// `members`, stored as edges), resolved and handed to the owner of it.
struct ExternalPatch {
  PatchKind kind = PatchKind::kAdd;
  // `members[value eq "x"]`: the bound filter, and the compared values when
  // it is only `value eq` terms joined by `or` (the common case, answered
  // without reading every member).
  const BoundFilter* filter = nullptr;
  std::optional<std::vector<std::string>> filter_values;
  // Elements given (add, replace, remove by value list); always an array.
  Json values = Json::array();
};

struct PatchOptions {
  // Keys of no-path values that no schema declares are ignored unless set.
  bool reject_unknown_attributes = false;
  // Top-level attribute held outside the message, and who applies it.
  std::string external_attribute;
  std::function<absl::Status(const ExternalPatch&)> external;
};

// The "Operations" array of a PATCH body (RFC 7644 §3.5.2), keys in any
// case. 400 invalidSyntax unless it is an array of objects whose "op" and
// "path" are strings; a missing "op" is left for ApplyPatch to refuse.
absl::StatusOr<std::vector<PatchOp>> ParsePatchOperations(const Json& operations);

// 400 tooMany naming the limit when a PATCH holds more than
// kMaxPatchOperations operations (the edge checks before it forwards them,
// the store again before it applies them).
absl::Status CheckPatchOperationCount(size_t operations);

// Applies `ops` to `resource`. Errors are INVALID_ARGUMENT with scimType
// invalidSyntax (unknown op), invalidPath, invalidFilter, invalidValue,
// noTarget or mutability, and a detail naming the operation.
absl::Status ApplyPatch(const ResourceTypeSchema& type,
                        const std::vector<PatchOp>& ops,
                        google::protobuf::Message* resource,
                        const PatchOptions& options = {});

}  // namespace scim

#endif  // SCIM_SCIM_PATCH_H_
