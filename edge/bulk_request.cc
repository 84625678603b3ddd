// A Bulk body parsed into a v1::BulkRequest (see bulk_request.h).
#include "edge/bulk_request.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace scim::edge {

absl::Status RequireMessageSchema(const Json& schemas, absl::string_view urn) {
  if (schemas.is_array()) {
    for (const Json& s : schemas) {
      if (s.is_string() && absl::EqualsIgnoreCase(s.get<std::string>(), urn)) {
        return absl::OkStatus();
      }
    }
  }
  return InvalidSyntax(absl::StrCat("\"schemas\" must be [\"", urn, "\"]"));
}

absl::StatusOr<v1::BulkRequest> ParseBulkRequest(const Json& body) {
  if (!body.is_object()) {
    return InvalidSyntax("the Bulk body must be a JSON object");
  }
  v1::BulkRequest request;
  const Json* operations = nullptr;
  for (const auto& [key, value] : body.items()) {
    if (absl::EqualsIgnoreCase(key, "schemas")) {
      RETURN_IF_ERROR(RequireMessageSchema(value, kBulkRequestSchema));
    } else if (absl::EqualsIgnoreCase(key, "failOnErrors")) {
      if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
          value.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
        return InvalidValue("failOnErrors must be a non-negative integer");
      }
      request.set_fail_on_errors(value.get<int32_t>());
    } else if (absl::EqualsIgnoreCase(key, "Operations")) {
      operations = &value;
    }
  }
  if (operations == nullptr || !operations->is_array()) {
    return InvalidSyntax("a BulkRequest needs an \"Operations\" array");
  }
  for (size_t i = 0; i < operations->size(); ++i) {
    const Json& op = (*operations)[i];
    if (!op.is_object()) {
      return InvalidSyntax(absl::StrCat("Operations[", i, "] is not an object"));
    }
    v1::BulkOperation* out = request.add_operations();
    for (const auto& [key, value] : op.items()) {
      std::string* field = absl::EqualsIgnoreCase(key, "method")    ? out->mutable_method()
                           : absl::EqualsIgnoreCase(key, "bulkId")  ? out->mutable_bulk_id()
                           : absl::EqualsIgnoreCase(key, "version") ? out->mutable_version()
                           : absl::EqualsIgnoreCase(key, "path")    ? out->mutable_path()
                                                                    : nullptr;
      if (field != nullptr) {
        if (!value.is_string()) {
          return InvalidSyntax(
              absl::StrCat("Operations[", i, "].", key, " must be a string"));
        }
        *field = value.get<std::string>();
      } else if (absl::EqualsIgnoreCase(key, "data")) {
        JsonToValue(value, out->mutable_data());
      }
    }
  }
  return request;
}

}  // namespace scim::edge
