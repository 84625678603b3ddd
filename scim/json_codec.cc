#include "scim/json_codec.h"

#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace scim {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using json = Json;

const char* JsonTypeName(const json& value) { return value.type_name(); }

absl::Status TypeError(const std::string& path, const char* expected,
                       const json& value) {
  return InvalidValue(absl::StrCat("attribute '", path, "' must be ", expected,
                                   ", got ", JsonTypeName(value)));
}

absl::Status DecodeMessage(const json& object, Message* message,
                           const std::string& path,
                           const DecodeOptions& options);

// Decodes one JSON value into a singular field, or appends it to a repeated
// one.
absl::Status DecodeValue(const json& value, const FieldDescriptor* field,
                         Message* message, const std::string& path,
                         const DecodeOptions& options) {
  const Reflection* r = message->GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      if (!value.is_string()) return TypeError(path, "a string", value);
      const std::string& s = value.get_ref<const std::string&>();
      repeated ? r->AddString(message, field, s)
               : r->SetString(message, field, s);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool b;
      if (value.is_boolean()) {
        b = value.get<bool>();
      } else if (value.is_string() &&
                 absl::EqualsIgnoreCase(value.get_ref<const std::string&>(),
                                        "true")) {
        b = true;  // Entra ID sends "True".
      } else if (value.is_string() &&
                 absl::EqualsIgnoreCase(value.get_ref<const std::string&>(),
                                        "false")) {
        b = false;
      } else {
        return TypeError(path, "a boolean", value);
      }
      repeated ? r->AddBool(message, field, b) : r->SetBool(message, field, b);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64: {
      if (!value.is_number_integer()) return TypeError(path, "an integer", value);
      // A number the field cannot hold is the client's error, not a value
      // silently wrapped (nlohmann keeps integers above INT64_MAX unsigned).
      int64_t n = 0;
      bool fits = true;
      if (value.is_number_unsigned()) {
        const uint64_t u = value.get<uint64_t>();
        fits = u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
               field->cpp_type() == FieldDescriptor::CPPTYPE_UINT64;
        n = static_cast<int64_t>(u);
      } else {
        n = value.get<int64_t>();
      }
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32:
          fits = fits && n >= std::numeric_limits<int32_t>::min() &&
                 n <= std::numeric_limits<int32_t>::max();
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          fits = fits && n >= 0 && n <= std::numeric_limits<uint32_t>::max();
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          fits = fits && (value.is_number_unsigned() || n >= 0);
          break;
        default:
          break;
      }
      if (!fits) {
        return InvalidValue(absl::StrCat("attribute '", path, "' is out of range: ",
                                         value.dump()));
      }
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32:
          repeated ? r->AddInt32(message, field, static_cast<int32_t>(n))
                   : r->SetInt32(message, field, static_cast<int32_t>(n));
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          repeated ? r->AddInt64(message, field, n)
                   : r->SetInt64(message, field, n);
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          repeated ? r->AddUInt32(message, field, static_cast<uint32_t>(n))
                   : r->SetUInt32(message, field, static_cast<uint32_t>(n));
          break;
        default:
          repeated ? r->AddUInt64(message, field, static_cast<uint64_t>(n))
                   : r->SetUInt64(message, field, static_cast<uint64_t>(n));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      if (!value.is_number()) return TypeError(path, "a number", value);
      double d = value.get<double>();
      if (!std::isfinite(d) ||
          (field->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT &&
           std::abs(d) > std::numeric_limits<float>::max())) {
        return InvalidValue(absl::StrCat("attribute '", path, "' is out of range: ",
                                         value.dump()));
      }
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_DOUBLE) {
        repeated ? r->AddDouble(message, field, d)
                 : r->SetDouble(message, field, d);
      } else {
        repeated ? r->AddFloat(message, field, static_cast<float>(d))
                 : r->SetFloat(message, field, static_cast<float>(d));
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* sub = repeated ? r->AddMessage(message, field)
                              : r->MutableMessage(message, field);
      if (IsTimestamp(field->message_type())) {
        google::protobuf::Timestamp ts;
        if (!value.is_string() ||
            !google::protobuf::util::TimeUtil::FromString(
                value.get_ref<const std::string&>(), &ts)) {
          return TypeError(path, "an RFC 3339 dateTime string", value);
        }
        sub->CopyFrom(ts);
        return absl::OkStatus();
      }
      if (!value.is_object()) return TypeError(path, "a complex value", value);
      return DecodeMessage(value, sub, path, options);
    }
    default:
      return InvalidValue(absl::StrCat("attribute '", path,
                                       "' has an unsupported type"));
  }
}

