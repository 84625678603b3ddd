// The schema registry: RFC 7643 schemas as data (scim/core_schemas.inc), one
// source of truth for validation, projection, filtering, sorting and the
// /Schemas and /ResourceTypes endpoints.
#ifndef SCIM_SCIM_SCHEMA_H_
#define SCIM_SCIM_SCHEMA_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"
#include "scim/json_codec.h"

namespace scim {

enum class AttributeType {
  kString, kBoolean, kDecimal, kInteger, kDateTime, kReference, kBinary,
  kComplex
};
enum class Mutability { kReadOnly, kReadWrite, kImmutable, kWriteOnly };
enum class Returned { kAlways, kNever, kDefault, kRequest };

// RFC 7643 §7 attribute characteristics.
struct AttributeSchema {
  std::string name;
  AttributeType type = AttributeType::kString;
  bool multi_valued = false;
  bool required = false;
  bool case_exact = false;
  Mutability mutability = Mutability::kReadWrite;
  Returned returned = Returned::kDefault;
  std::string uniqueness = "none";
  std::vector<std::string> canonical_values;
  std::vector<std::string> reference_types;
  std::vector<AttributeSchema> sub_attributes;
  // Ours, not RFC 7643 (a tenant's extension schemas may set it): the
  // attribute gets an index the query planner uses.
  bool indexed = false;

  // Case-insensitive (RFC 7643 §2.1).
  const AttributeSchema* FindSub(absl::string_view sub_name) const;
};

struct Schema {
  std::string id;  // URN
  std::string name;
  std::string description;
  std::vector<AttributeSchema> attributes;
  Json json;  // the representation served by /Schemas (without meta)

  const AttributeSchema* Find(absl::string_view attribute) const;
};

struct SchemaExtension {
  std::string schema;  // URN
  bool required = false;
};

class SchemaRegistry;

struct ResourceTypeSchema {
  std::string name;      // "User"
  std::string endpoint;  // "Users"
  std::string description;
  std::string schema;    // core schema URN
  std::vector<SchemaExtension> extensions;
  const google::protobuf::Descriptor* descriptor = nullptr;
  // The registry this type belongs to: whatever the engine does with a
  // resource of this type, it reads the schemas from there.
  const SchemaRegistry* registry = nullptr;
  // An empty message of `descriptor` (New() it): the generated one, or, for
  // a tenant's type with extension schemas, one built from them.
  const google::protobuf::Message* prototype = nullptr;
};

// A tenant's own extension schema of one resource type, with the protobuf
// field numbers its values are kept under. Numbers are assigned once, when
// an attribute (or schema) first appears, and never reused, so that stored
// values keep their meaning as the schema evolves.
struct ExtensionSchema {
  Schema schema;
  std::string resource_type;  // "User" or "Group"
  bool required = false;      // resources must carry it
  // The schema's field in the resource message (>= kFirstExtensionField).
  int field_number = 0;
  // Attribute name, lower-cased ("costcenter"; a sub-attribute
  // "assignments.level") -> its field number in the schema's message.
  std::vector<std::pair<std::string, int>> field_numbers;
};

// Extension fields of a tenant's resource messages start here: far above
// the core messages' own numbers (so core fields never collide), below the
// protobuf reserved range.
inline constexpr int kFirstExtensionField = 10000;

class SchemaRegistry {
 public:
  // The RFC 7643 User, Enterprise User and Group schemas with the common
  // attributes (id, externalId, meta) of RFC 7643 §3.1. Each caller gets its
  // own: a registry is passed to what uses it, never found through a global.
  static std::unique_ptr<const SchemaRegistry> Core();
  // Core() plus a tenant's extension schemas: each becomes a schema of its
  // resource type, and a message field (json name: its URN) of a resource
  // message built for the tenant, so that filter, sort, PATCH, projection,
  // validation and the JSON codec treat custom attributes like core ones.
  // The messages stay wire-compatible with v1.User / v1.Group: a v1 message
  // carries the custom values as unknown fields across gRPC.
  static absl::StatusOr<std::unique_ptr<const SchemaRegistry>> WithExtensions(
      std::vector<ExtensionSchema> extensions);

  // Its resource types point back at it.
  SchemaRegistry(const SchemaRegistry&) = delete;
  SchemaRegistry& operator=(const SchemaRegistry&) = delete;

  const std::vector<Schema>& schemas() const { return schemas_; }
  const std::vector<ResourceTypeSchema>& resource_types() const {
    return resource_types_;
  }
  // Case-insensitive.
  const Schema* FindSchema(absl::string_view urn) const;
  const ResourceTypeSchema* FindResourceType(absl::string_view name) const;
  // id, externalId, meta: part of every resource type.
  const std::vector<AttributeSchema>& common_attributes() const {
    return common_;
  }
  const AttributeSchema* FindCommon(absl::string_view name) const;

 private:
  SchemaRegistry();
  // Builds the tenant messages and types of WithExtensions.
  absl::Status AddExtensions(std::vector<ExtensionSchema> extensions);
  // Declared first: the types and prototypes below point into them.
  std::unique_ptr<google::protobuf::DescriptorPool> pool_;
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory_;
  std::vector<Schema> schemas_;
  std::vector<AttributeSchema> common_;
  std::vector<ResourceTypeSchema> resource_types_;
};

// RFC 7643 §7 characteristic values; an unknown one reads as the default
// (callers that must refuse it check the text first).
Mutability MutabilityOf(const std::string& s);
Returned ReturnedOf(const std::string& s);

// Parses a schema's "attributes" JSON array (used for the registry's data).
std::vector<AttributeSchema> ParseAttributes(const Json& attributes);

}  // namespace scim

#endif  // SCIM_SCIM_SCHEMA_H_
