#include "edge/discovery.h"

#include "absl/strings/str_cat.h"
#include "scim/schema.h"

namespace scim::edge {
namespace {

constexpr char kListResponse[] = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

Json List(Json resources) {
  Json out;
  out["schemas"] = {kListResponse};
  out["totalResults"] = resources.size();
  out["itemsPerPage"] = resources.size();
  out["startIndex"] = 1;
  out["Resources"] = std::move(resources);
  return out;
}

Json Meta(const std::string& type, const std::string& location) {
  return Json{{"resourceType", type}, {"location", location}};
}

}  // namespace

Json ServiceProviderConfig(const std::string& base, const ServiceLimits& limits) {
  Json out;
  out["schemas"] = {"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"};
  out["documentationUri"] = "https://www.rfc-editor.org/rfc/rfc7644";
  out["patch"] = {{"supported", limits.patch}};
  out["bulk"] = {{"supported", limits.bulk},
                 {"maxOperations", limits.bulk_max_operations},
                 {"maxPayloadSize", limits.max_payload_bytes}};
  // maxResults: larger `count` values are clamped to it, never refused.
  out["filter"] = {{"supported", true}, {"maxResults", limits.max_results}};
  out["changePassword"] = {{"supported", true}};
  out["sort"] = {{"supported", true}};
  out["etag"] = {{"supported", true}};
  out["pagination"] = {{"cursor", true},
                       {"index", true},
                       {"defaultPaginationMethod", "index"},
                       {"defaultPageSize", limits.default_page_size},
                       {"maxPageSize", limits.max_results},
                       {"cursorTimeout", limits.cursor_timeout_seconds}};
  out["authenticationSchemes"] = Json::array(
      {{{"type", "oauthbearertoken"},
        {"name", "API key"},
        {"description",
         "A tenant API key (scimctl key create) sent as Authorization: Bearer <key>"},
        {"specUri", "https://www.rfc-editor.org/info/rfc6750"},
        {"primary", true}},
       {{"type", "oauth2"},
        {"name", "OAuth 2.0 client credentials"},
        {"description",
         "A short-lived JWT from POST /oauth/token (grant_type=client_credentials), "
         "sent as Authorization: Bearer <jwt>"},
        {"specUri", "https://www.rfc-editor.org/info/rfc6749"},
        {"primary", false}}});
  out["meta"] = Meta("ServiceProviderConfig", base + "/ServiceProviderConfig");
  return out;
}

Json ResourceTypeDocument(const SchemaRegistry& registry, const std::string& base,
                          const std::string& name) {
  const ResourceTypeSchema* type = registry.FindResourceType(name);
  if (type == nullptr) return nullptr;
  Json out;
  out["schemas"] = {"urn:ietf:params:scim:schemas:core:2.0:ResourceType"};
  out["id"] = type->name;
  out["name"] = type->name;
  out["endpoint"] = "/" + type->endpoint;
  out["description"] = type->description;
  out["schema"] = type->schema;
  out["schemaExtensions"] = Json::array();
  for (const SchemaExtension& ext : type->extensions) {
    out["schemaExtensions"].push_back({{"schema", ext.schema}, {"required", ext.required}});
  }
  out["meta"] = Meta("ResourceType", absl::StrCat(base, "/ResourceTypes/", type->name));
  return out;
}

Json SchemaDocument(const SchemaRegistry& registry, const std::string& base,
                    const std::string& urn) {
  const Schema* schema = registry.FindSchema(urn);
  if (schema == nullptr) return nullptr;
  Json out;
  out["schemas"] = {"urn:ietf:params:scim:schemas:core:2.0:Schema"};
  for (const auto& [key, value] : schema->json.items()) out[key] = value;
  out["meta"] = Meta("Schema", absl::StrCat(base, "/Schemas/", schema->id));
  return out;
}

Json ResourceTypesList(const SchemaRegistry& registry, const std::string& base) {
  Json all = Json::array();
  for (const auto& type : registry.resource_types()) {
    all.push_back(ResourceTypeDocument(registry, base, type.name));
  }
  return List(std::move(all));
}

Json SchemasList(const SchemaRegistry& registry, const std::string& base) {
  Json all = Json::array();
  for (const auto& schema : registry.schemas()) {
    all.push_back(SchemaDocument(registry, base, schema.id));
  }
  return List(std::move(all));
}

}  // namespace scim::edge
