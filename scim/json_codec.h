// SCIM JSON <-> protobuf, generic over descriptors: a field's JSON name is
// its SCIM attribute name. No per-attribute code lives here or anywhere else.
#ifndef SCIM_SCIM_JSON_CODEC_H_
#define SCIM_SCIM_JSON_CODEC_H_

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "nlohmann/json.hpp"

namespace scim {

// Insertion-ordered, so responses list attributes in schema order.
using Json = nlohmann::ordered_json;

struct DecodeOptions {
  // Unknown attributes are ignored by default (Entra's validator expects
  // that); when set, the first unknown one is a 400 invalidSyntax.
  bool reject_unknown_attributes = false;
};

// Decodes a SCIM JSON object into `message` (which is cleared first).
// A top-level "urn:..." key `message` has no field for goes, by URN, into
// its map<string, Struct> field if it has one (tenant extension schemas;
// scim/extension_fields.h types them); Entra's "urn:...:User:attr": value
// form joins map["urn:...:User"].
// Attribute names match case-insensitively (RFC 7643 §2.1); `null` means
// unassigned; booleans also accept "true"/"false" in any case. Any other type
// mismatch is a 400 invalidValue naming the attribute path.
absl::Status DecodeResource(const Json& json,
                            google::protobuf::Message* message,
                            const DecodeOptions& options = {});

// Decodes `object` into `message` without clearing it first; errors name
// attributes under `path` (e.g. a schema URN).
absl::Status DecodeInto(const Json& object, google::protobuf::Message* message,
                        absl::string_view path, const DecodeOptions& options = {});

// Encodes the set fields of `message`. Map fields of google.protobuf.Struct
// (tenant extension schemas) become top-level attributes keyed by their URN.
Json EncodeResource(const google::protobuf::Message& message);

// google.protobuf.Value <-> JSON (PATCH values cross gRPC as Values). An
// unset Value is null.
Json JsonFromValue(const google::protobuf::Value& value);
void JsonToValue(const Json& json, google::protobuf::Value* value);

// Whether `d` is google.protobuf.Timestamp (written as an RFC 3339 string).
bool IsTimestamp(const google::protobuf::Descriptor* d);

// An entry of a map<urn, Struct> field: its URN, and its Struct as JSON
// text (protobuf's printer). False when it does not print.
bool ExtensionEntryJson(const google::protobuf::Message& entry, std::string* urn,
                        std::string* struct_json);

// The map<string, google.protobuf.Struct> field of `descriptor` (v1.User's
// and v1.Group's `extensions`), or null.
const google::protobuf::FieldDescriptor* ExtensionMapField(
    const google::protobuf::Descriptor* descriptor);

// The field of `descriptor` whose JSON name equals `name` ignoring case.
const google::protobuf::FieldDescriptor* FindFieldByScimName(
    const google::protobuf::Descriptor* descriptor, absl::string_view name);

}  // namespace scim

#endif  // SCIM_SCIM_JSON_CODEC_H_