// map[key] gets `value`'s members; a non-object value is Entra's top-level
// "urn:...:User:attr" form, kept as map["urn:...:User"].attr. False when
// the key is neither form (nothing is added).
bool AddToExtensionMap(Message* message, const FieldDescriptor* map,
                       const std::string& key, const json& value) {
  std::string urn = key;
  json members = value;
  if (!value.is_object()) {
    const size_t colon = key.rfind(':');
    urn = key.substr(0, colon);
    const std::string attribute = key.substr(colon + 1);
    if (attribute.empty() || urn.size() <= 4) return false;  // "urn:" itself, or "urn:x:"
    members = json::object({{attribute, value}});
  }
  const Reflection* r = message->GetReflection();
  Message* entry = nullptr;
  for (int i = 0; i < r->FieldSize(*message, map) && entry == nullptr; ++i) {
    Message* e = r->MutableRepeatedMessage(message, map, i);
    if (absl::EqualsIgnoreCase(
            e->GetReflection()->GetString(*e, e->GetDescriptor()->map_key()), urn)) {
      entry = e;
    }
  }
  if (entry == nullptr) {
    entry = r->AddMessage(message, map);
    entry->GetReflection()->SetString(entry, entry->GetDescriptor()->map_key(), urn);
  }
  auto* fields = static_cast<google::protobuf::Struct*>(entry->GetReflection()->MutableMessage(
                     entry, entry->GetDescriptor()->map_value()))
                     ->mutable_fields();
  for (const auto& [name, v] : members.items()) JsonToValue(v, &(*fields)[name]);
  return true;
}

absl::Status DecodeMessage(const json& object, Message* message,
                           const std::string& path,
                           const DecodeOptions& options) {
  const Descriptor* descriptor = message->GetDescriptor();
  for (const auto& [key, value] : object.items()) {
    std::string child = path.empty() ? key : absl::StrCat(path, ".", key);
    const FieldDescriptor* field = FindFieldByScimName(descriptor, key);
    if (field == nullptr && path.empty() && !value.is_null() &&
        absl::StartsWithIgnoreCase(key, "urn:")) {
      // A schema this codec's message does not type (a tenant's extension):
      // carried by URN in the extensions map, typed where the tenant's
      // schemas are known (scim/extension_fields.h).
      const FieldDescriptor* map = ExtensionMapField(descriptor);
      if (map != nullptr && AddToExtensionMap(message, map, key, value)) continue;
    }
    if (field == nullptr || field->is_map()) {
      if (options.reject_unknown_attributes) {
        return InvalidSyntax(
            absl::StrCat("unknown attribute '", child, "'"));
      }
      continue;
    }
    if (value.is_null()) continue;  // RFC 7644 §3.5.2: null = unassigned.
    if (field->is_repeated()) {
      if (!value.is_array()) {
        return TypeError(child, "an array (multi-valued attribute)", value);
      }
      for (size_t i = 0; i < value.size(); ++i) {
        if (value[i].is_null()) continue;
        RETURN_IF_ERROR(DecodeValue(value[i], field, message,
                                    absl::StrCat(child, "[", i, "]"), options));
      }
      continue;
    }
    RETURN_IF_ERROR(DecodeValue(value, field, message, child, options));
  }
  return absl::OkStatus();
}

json EncodeSingle(const Message& message, const FieldDescriptor* field,
                  int index);

json EncodeMessage(const Message& message) {
  if (IsTimestamp(message.GetDescriptor())) {
    return google::protobuf::util::TimeUtil::ToString(
        static_cast<const google::protobuf::Timestamp&>(message));
  }
  json out = json::object();
  const Reflection* r = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->is_map()) {
      // Tenant extension schemas: map<urn, Struct> -> top-level URN keys.
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        std::string urn, struct_json;
        if (ExtensionEntryJson(r->GetRepeatedMessage(message, field, i), &urn, &struct_json)) {
          out[urn] = json::parse(struct_json, nullptr, false);
        }
      }
      continue;
    }
    if (field->is_repeated()) {
      json array = json::array();
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        array.push_back(EncodeSingle(message, field, i));
      }
      out[field->json_name()] = std::move(array);
      continue;
    }
    json value = EncodeSingle(message, field, -1);
    // An empty complex value carries nothing; leave it out.
    if (value.is_object() && value.empty()) continue;
    out[field->json_name()] = std::move(value);
  }
  return out;
}

