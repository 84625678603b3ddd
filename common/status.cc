#include "common/status.h"

#include <string>

#include "absl/strings/cord.h"
#include "scim/v1/resources.pb.h"

namespace scim {
namespace {

constexpr char kScimTypeUrl[] = "type.googleapis.com/scim.v1.ScimType";

}  // namespace

absl::Status ScimError(absl::StatusCode code, absl::string_view scim_type,
                       absl::string_view detail) {
  absl::Status status(code, detail);
  if (!scim_type.empty()) {
    status.SetPayload(kScimTypeUrl, absl::Cord(scim_type));
  }
  return status;
}

absl::Status InvalidValue(absl::string_view detail) {
  return ScimError(absl::StatusCode::kInvalidArgument, scim_type::kInvalidValue,
                   detail);
}

absl::Status InvalidSyntax(absl::string_view detail) {
  return ScimError(absl::StatusCode::kInvalidArgument,
                   scim_type::kInvalidSyntax, detail);
}

absl::Status Uniqueness(absl::string_view detail) {
  return ScimError(absl::StatusCode::kAlreadyExists, scim_type::kUniqueness,
                   detail);
}

absl::Status NotFound(absl::string_view detail) {
  return ScimError(absl::StatusCode::kNotFound, "", detail);
}

std::string ScimTypeOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kScimTypeUrl);
  return payload.has_value() ? std::string(*payload) : std::string();
}

int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
      return ScimTypeOf(status) == scim_type::kTooLarge ? 413 : 400;
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kFailedPrecondition:
      return 412;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  scim::v1::Error error;
  error.set_status(HttpStatusOf(status));
  error.set_scim_type(ScimTypeOf(status));
  error.set_detail(std::string(status.message()));
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()),
                      error.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  auto code = static_cast<absl::StatusCode>(status.error_code());
  scim::v1::Error error;
  std::string scim_type;
  if (!status.error_details().empty() &&
      error.ParseFromString(status.error_details())) {
    scim_type = error.scim_type();
  }
  return ScimError(code, scim_type, status.error_message());
}

}  // namespace scim
