// The discovery routes (see discovery_handler.h).
#include "edge/discovery_handler.h"

#include "absl/strings/str_cat.h"
#include "edge/discovery.h"
#include "httplib.h"

namespace scim::edge {

void HandleDiscovery(Call& call, const SchemaRegistry& registry,
                     const std::string& what, const std::string& id,
                     size_t max_body_bytes) {
  call.route = absl::StrCat("/t/{tenant}/scim/v2/", what, id.empty() ? "" : "/{id}");
  if (call.req.method != "GET") {
    call.MethodNotAllowed("GET");
    return;
  }
  const std::string base = call.Base();
  if (what == "ServiceProviderConfig") {
    ServiceLimits limits;
    limits.max_payload_bytes = max_body_bytes;
    call.Json(200, ServiceProviderConfig(base, limits));
    return;
  }
  Json out;
  if (what == "ResourceTypes") {
    out = id.empty() ? ResourceTypesList(registry, base)
                     : ResourceTypeDocument(registry, base, id);
  } else {
    out = id.empty() ? SchemasList(registry, base) : SchemaDocument(registry, base, id);
  }
  if (out.is_null()) {
    call.Error(404, "", absl::StrCat("no ", what, " '", id, "'"));
    return;
  }
  call.Json(200, out);
}

}  // namespace scim::edge
