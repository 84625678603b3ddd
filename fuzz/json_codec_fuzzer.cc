// The SCIM JSON codec: a POST/PUT body decoded into v1::User and v1::Group
// (lenient and strict), encoded back and written as the edge writes it; what
// was encoded must decode again. Also google.protobuf.Value <-> JSON, which
// PATCH and Bulk values cross gRPC as; and a decoded v1.User into a
// tenant's message (its extensions map typed) and back, which must type
// again. Input: a JSON document.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz/fuzz_fixtures.h"
#include "google/protobuf/struct.pb.h"
#include "scim/extension_fields.h"
#include "scim/json_codec.h"

using namespace scim;

namespace {

template <typename M>
void RoundTrip(const Json& json, const DecodeOptions& options) {
  M message;
  if (!DecodeResource(json, &message, options).ok()) return;
  const Json encoded = EncodeResource(message);
  const std::string text = fuzz::Dump(encoded);
  M again;
  absl::Status s = DecodeResource(encoded, &again, options);
  if (!s.ok()) {
    std::fprintf(stderr, "an encoded %s does not decode: %s\n%s\n",
                 M::descriptor()->name().c_str(), s.ToString().c_str(), text.c_str());
    std::abort();
  }
}

// v1.User -> the tenant's message -> v1.User -> the tenant's message.
void TenantRoundTrip(const Json& json, const DecodeOptions& options) {
  v1::User user;
  if (!DecodeResource(json, &user, options).ok()) return;
  const ResourceTypeSchema& type = *fuzz::TenantRegistry().FindResourceType("User");
  std::unique_ptr<google::protobuf::Message> typed(type.prototype->New());
  if (!ToSchemaMessage(user, typed.get(), options).ok()) return;
  v1::User back;
  FromSchemaMessage(*typed, &back);
  std::unique_ptr<google::protobuf::Message> again(type.prototype->New());
  absl::Status s = ToSchemaMessage(back, again.get(), options);
  if (!s.ok()) {
    std::fprintf(stderr, "a typed user does not type again: %s\n%s\n", s.ToString().c_str(),
                 back.DebugString().c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Json json = fuzz::ParseJson(data, size);
  if (json.is_discarded()) return 0;
  DecodeOptions strict;
  strict.reject_unknown_attributes = true;
  RoundTrip<v1::User>(json, {});
  RoundTrip<v1::User>(json, strict);
  RoundTrip<v1::Group>(json, {});
  RoundTrip<v1::Group>(json, strict);
  TenantRoundTrip(json, {});
  TenantRoundTrip(json, strict);

  google::protobuf::Value value;
  JsonToValue(json, &value);
  (void)fuzz::Dump(JsonFromValue(value));
  return 0;
}
