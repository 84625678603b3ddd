#include "scim/attribute_values.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "google/protobuf/descriptor.h"
#include "scim/json_codec.h"

namespace scim {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

void Collect(const Message& message, const std::vector<std::string>& parts,
             size_t depth, std::vector<std::string>* out) {
  const FieldDescriptor* field =
      FindFieldByScimName(message.GetDescriptor(), parts[depth]);
  const auto* r = message.GetReflection();
  const bool last = depth + 1 == parts.size();
  if (field->is_repeated()) {
    for (int i = 0; i < r->FieldSize(message, field); ++i) {
      if (last) {
        out->push_back(r->GetRepeatedString(message, field, i));
      } else {
        Collect(r->GetRepeatedMessage(message, field, i), parts, depth + 1,
                out);
      }
    }
    return;
  }
  if (!r->HasField(message, field)) return;
  if (last) {
    out->push_back(r->GetString(message, field));
  } else {
    Collect(r->GetMessage(message, field), parts, depth + 1, out);
  }
}

}  // namespace

bool IsStringPath(const google::protobuf::Descriptor* descriptor,
                  absl::string_view path) {
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    if (descriptor == nullptr) return false;
    const FieldDescriptor* field = FindFieldByScimName(descriptor, parts[i]);
    if (field == nullptr || field->is_map()) return false;
    if (i + 1 == parts.size()) {
      return field->cpp_type() == FieldDescriptor::CPPTYPE_STRING;
    }
    descriptor = field->message_type();
  }
  return false;
}

absl::StatusOr<std::vector<std::string>> StringValuesAt(
    const Message& resource, absl::string_view path) {
  if (!IsStringPath(resource.GetDescriptor(), path)) {
    return ScimError(absl::StatusCode::kInvalidArgument,
                     scim_type::kInvalidPath,
                     absl::StrCat("'", path, "' is not a string attribute of ",
                                  resource.GetDescriptor()->name()));
  }
  std::vector<std::string> parts = absl::StrSplit(path, '.');
  std::vector<std::string> out;
  Collect(resource, parts, 0, &out);
  return out;
}

}  // namespace scim
