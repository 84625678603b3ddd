#include "edge/error_body.h"

#include "common/status.h"
#include "nlohmann/json.hpp"

namespace scim::edge {

std::string ErrorBody(int http_status, absl::string_view scim_type,
                      absl::string_view detail) {
  nlohmann::ordered_json body;
  body["schemas"] = {"urn:ietf:params:scim:api:messages:2.0:Error"};
  body["status"] = std::to_string(http_status);
  if (!scim_type.empty()) body["scimType"] = std::string(scim_type);
  body["detail"] = std::string(detail);
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ErrorBody(const absl::Status& status) {
  return ErrorBody(HttpStatusOf(status), ScimTypeOf(status), status.message());
}

}  // namespace scim::edge
