// The discovery routes (RFC 7644 §4): /ServiceProviderConfig,
// /ResourceTypes[/{id}] and /Schemas[/{id}], answered from discovery.h.
#ifndef SCIM_EDGE_DISCOVERY_HANDLER_H_
#define SCIM_EDGE_DISCOVERY_HANDLER_H_

#include <cstddef>
#include <string>

#include "edge/call.h"
#include "scim/schema.h"

namespace scim::edge {

// `what` is the first path segment after /scim/v2, `id` the second (or
// empty); the documents come from `registry`; `max_body_bytes` is advertised
// as the bulk maxPayloadSize.
void HandleDiscovery(Call& call, const SchemaRegistry& registry,
                     const std::string& what, const std::string& id,
                     size_t max_body_bytes);

}  // namespace scim::edge

#endif  // SCIM_EDGE_DISCOVERY_HANDLER_H_
