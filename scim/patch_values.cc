#include "scim/patch_values.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "common/status.h"
#include "scim/attribute_resolver.h"

namespace scim {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status SetFromJson(Message* parent, const FieldDescriptor* field,
                         const Json& value, const DecodeOptions& decode) {
  const Reflection* r = parent->GetReflection();
  if (value.is_null()) {
    r->ClearField(parent, field);
    return absl::OkStatus();
  }
  std::unique_ptr<Message> temp(parent->New());
  Json wrapper = Json::object();
  wrapper[field->json_name()] = value;
  RETURN_IF_ERROR(DecodeResource(wrapper, temp.get(), decode));
  r->ClearField(parent, field);
  r->SwapFields(temp.get(), parent, {field});
  return absl::OkStatus();
}

absl::Status MergeFromJson(Message* target, const Json& value,
                           const DecodeOptions& decode) {
  std::unique_ptr<Message> temp(target->New());
  RETURN_IF_ERROR(DecodeResource(value, temp.get(), decode));
  const Reflection* r = target->GetReflection();
  for (const auto& [key, v] : value.items()) {
    const FieldDescriptor* f =
        FindFieldByScimName(target->GetDescriptor(), key);
    if (f == nullptr) continue;
    if (v.is_null() || f->is_repeated()) r->ClearField(target, f);
  }
  target->MergeFrom(*temp);
  return absl::OkStatus();
}

Json ComplexValue(const FieldDescriptor* field, const Json& value) {
  if ((value.is_string() || value.is_number() || value.is_boolean()) &&
      field->message_type() != nullptr &&
      FindFieldByScimName(field->message_type(), "value") != nullptr) {
    return Json{{"value", value}};
  }
  return value;
}

bool SeedFromFilter(const FilterNode& node, Json* seed) {
  if (node.kind == FilterNode::Kind::kAnd) {
    for (const auto& child : node.children) {
      if (!SeedFromFilter(*child, seed)) return false;
    }
    return true;
  }
  if (node.kind == FilterNode::Kind::kCompare && node.op == CompareOp::kEq &&
      !node.value.is_null() && node.path.sub_attribute.empty()) {
    (*seed)[node.path.attribute] = node.value;
    return true;
  }
  return false;
}

bool CollectEqValues(const BoundFilter& node, std::vector<std::string>* out) {
  if (node.kind == FilterNode::Kind::kOr) {
    return CollectEqValues(node.children[0], out) &&
           CollectEqValues(node.children[1], out);
  }
  if (node.kind != FilterNode::Kind::kCompare || node.op != CompareOp::kEq ||
      node.is_null || node.attribute.sub != nullptr ||
      node.attribute.attribute == nullptr ||
      !absl::EqualsIgnoreCase(node.attribute.attribute->name, "value") ||
      node.value.kind != Scalar::Kind::kString) {
    return false;
  }
  out->push_back(node.value.s);
  return true;
}

std::string ValueKey(const Message& element) {
  const FieldDescriptor* f = FindFieldByScimName(element.GetDescriptor(), "value");
  const Reflection* r = element.GetReflection();
  if (f != nullptr && !f->is_repeated() &&
      f->cpp_type() == FieldDescriptor::CPPTYPE_STRING && r->HasField(element, f)) {
    return absl::StrCat("v", r->GetString(element, f));
  }
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    element.SerializeToCodedStream(&out);
  }
  return absl::StrCat("w", bytes);
}

void PruneEmpty(Message* resource,
                const std::vector<const FieldDescriptor*>& fields,
                size_t depth) {
  if (depth + 1 >= fields.size()) return;
  const FieldDescriptor* f = fields[depth];
  const Reflection* r = resource->GetReflection();
  if (f->is_repeated() || f->message_type() == nullptr ||
      !r->HasField(*resource, f)) {
    return;
  }
  Message* child = r->MutableMessage(resource, f);
  PruneEmpty(child, fields, depth + 1);
  if (child->ByteSizeLong() == 0) r->ClearField(resource, f);
}

}  // namespace scim
