// SCIM errors inside the services: absl::Status carrying the RFC 7644 scimType.
//
// The one place where a status maps to a gRPC status and to an HTTP status.
#ifndef SCIM_COMMON_STATUS_H_
#define SCIM_COMMON_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace scim {

// scimType values of RFC 7644 §3.12 (plus the RFC 9865 cursor ones later).
namespace scim_type {
inline constexpr char kInvalidFilter[] = "invalidFilter";
inline constexpr char kTooMany[] = "tooMany";
inline constexpr char kUniqueness[] = "uniqueness";
inline constexpr char kMutability[] = "mutability";
inline constexpr char kInvalidSyntax[] = "invalidSyntax";
inline constexpr char kInvalidPath[] = "invalidPath";
inline constexpr char kNoTarget[] = "noTarget";
inline constexpr char kInvalidValue[] = "invalidValue";
inline constexpr char kInvalidVers[] = "invalidVers";
inline constexpr char kSensitive[] = "sensitive";
// Not in RFC 7644's table: a request over a size limit (HTTP 413), as the
// bulk section (§3.7.4) asks.
inline constexpr char kTooLarge[] = "tooLarge";
// RFC 9865 cursor pagination.
inline constexpr char kInvalidCursor[] = "invalidCursor";
inline constexpr char kExpiredCursor[] = "expiredCursor";
inline constexpr char kInvalidCount[] = "invalidCount";
}  // namespace scim_type

// A status whose message is the SCIM `detail` and whose payload carries the
// scimType (empty for none).
absl::Status ScimError(absl::StatusCode code, absl::string_view scim_type,
                       absl::string_view detail);

// Shorthands for the common cases.
absl::Status InvalidValue(absl::string_view detail);
absl::Status InvalidSyntax(absl::string_view detail);
absl::Status Uniqueness(absl::string_view detail);
absl::Status NotFound(absl::string_view detail);

// The scimType carried by `status`, or "".
std::string ScimTypeOf(const absl::Status& status);

// HTTP status for a status (RFC 7644 §3.12).
int HttpStatusOf(const absl::Status& status);

// gRPC conversion; the scimType travels as a serialized scim.v1.Error in the
// status details so that it survives the wire.
grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace scim

// Small equivalents of the status macros this Abseil release lacks.
#define SCIM_STATUS_CONCAT_INNER_(a, b) a##b
#define SCIM_STATUS_CONCAT_(a, b) SCIM_STATUS_CONCAT_INNER_(a, b)

#define RETURN_IF_ERROR(expr)                         \
  do {                                                \
    ::absl::Status scim_status_tmp_ = (expr);         \
    if (!scim_status_tmp_.ok()) return scim_status_tmp_; \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(SCIM_STATUS_CONCAT_(scim_statusor_, __LINE__), lhs, expr)

#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(tmp).value()

#endif  // SCIM_COMMON_STATUS_H_
