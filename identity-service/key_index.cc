// Unique and index entries of a resource, written in its transaction.
#include "identity-service/key_index.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "identity-service/index_encoding.h"
#include "identity-service/keys.h"
#include "scim/attribute_resolver.h"

namespace scim::identity {
namespace {

std::string Normalize(absl::string_view value, bool case_exact) {
  return case_exact ? std::string(value) : absl::AsciiStrToLower(value);
}

}  // namespace

absl::Status WriteKeys(const ResourceType& type, const ResourceTypeSchema& schema,
                       absl::string_view tenant,
                       absl::string_view id,
                       const google::protobuf::Message* old_resource,
                       const google::protobuf::Message* new_resource,
                       KvTransaction& txn) {
  // Unique keys: check the new value under its lock, then move the key.
  for (const auto& path : type.unique) {
    std::vector<std::string> old_values, new_values;
    if (old_resource != nullptr) {
      ASSIGN_OR_RETURN(old_values, StringValuesAt(schema, *old_resource, path));
    }
    if (new_resource != nullptr) {
      ASSIGN_OR_RETURN(new_values, StringValuesAt(schema, *new_resource, path));
    }
    for (const auto& value : new_values) {
      std::string key = ValueKey(tenant, type.name, path, Normalize(value, false));
      ASSIGN_OR_RETURN(std::optional<std::string> owner,
                       txn.GetForUpdate(kUniqueCf, key));
      if (owner.has_value() && *owner != id) {
        return Uniqueness(absl::StrCat(path, " \"", value,
                                       "\" is already in use"));
      }
      RETURN_IF_ERROR(txn.Put(kUniqueCf, key, id));
    }
    for (const auto& value : old_values) {
      std::string normalized = Normalize(value, false);
      bool kept = std::any_of(new_values.begin(), new_values.end(),
                              [&](auto& v) { return Normalize(v, false) == normalized; });
      if (!kept) {
        RETURN_IF_ERROR(txn.Delete(
            kUniqueCf, ValueKey(tenant, type.name, path, normalized)));
      }
    }
  }
  // Index entries, in their key form (index_encoding.h): the old ones go,
  // the new ones come (meta.lastModified moves on every write).
  for (const auto& attr : type.indexed) {
    if (old_resource != nullptr) {
      ASSIGN_OR_RETURN(std::vector<std::string> values,
                       IndexValuesAt(schema, *old_resource, attr));
      for (const auto& v : values) {
        RETURN_IF_ERROR(
            txn.Delete(kIndexCf, IndexKey(tenant, type.name, attr.path, v, id)));
      }
    }
    if (new_resource != nullptr) {
      ASSIGN_OR_RETURN(std::vector<std::string> values,
                       IndexValuesAt(schema, *new_resource, attr));
      for (const auto& v : values) {
        RETURN_IF_ERROR(
            txn.Put(kIndexCf, IndexKey(tenant, type.name, attr.path, v, id), ""));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace scim::identity
