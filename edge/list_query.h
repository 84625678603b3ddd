// The edge's translation of RFC 7644 §3.4.2 query parameters and §3.4.3
// SearchRequest bodies into ListRequest / Projection. It reads names and
// types only; what a filter or sort means is identity-service's business.
#ifndef SCIM_EDGE_LIST_QUERY_H_
#define SCIM_EDGE_LIST_QUERY_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "scim/json_codec.h"
#include "scim/v1/identity.pb.h"
#include "scim/v1/resources.pb.h"

namespace scim::edge {

using QueryParams = std::multimap<std::string, std::string>;

// filter, startIndex, count, sortBy, sortOrder, attributes,
// excludedAttributes, cursor (present even when empty: RFC 9865 first page).
absl::Status ListRequestFromParams(const QueryParams& params,
                                   v1::ListRequest* out);

// The same fields from a POST .search body.
absl::Status ListRequestFromSearch(const Json& body, v1::ListRequest* out);

// attributes / excludedAttributes of a single-resource request.
void ProjectionFromParams(const QueryParams& params, v1::Projection* out);

}  // namespace scim::edge

#endif  // SCIM_EDGE_LIST_QUERY_H_
