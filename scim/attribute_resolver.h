// The one attribute-path resolver: maps a SCIM path (case-insensitive, with or
// without schema URN, with sub-attributes) to its schema characteristics and
// the protobuf fields that hold it. Filter, sort, PATCH and projection all
// resolve through here.
#ifndef SCIM_SCIM_ATTRIBUTE_RESOLVER_H_
#define SCIM_SCIM_ATTRIBUTE_RESOLVER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "scim/filter.h"
#include "scim/schema.h"

namespace scim {

struct ResolvedAttribute {
  // From the resource down to the leaf, e.g. {enterprise_user, manager,
  // value} or {emails, value}. Empty only for a whole extension.
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  const AttributeSchema* attribute = nullptr;  // the top-level attribute
  const AttributeSchema* sub = nullptr;        // the sub-attribute, if any
  // Set when the path names a whole extension schema (its container field).
  const google::protobuf::FieldDescriptor* extension = nullptr;
  std::string canonical;  // "emails.value", "urn:…:User:department"

  const AttributeSchema& leaf() const { return sub != nullptr ? *sub : *attribute; }
  bool multi_valued() const;
};

// The scope a path is resolved in: a resource type, or the sub-attributes of
// a multi-valued complex attribute (inside a value filter `emails[...]`).
struct ResolveScope {
  const ResourceTypeSchema* resource_type = nullptr;
  const AttributeSchema* parent = nullptr;
  const google::protobuf::Descriptor* parent_descriptor = nullptr;
};

// Resolves `path` (its value filter is ignored here); INVALID_ARGUMENT with
// `scim_type` when no schema of the resource type declares it.
absl::StatusOr<ResolvedAttribute> ResolvePath(const ResolveScope& scope,
                                              const AttributePath& path,
                                              const char* scim_type);

// Convenience: parse and resolve a plain path such as "name.givenName".
absl::StatusOr<ResolvedAttribute> ResolvePathText(
    const ResourceTypeSchema& type, absl::string_view text,
    const char* scim_type);

// One leaf value found at a resolved path.
struct LeafValue {
  const google::protobuf::Message* owner;  // message holding the leaf field
  const google::protobuf::FieldDescriptor* field;
  int index;  // element index when `field` is repeated, else -1
};

// A leaf's value, read by its protobuf type (dateTime as nanoseconds).
struct Scalar {
  enum class Kind { kString, kBool, kInt, kDouble, kTime, kMessage };
  Kind kind = Kind::kString;
  std::string s;
  bool b = false;
  int64_t i = 0;  // integers and times
  double d = 0;
};
Scalar ReadScalar(const LeafValue& leaf);

// A dateTime as Scalar::i: nanoseconds since the epoch, saturated where int64
// ends (before 1677-09-21 and after 2262-04-11 times compare as the ends of
// time) rather than overflowing for the years 0001-9999 a Timestamp holds.
int64_t TimeNanos(int64_t seconds, int32_t nanos);

// Every value at `resolved` in `message` (all elements of multi-valued
// attributes, only set singular fields).
std::vector<LeafValue> ValuesAt(const google::protobuf::Message& message,
                                const ResolvedAttribute& resolved);

// The string values at `path` (all elements of multi-valued attributes);
// INVALID_ARGUMENT invalidPath unless the path names a string attribute.
// Used for unique and index keys.
absl::StatusOr<std::vector<std::string>> StringValuesAt(
    const ResourceTypeSchema& type, const google::protobuf::Message& resource,
    absl::string_view path);

}  // namespace scim

#endif  // SCIM_SCIM_ATTRIBUTE_RESOLVER_H_
