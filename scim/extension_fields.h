// A tenant's custom attributes cross gRPC in v1.User / v1.Group's
// `map<string, Struct> extensions`, keyed by schema URN, so that any client
// can read and write them without the tenant's descriptors; inside the
// engine they are typed fields of the tenant registry's message
// (SchemaRegistry::WithExtensions). These convert between the two.
#ifndef SCIM_SCIM_EXTENSION_FIELDS_H_
#define SCIM_SCIM_EXTENSION_FIELDS_H_

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "scim/json_codec.h"

namespace scim {

// `in` (any message wire-compatible with `out`, e.g. a v1.User) as `out`, a
// message of a tenant's type: each extensions entry whose URN names a schema
// field of `out` is decoded into it (type-checked: 400 invalidValue naming
// the attribute); an entry "urn:...:User:attr" also names attribute `attr`
// of schema "urn:...:User". Entries naming no schema of `out` are dropped,
// or refused (400 invalidSyntax) when `options.reject_unknown_attributes`.
// `in` and `out` may be the same message.
absl::Status ToSchemaMessage(const google::protobuf::Message& in,
                             google::protobuf::Message* out,
                             const DecodeOptions& options = {});

// The reverse: `in`'s tenant extension fields (numbers from
// kFirstExtensionField on) go into `out`'s extensions map as SCIM JSON
// objects; the rest is copied. `in` and `out` may be the same message.
void FromSchemaMessage(const google::protobuf::Message& in, google::protobuf::Message* out);

}  // namespace scim

#endif  // SCIM_SCIM_EXTENSION_FIELDS_H_
