#include "identity-service/write_only.h"

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "scim/attribute_resolver.h"

namespace scim::identity {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

void AddFrom(const ResourceTypeSchema& type, const std::vector<AttributeSchema>& attributes,
             const std::string& prefix, std::vector<WriteOnlyPath>* out) {
  for (const AttributeSchema& a : attributes) {
    if (a.mutability != Mutability::kWriteOnly || a.multi_valued ||
        a.type != AttributeType::kString) {
      continue;
    }
    absl::StatusOr<ResolvedAttribute> resolved =
        ResolvePathText(type, absl::StrCat(prefix, a.name), scim_type::kInvalidPath);
    if (resolved.ok() && !resolved->fields.empty() &&
        resolved->fields.back()->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      out->push_back(resolved->fields);
    }
  }
}

// The message holding the path's leaf, or null when it is not there.
const Message* Holder(const Message& m, const WriteOnlyPath& path) {
  const Message* at = &m;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    if (!at->GetReflection()->HasField(*at, path[i])) return nullptr;
    at = &at->GetReflection()->GetMessage(*at, path[i]);
  }
  return at;
}

}  // namespace

std::vector<WriteOnlyPath> WriteOnlyPaths(const ResourceTypeSchema& type) {
  std::vector<WriteOnlyPath> paths;
  if (const Schema* core = type.registry->FindSchema(type.schema)) {
    AddFrom(type, core->attributes, "", &paths);
  }
  for (const SchemaExtension& extension : type.extensions) {
    if (const Schema* schema = type.registry->FindSchema(extension.schema)) {
      AddFrom(type, schema->attributes, absl::StrCat(extension.schema, ":"), &paths);
    }
  }
  return paths;
}

bool HasAt(const Message& m, const WriteOnlyPath& path) {
  const Message* holder = Holder(m, path);
  return holder != nullptr && holder->GetReflection()->HasField(*holder, path.back());
}

std::string GetAt(const Message& m, const WriteOnlyPath& path) {
  const Message* holder = Holder(m, path);
  return holder == nullptr ? std::string()
                           : holder->GetReflection()->GetString(*holder, path.back());
}

void SetAt(Message* m, const WriteOnlyPath& path, const std::string& value) {
  Message* at = m;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    at = at->GetReflection()->MutableMessage(at, path[i]);
  }
  at->GetReflection()->SetString(at, path.back(), value);
}

void ClearAt(Message* m, const WriteOnlyPath& path) {
  if (Holder(*m, path) == nullptr) return;
  Message* at = m;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    at = at->GetReflection()->MutableMessage(at, path[i]);
  }
  at->GetReflection()->ClearField(at, path.back());
}

}  // namespace scim::identity
