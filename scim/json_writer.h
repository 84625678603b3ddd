// A resource as SCIM JSON text, written straight from the message: the
// response path of gets and list pages. It writes byte for byte what
// EncodeResource, AbsolutizeLocations and a compact dump write, without
// building the JSON document in between (building and dumping it was half
// of a list page's CPU). Generic over descriptors, like json_codec.h.
#ifndef SCIM_SCIM_JSON_WRITER_H_
#define SCIM_SCIM_JSON_WRITER_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "scim/json_codec.h"

namespace scim {

// Appends `resource` as JSON text to `out`, with `origin` ("https://host";
// may be empty) put before meta.location and before the $ref of members and
// groups where they are paths ("/t/..."), as AbsolutizeLocations does.
// False when the message holds a string that is not UTF-8 (a document's
// dump replaces such bytes; this writer leaves that to it): then `out` is
// as it was.
bool AppendResourceJson(const google::protobuf::Message& resource, absl::string_view origin,
                        std::string* out);

// Appends `value` as a JSON string (quoted and escaped as a compact dump
// does). False, with `out` unchanged, when `value` is not UTF-8.
bool AppendJsonString(absl::string_view value, std::string* out);

// The document path's equivalent of AppendResourceJson's `origin`: puts
// `origin` before meta.location and the members' and groups' $ref when they
// are paths.
void AbsolutizeLocations(Json& resource, absl::string_view origin);

// The compact dump every response body uses (invalid UTF-8 replaced).
std::string DumpJson(const Json& value);

}  // namespace scim

#endif  // SCIM_SCIM_JSON_WRITER_H_
