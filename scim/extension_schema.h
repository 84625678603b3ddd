// A tenant's extension schema document: RFC 7643 §7 schema JSON
// ({"id", "name", "description", "attributes"}) plus two fields of ours,
// "resourceType" ("User" or "Group": what it extends, required) and, per
// attribute, "indexed". Parsed and validated strictly: anything not listed
// here is refused, with an INVALID_ARGUMENT detail that names the attribute
// and the rule.
#ifndef SCIM_SCIM_EXTENSION_SCHEMA_H_
#define SCIM_SCIM_EXTENSION_SCHEMA_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scim/json_codec.h"
#include "scim/schema.h"

namespace scim {

// RFC 7643 §7: the schema of schema documents ("schemas" of /Schemas entries).
inline constexpr char kSchemaSchemaUrn[] = "urn:ietf:params:scim:schemas:core:2.0:Schema";

// Bounds of one document. They bound the work of every later walk over a
// tenant's schemas (registry, validation, evolution checks).
inline constexpr size_t kMaxSchemaDocumentBytes = 64 * 1024;
inline constexpr size_t kMaxSchemaUrnLength = 256;
inline constexpr size_t kMaxSchemaAttributes = 100;
inline constexpr size_t kMaxSchemaSubAttributes = 50;
inline constexpr size_t kMaxAttributeNameLength = 128;
inline constexpr size_t kMaxCanonicalValues = 256;
inline constexpr size_t kMaxReferenceTypes = 16;
// name, canonical values, reference types: each at most this long.
inline constexpr size_t kMaxSchemaShortText = 256;
// descriptions.
inline constexpr size_t kMaxSchemaDescription = 4096;

// ExtensionSchema (scim/schema.h): what a document parses into. The parser
// fills `schema` (its `json` is the canonical document: {"id", "name",
// "description", "resourceType", "attributes"} with every attribute
// characteristic present, RFC 7643 §2.2 defaults filled in, in RFC order)
// and `resource_type`; field numbers come from the tenant's stored record.

// Parses and validates a document. INVALID_ARGUMENT: scimType invalidSyntax
// for text that is not JSON, tooLarge beyond kMaxSchemaDocumentBytes,
// invalidValue for every other rule. Also accepted (and dropped), so that a
// document served by GetSchema or /Schemas can be put back as it is:
// "schemas" (which must be [kSchemaSchemaUrn]) and "meta".
absl::StatusOr<ExtensionSchema> ParseExtensionSchema(absl::string_view json_text);
// The same over a parsed document.
absl::StatusOr<ExtensionSchema> ExtensionSchemaFromJson(const Json& document);

// Whether `urn` may name a tenant's schema: "urn:" then a namespace and its
// parts (letters, digits and - . _ : ~ ! $ & ' ( ) * + , ; = @), no empty
// part, at most kMaxSchemaUrnLength; never a core or enterprise URN nor
// anything under urn:ietf:params:scim:schemas:core: or :api:.
absl::Status ValidateExtensionUrn(absl::string_view urn);

// "string", "boolean", ..., "complex" (RFC 7643 §2.3).
const char* AttributeTypeName(AttributeType type);

// One attribute's declaration as the canonical document holds it, from that
// document's "attributes" (nullptr when absent; case-insensitive).
const Json* FindAttributeJson(const Json& canonical_document, absl::string_view name);

}  // namespace scim

#endif  // SCIM_SCIM_EXTENSION_SCHEMA_H_
