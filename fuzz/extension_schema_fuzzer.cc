// Tenant schema documents (scim/extension_schema.h): whatever a tenant puts.
// A document that is accepted must keep every bound, and its canonical form
// must parse again to itself (the store keeps the canonical form and reads
// it back on every load).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "scim/extension_schema.h"

using namespace scim;

namespace {

void Fail(const char* what, const std::string& input) {
  std::fprintf(stderr, "%s: %s\n", what, input.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  (void)ValidateExtensionUrn(input);
  auto parsed = ParseExtensionSchema(input);
  if (!parsed.ok()) {
    if (parsed.status().code() != absl::StatusCode::kInvalidArgument) {
      Fail("refused with a code other than INVALID_ARGUMENT", input);
    }
    return 0;
  }
  const Schema& schema = parsed->schema;
  if (!ValidateExtensionUrn(schema.id).ok()) Fail("accepted an invalid id", input);
  if (parsed->resource_type != "User" && parsed->resource_type != "Group") {
    Fail("accepted another resource type", input);
  }
  if (schema.attributes.size() > kMaxSchemaAttributes) Fail("too many attributes", input);
  for (const AttributeSchema& a : schema.attributes) {
    if (a.name.empty() || a.name.size() > kMaxAttributeNameLength) Fail("bad name", input);
    if (a.sub_attributes.size() > kMaxSchemaSubAttributes) Fail("too many subs", input);
    if ((a.type == AttributeType::kComplex) == a.sub_attributes.empty()) {
      Fail("complex without sub-attributes, or sub-attributes on a simple type", input);
    }
    for (const AttributeSchema& s : a.sub_attributes) {
      if (s.type == AttributeType::kComplex) Fail("accepted a nested complex", input);
    }
  }
  const std::string canonical = schema.json.dump();
  auto again = ParseExtensionSchema(canonical);
  if (!again.ok()) Fail("the canonical form does not parse", input);
  if (again->schema.json != schema.json) Fail("the canonical form parses to another", input);
  return 0;
}
