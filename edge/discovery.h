// RFC 7644 §4 discovery documents, from the schema registry (one source of
// truth) and the service's real limits. Locations are absolute per tenant.
#ifndef SCIM_EDGE_DISCOVERY_H_
#define SCIM_EDGE_DISCOVERY_H_

#include <string>

#include "scim/json_codec.h"
#include "scim/limits.h"
#include "scim/schema.h"

namespace scim::edge {

struct ServiceLimits {
  size_t max_payload_bytes = 1 << 20;
  int max_results = kMaxPageSize;
  int default_page_size = kDefaultPageSize;
  int cursor_timeout_seconds = 3600;
  bool patch = true;
  bool bulk = true;
  int bulk_max_operations = kMaxBulkOperations;
};

// `base` is the tenant's SCIM base URL, e.g. https://h/t/acme/scim/v2.
Json ServiceProviderConfig(const std::string& base, const ServiceLimits& limits);
// From `registry`; null when it has no such type / schema.
Json ResourceTypeDocument(const SchemaRegistry& registry, const std::string& base,
                          const std::string& name);
Json SchemaDocument(const SchemaRegistry& registry, const std::string& base,
                    const std::string& urn);
// ListResponses of all resource types / schemas of `registry`.
Json ResourceTypesList(const SchemaRegistry& registry, const std::string& base);
Json SchemasList(const SchemaRegistry& registry, const std::string& base);

}  // namespace scim::edge

#endif  // SCIM_EDGE_DISCOVERY_H_
