#include "identity-service/schema_keys.h"

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
  if (a.uniqueness != "none" && !a.uniqueness.empty() && Keyable(a)) {
    out->unique.push_back(path);
  }
  if (a.indexed && Indexable(a)) out->indexed.push_back({path, a.case_exact});
}

}  // namespace

ResourceType WithSchemaKeys(const ResourceType& base, const ResourceTypeSchema& schema) {
  ResourceType out = base;
  for (const SchemaExtension& extension : schema.extensions) {
    const Schema* s = schema.registry->FindSchema(extension.schema);
    if (s == nullptr) continue;
    for (const AttributeSchema& a : s->attributes) {
      const std::string path = absl::StrCat(s->id, ":", a.name);
      // The enterprise extension is core: its keys are the base type's.
      if (!IsCustomPath(path)) continue;
      Add(a, path, &out);
      for (const AttributeSchema& sub : a.sub_attributes) {
        Add(sub, absl::StrCat(path, ".", sub.name), &out);
      }
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
