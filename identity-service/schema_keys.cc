#include "identity-service/schema_keys.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace scim::identity {
namespace {

// Index entries exist for strings, references and instants (index_encoding.h).
bool Indexable(const AttributeSchema& a) {
  return a.type == AttributeType::kString || a.type == AttributeType::kReference ||
         a.type == AttributeType::kDateTime;
}

// Unique keys hold folded strings.
bool Keyable(const AttributeSchema& a) {
  return a.type == AttributeType::kString || a.type == AttributeType::kReference;
}

void Add(const AttributeSchema& a, const std::string& path, ResourceType* out) {
  if (a.uniqueness != "none" && !a.uniqueness.empty() && Keyable(a) &&
      std::find(out->unique.begin(), out->unique.end(), path) == out->unique.end()) {
    out->unique.push_back(path);
  }
  // Which core attributes have indexes is the store's choice (what IdPs
  // filter on: resource_types.cc); a tenant declares its own.
  if (a.indexed && Indexable(a) && IsCustomPath(path)) out->indexed.push_back({path, a.case_exact});
}

// `schema`'s attributes, and their sub-attributes, under `prefix`.
void AddAll(const Schema& schema, const std::string& prefix, ResourceType* out) {
  for (const AttributeSchema& a : schema.attributes) {
    const std::string path = absl::StrCat(prefix, a.name);
    Add(a, path, out);
    for (const AttributeSchema& sub : a.sub_attributes) {
      Add(sub, absl::StrCat(path, ".", sub.name), out);
    }
  }
}

}  // namespace

ResourceType WithSchemaKeys(const ResourceType& base, const ResourceTypeSchema& schema) {
  ResourceType out = base;
  if (const Schema* core = schema.registry->FindSchema(schema.schema)) AddAll(*core, "", &out);
  for (const SchemaExtension& extension : schema.extensions) {
    if (const Schema* s = schema.registry->FindSchema(extension.schema)) {
      AddAll(*s, absl::StrCat(s->id, ":"), &out);
    }
  }
  return out;
}

bool IsCustomPath(absl::string_view path) {
  return absl::StartsWithIgnoreCase(path, "urn:") &&
         !absl::StartsWithIgnoreCase(
             path, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:");
}

std::string TenantIndexReadyKey(absl::string_view tenant, absl::string_view type,
                                absl::string_view path) {
  return absl::StrCat(tenant, kTenantIndexReadyInfix, type, "/", path);
}

}  // namespace scim::identity