json EncodeSingle(const Message& message, const FieldDescriptor* field,
                  int index) {
  const Reflection* r = message.GetReflection();
  const bool rep = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return rep ? r->GetRepeatedString(message, field, index)
                 : r->GetString(message, field);
    case FieldDescriptor::CPPTYPE_BOOL:
      return rep ? r->GetRepeatedBool(message, field, index)
                 : r->GetBool(message, field);
    case FieldDescriptor::CPPTYPE_INT32:
      return rep ? r->GetRepeatedInt32(message, field, index)
                 : r->GetInt32(message, field);
    case FieldDescriptor::CPPTYPE_INT64:
      return rep ? r->GetRepeatedInt64(message, field, index)
                 : r->GetInt64(message, field);
    case FieldDescriptor::CPPTYPE_UINT32:
      return rep ? r->GetRepeatedUInt32(message, field, index)
                 : r->GetUInt32(message, field);
    case FieldDescriptor::CPPTYPE_UINT64:
      return rep ? r->GetRepeatedUInt64(message, field, index)
                 : r->GetUInt64(message, field);
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return rep ? r->GetRepeatedDouble(message, field, index)
                 : r->GetDouble(message, field);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return rep ? r->GetRepeatedFloat(message, field, index)
                 : r->GetFloat(message, field);
    case FieldDescriptor::CPPTYPE_ENUM:
      return rep ? r->GetRepeatedEnum(message, field, index)->name()
                 : r->GetEnum(message, field)->name();
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return EncodeMessage(rep ? r->GetRepeatedMessage(message, field, index)
                               : r->GetMessage(message, field));
  }
  return nullptr;
}

}  // namespace

bool IsTimestamp(const Descriptor* d) {
  return d->full_name() == google::protobuf::Timestamp::descriptor()->full_name();
}

bool ExtensionEntryJson(const Message& entry, std::string* urn, std::string* struct_json) {
  const Reflection* r = entry.GetReflection();
  const Descriptor* d = entry.GetDescriptor();
  if (!google::protobuf::util::MessageToJsonString(r->GetMessage(entry, d->map_value()),
                                                   struct_json)
           .ok()) {
    return false;
  }
  *urn = r->GetString(entry, d->map_key());
  return true;
}

const FieldDescriptor* ExtensionMapField(const Descriptor* descriptor) {
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* f = descriptor->field(i);
    if (f->is_map() && f->message_type()->map_value()->message_type() != nullptr &&
        f->message_type()->map_value()->message_type()->full_name() ==
            google::protobuf::Struct::descriptor()->full_name()) {
      return f;
    }
  }
  return nullptr;
}

const FieldDescriptor* FindFieldByScimName(const Descriptor* descriptor,
                                           absl::string_view name) {
  // At most a few dozen fields: a scan beats a cache here.
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (absl::EqualsIgnoreCase(field->json_name(), name)) return field;
  }
  return nullptr;
}

absl::Status DecodeInto(const Json& object, google::protobuf::Message* message,
                        absl::string_view path, const DecodeOptions& options) {
  if (!object.is_object()) return TypeError(std::string(path), "a complex value", object);
  return DecodeMessage(object, message, std::string(path), options);
}

absl::Status DecodeResource(const json& json_value, Message* message,
                            const DecodeOptions& options) {
  message->Clear();
  if (!json_value.is_object()) {
    return InvalidSyntax(absl::StrCat("the request body must be a JSON object, got ",
                                      JsonTypeName(json_value)));
  }
  return DecodeMessage(json_value, message, "", options);
}

json EncodeResource(const Message& message) { return EncodeMessage(message); }

Json JsonFromValue(const google::protobuf::Value& value) {
  using google::protobuf::Value;
  switch (value.kind_case()) {
    case Value::kBoolValue: return value.bool_value();
    case Value::kNumberValue: {
      const double d = value.number_value();
      // Range first: casting a double beyond int64 (1e300) is undefined
      // behaviour (found by fuzz/json_codec_fuzzer).
      if (std::abs(d) < 9e15 && d == std::trunc(d)) return static_cast<int64_t>(d);
      return d;
    }
    case Value::kStringValue: return value.string_value();
    case Value::kListValue: {
      Json out = Json::array();
      for (const Value& v : value.list_value().values()) out.push_back(JsonFromValue(v));
      return out;
    }
    case Value::kStructValue: {
      Json out = Json::object();
      for (const auto& [k, v] : value.struct_value().fields()) out[k] = JsonFromValue(v);
      return out;
    }
    default: return nullptr;
  }
}

void JsonToValue(const Json& json, google::protobuf::Value* value) {
  if (json.is_boolean()) {
    value->set_bool_value(json.get<bool>());
  } else if (json.is_number()) {
    value->set_number_value(json.get<double>());
  } else if (json.is_string()) {
    value->set_string_value(json.get<std::string>());
  } else if (json.is_array()) {
    auto* list = value->mutable_list_value();
    for (const Json& v : json) JsonToValue(v, list->add_values());
  } else if (json.is_object()) {
    auto* fields = value->mutable_struct_value()->mutable_fields();
    for (const auto& [k, v] : json.items()) JsonToValue(v, &(*fields)[k]);
  } else {
    value->set_null_value(google::protobuf::NULL_VALUE);
  }
}

}  // namespace scim
