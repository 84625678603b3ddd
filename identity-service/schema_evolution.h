// Safe evolution of a tenant's extension schema: what a new version of a
// stored schema changes (attributes added, removed = hidden, changed), the
// field numbers it assigns, and which changes stored resources must not
// contradict, with the count of those that do.
//
// The rules:
// - adding an attribute is always allowed (unless it is required and
//   resources carrying the extension lack it: see below);
// - removing one hides it: its last declaration is kept in
//   hidden_attributes and its stored values stay (until a purge); putting it
//   back with the same type un-hides it, with its field number;
// - changing an attribute's (or a sub-attribute's) type, making it
//   single-valued, or making it required is refused (FAILED_PRECONDITION,
//   invalidValue) while stored resources contradict the new declaration; the
//   detail says how many;
// - making an attribute unique ("uniqueness" other than "none"), or putting
//   a hidden one back unique, is refused while any stored resource has a
//   value for it (those values have no unique keys);
// - single- to multi-valued is widening and always allowed (a stored single
//   value reads as a list of one);
// - the resource type a schema extends never changes (FAILED_PRECONDITION,
//   mutability).
//
// A resource contradicts a declaration when a value under the extension does
// not have its type or plurality, or when the resource carries the extension
// (a non-empty Struct under its URN) without a value for a required attribute
// (or a complex value lacks a required sub-attribute). An extension is never
// required of a resource as a whole: resources without it are valid.
#ifndef SCIM_IDENTITY_SERVICE_SCHEMA_EVOLUTION_H_
#define SCIM_IDENTITY_SERVICE_SCHEMA_EVOLUTION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"
#include "scim/extension_schema.h"
#include "scim/v1/schemas.pb.h"
#include "storage/kv_store.h"

namespace scim::identity {

// Stored resources an evolution check reads at most, per Put: about a
// microsecond each, so seconds for the largest tenants, which is acceptable
// for an admin operation. Past it the count is reported as "at least N".
inline constexpr int64_t kMaxEvolutionScan = 5000000;
// Field numbers a schema may have assigned over its life (retired ones
// included); a bound on the record, reached only by changing types over and
// over.
inline constexpr int kMaxSchemaFields = 20000;

// One attribute the stored data must agree with.
struct DataCheck {
  std::string attribute;  // as the new document declares it
  AttributeSchema declaration;
  // Why it is checked, for the detail: "type string -> integer", "now
  // required", ...
  std::string reason;
  // Any stored value contradicts it: the attribute became unique, and the
  // unique keys of values stored before do not exist.
  bool any_value = false;
};

struct EvolutionPlan {
  // The record to store: document, resource type, hidden attributes and
  // field numbers updated (the caller sets version, times, tenant).
  v1::StoredSchema record;
  std::vector<DataCheck> checks;
  // Names of attributes added, changed or removed (for the audit event).
  std::vector<std::string> changed_attributes;
  // The document is the one stored, and the schema is not deleted.
  bool unchanged = false;
};

// The plan for putting `next` where `prior` is stored (nullptr: none).
// FAILED_PRECONDITION when the resource type would change or the field
// numbers run out.
absl::StatusOr<EvolutionPlan> PlanEvolution(const v1::StoredSchema* prior,
                                            const ExtensionSchema& next);

// Whether `value` (a stored value of an attribute) contradicts `declaration`.
bool Contradicts(const google::protobuf::Value& value, const AttributeSchema& declaration);

// Whether a resource's values under the extension (`extension`: nullptr when
// it has none) contradict `check`.
bool ResourceContradicts(const google::protobuf::Struct* extension, const DataCheck& check);

// Per check, how many of `tenant`'s resources of `resource_type` contradict
// it, scanning at most `max_scan` of them (`*complete` false when it stopped
// there).
// `current` is the resource type as the tenant's stored schemas declare it
// now (its message holds the values under their field numbers); without
// it, or for a schema it lacks, values are read from the `extensions` map.
absl::StatusOr<std::vector<int64_t>> CountContradictions(
    KvStore& kv, absl::string_view tenant, absl::string_view resource_type,
    absl::string_view urn, const std::vector<DataCheck>& checks, int64_t max_scan,
    bool* complete, const ResourceTypeSchema* current = nullptr);

// OK when every count is zero; otherwise FAILED_PRECONDITION (invalidValue)
// naming each refused change and its count.
absl::Status RefuseContradicted(absl::string_view resource_type,
                                const std::vector<DataCheck>& checks,
                                const std::vector<int64_t>& counts, bool complete);

// The field of `attribute` (and of its sub-attribute `sub`, when not empty)
// in `record`, or nullptr; case-insensitive, retired numbers left out.
const v1::SchemaAttributeField* FindField(const v1::StoredSchema& record,
                                          absl::string_view attribute,
                                          absl::string_view sub = "");

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_SCHEMA_EVOLUTION_H_
