#include "scim/extension_fields.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "scim/schema.h"

namespace scim {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// A schema's field: a singular message field named by a URN.
const FieldDescriptor* SchemaField(const Descriptor* d, absl::string_view urn) {
  const FieldDescriptor* f = FindFieldByScimName(d, urn);
  if (f == nullptr || f->is_repeated() ||
      f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
      !absl::StartsWithIgnoreCase(f->json_name(), "urn:")) {
    return nullptr;
  }
  return f;
}

Json StructJson(const google::protobuf::Struct& s) {
  google::protobuf::Value v;
  *v.mutable_struct_value() = s;
  return JsonFromValue(v);
}

// Copies `in` into `out` across wire-compatible types.
void CopyAcross(const Message& in, Message* out) {
  if (&in == out) return;
  if (in.GetDescriptor() == out->GetDescriptor()) {
    out->CopyFrom(in);
  } else {
    out->ParsePartialFromString(in.SerializePartialAsString());
  }
}

}  // namespace

absl::Status ToSchemaMessage(const Message& in, Message* out, const DecodeOptions& options) {
  CopyAcross(in, out);
  const FieldDescriptor* map = ExtensionMapField(out->GetDescriptor());
  const Reflection* r = out->GetReflection();
  if (map == nullptr || r->FieldSize(*out, map) == 0) return absl::OkStatus();
  std::vector<std::pair<std::string, google::protobuf::Struct>> entries;
  for (int i = 0; i < r->FieldSize(*out, map); ++i) {
    const Message& e = r->GetRepeatedMessage(*out, map, i);
    const Descriptor* ed = e.GetDescriptor();
    entries.emplace_back(
        e.GetReflection()->GetString(e, ed->map_key()),
        static_cast<const google::protobuf::Struct&>(
            e.GetReflection()->GetMessage(e, ed->map_value())));
  }
  r->ClearField(out, map);
  for (const auto& [key, value] : entries) {
    std::string urn = key;
    Json object = StructJson(value);
    const FieldDescriptor* field = SchemaField(out->GetDescriptor(), key);
    if (field == nullptr) {
      // "urn:...:User:manager": {...} names attribute `manager` of the schema.
      const size_t colon = key.rfind(':');
      if (colon != std::string::npos) {
        field = SchemaField(out->GetDescriptor(), absl::string_view(key).substr(0, colon));
        if (field != nullptr) {
          urn = key.substr(0, colon);
          object = Json::object({{key.substr(colon + 1), std::move(object)}});
        }
      }
    }
    if (field == nullptr) {
      if (options.reject_unknown_attributes) {
        return InvalidSyntax(absl::StrCat("unknown schema extension '", key, "'"));
      }
      continue;
    }
    RETURN_IF_ERROR(DecodeInto(object, r->MutableMessage(out, field), urn, options));
  }
  return absl::OkStatus();
}

void FromSchemaMessage(const Message& in, Message* out) {
  std::vector<const FieldDescriptor*> typed;
  const Reflection* r = in.GetReflection();
  std::vector<const FieldDescriptor*> set;
  r->ListFields(in, &set);
  for (const FieldDescriptor* f : set) {
    if (f->number() >= kFirstExtensionField) typed.push_back(f);
  }
  if (typed.empty()) {
    CopyAcross(in, out);
    return;
  }
  // Work on a copy of `in` when `out` is another message, so `in` is kept.
  std::unique_ptr<Message> copy;
  Message* work = const_cast<Message*>(&in);
  if (&in != out) {
    copy.reset(in.New());
    copy->CopyFrom(in);
    work = copy.get();
  }
  const FieldDescriptor* map = ExtensionMapField(work->GetDescriptor());
  for (const FieldDescriptor* f : typed) {
    // An extension left empty (its write-only values cleared) is not shown.
    if (map != nullptr && r->GetMessage(*work, f).ByteSizeLong() > 0) {
      google::protobuf::Value v;
      JsonToValue(EncodeResource(r->GetMessage(*work, f)), &v);
      Message* entry = r->AddMessage(work, map);
      const Descriptor* ed = entry->GetDescriptor();
      entry->GetReflection()->SetString(entry, ed->map_key(), f->json_name());
      entry->GetReflection()
          ->MutableMessage(entry, ed->map_value())
          ->CopyFrom(v.struct_value());
    }
    r->ClearField(work, f);
  }
  CopyAcross(*work, out);
}

}  // namespace scim
