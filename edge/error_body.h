// RFC 7644 §3.12 error bodies: every 4xx/5xx the edge sends carries one.
#ifndef SCIM_EDGE_ERROR_BODY_H_
#define SCIM_EDGE_ERROR_BODY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace scim::edge {

inline constexpr char kScimContentType[] = "application/scim+json";

// {"schemas":[...Error],"status":"<http>","scimType":...,"detail":...}
std::string ErrorBody(int http_status, absl::string_view scim_type,
                      absl::string_view detail);
// The body for a status, with its HTTP code from common/status.
std::string ErrorBody(const absl::Status& status);

}  // namespace scim::edge

#endif  // SCIM_EDGE_ERROR_BODY_H_
