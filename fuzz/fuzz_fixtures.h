// Shared by the fuzz targets: the core registry, a fixed user and group the
// way identity providers create them, and JSON parsing that cannot throw.
// Input that the code under test throws on, crashes on or hangs on is a
// finding (the project rule: never a 500 or a crash on client input).
#ifndef SCIM_FUZZ_FUZZ_FIXTURES_H_
#define SCIM_FUZZ_FUZZ_FIXTURES_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "scim/extension_schema.h"
#include "scim/json_codec.h"
#include "scim/schema.h"
#include "scim/v1/resources.pb.h"

namespace scim::fuzz {

inline const SchemaRegistry& Registry() {
  static const SchemaRegistry* registry = SchemaRegistry::Core().release();
  return *registry;
}

inline const ResourceTypeSchema& UserType() {
  return *Registry().FindResourceType("User");
}

inline const ResourceTypeSchema& GroupType() {
  return *Registry().FindResourceType("Group");
}

// A tenant's registry: the core plus an Entra-style extension of User.
inline const SchemaRegistry& TenantRegistry() {
  static const SchemaRegistry* registry = [] {
    absl::StatusOr<ExtensionSchema> ext = ParseExtensionSchema(R"({
      "id": "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User",
      "name": "Custom", "resourceType": "User", "attributes": [
        {"name": "costCenter", "type": "string"}, {"name": "badge", "type": "integer"},
        {"name": "pin", "type": "string", "mutability": "writeOnly", "returned": "never"},
        {"name": "licenses", "type": "complex", "multiValued": true, "subAttributes": [
          {"name": "sku", "type": "string"}, {"name": "seats", "type": "integer"}]}]})");
    if (!ext.ok()) std::abort();
    ext->field_number = kFirstExtensionField;
    ext->field_numbers = {{"costcenter", 1}, {"badge", 2},        {"pin", 3},
                          {"licenses", 4},   {"licenses.sku", 1}, {"licenses.seats", 2}};
    auto built = SchemaRegistry::WithExtensions({*std::move(ext)});
    if (!built.ok()) std::abort();
    return built->release();
  }();
  return *registry;
}

// The RFC 7643 §8.2 full user, trimmed: every kind of attribute is set.
inline constexpr char kUserJson[] = R"({
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "id": "2819c223-7f76-453a-919d-413861904646", "externalId": "701984",
  "userName": "bjensen@example.com",
  "name": {"formatted": "Ms. Barbara J Jensen, III", "familyName": "Jensen",
           "givenName": "Barbara", "middleName": "Jane"},
  "displayName": "Babs Jensen", "nickName": "Babs", "title": "Tour Guide",
  "userType": "Employee", "preferredLanguage": "en-US", "locale": "en-US",
  "timezone": "America/Los_Angeles", "active": true,
  "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
             {"value": "babs@jensen.org", "type": "home"}],
  "phoneNumbers": [{"value": "555-555-5555", "type": "work"}],
  "ims": [{"value": "someaimhandle", "type": "aim"}],
  "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza",
                 "locality": "Hollywood", "region": "CA", "postalCode": "91608",
                 "country": "USA", "primary": true}],
  "roles": [{"value": "admin"}],
  "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}],
  "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z",
           "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff591\""},
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
    "employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
    "division": "Theme Park", "department": "Tour Operations",
    "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}}
})";

inline constexpr char kGroupJson[] = R"({
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  "id": "e9e30dba-f08f-4109-8486-d5c6a331660a", "displayName": "Tour Guides",
  "externalId": "g-1",
  "members": [{"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen"},
              {"value": "902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge"}],
  "meta": {"resourceType": "Group", "created": "2010-01-23T04:56:22Z",
           "lastModified": "2011-05-13T04:42:34Z", "version": "W/\"3694e05e9dff592\""}
})";

template <typename M>
M Decoded(const char* json_text) {
  M message;
  if (!DecodeResource(Json::parse(json_text), &message).ok()) std::abort();
  return message;
}

inline const v1::User& FixedUser() {
  static const v1::User* user = new v1::User(Decoded<v1::User>(kUserJson));
  return *user;
}

inline const v1::Group& FixedGroup() {
  static const v1::Group* group = new v1::Group(Decoded<v1::Group>(kGroupJson));
  return *group;
}

inline absl::string_view AsText(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// As the edge parses bodies, but returning `discarded` instead of throwing.
inline Json ParseJson(const uint8_t* data, size_t size) {
  return Json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
}

// As the edge writes responses (invalid UTF-8 replaced, never thrown).
inline std::string Dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace scim::fuzz

#endif  // SCIM_FUZZ_FUZZ_FIXTURES_H_
