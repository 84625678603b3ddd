#include "identity-service/identity_service.h"

#include "absl/strings/str_cat.h"
#include "common/admin_token.h"
#include "common/status.h"
#include "scim/projection.h"

namespace scim::identity {
namespace {

RequestContext ContextOf(const grpc::ServerContext& context) {
  return audit::EventContextFromGrpc(context);
}

void Project(const v1::Projection& projection, google::protobuf::Message* m) {
  if (projection.attributes().empty() &&
      projection.excluded_attributes().empty()) {
    return;
  }
  Projection(*UserResourceType().schema,
             {projection.attributes().begin(), projection.attributes().end()},
             {projection.excluded_attributes().begin(),
              projection.excluded_attributes().end()})
      .Apply(m);
}

}  // namespace

absl::Status IdentityServiceImpl::Authorize(const grpc::ServerContext& context,
                                            const std::string& tenant,
                                            ValidationOptions* validation) {
  if (tenant.empty()) return InvalidValue("tenant is required");
  if (authenticator_ == nullptr) {
    return ScimError(absl::StatusCode::kUnavailable, "",
                     "authorization is not configured");
  }
  const std::string bearer = BearerFromMetadata(context);
  if (bearer.empty()) {
    return ScimError(absl::StatusCode::kUnauthenticated, "",
                     "a bearer credential is required");
  }
  if (ConstantTimeEquals(bearer, admin_token_)) return absl::OkStatus();
  ASSIGN_OR_RETURN(token::Principal principal, authenticator_->Verify(bearer));
  if (principal.tenant != tenant) {
    return ScimError(absl::StatusCode::kPermissionDenied, "",
                     absl::StrCat("the credential is not valid for tenant '",
                                  tenant, "'"));
  }
  if (principal.tenant_disabled) {
    return ScimError(absl::StatusCode::kPermissionDenied, "",
                     absl::StrCat("tenant '", tenant, "' is disabled"));
  }
  if (validation != nullptr) {
    validation->enforce_canonical_values = principal.strict_schema;
  }
  return absl::OkStatus();
}

grpc::Status IdentityServiceImpl::CreateUser(
    grpc::ServerContext* context, const v1::CreateUserRequest* request,
    v1::User* response) {
  ValidationOptions validation;
  if (auto s = Authorize(*context, request->tenant(), &validation); !s.ok()) {
    return ToGrpcStatus(s);
  }
  *response = request->user();
  absl::Status s = store_->Create(UserResourceType(), request->tenant(),
                                  response, ContextOf(*context), validation);
  if (s.ok()) Project(request->projection(), response);
  return ToGrpcStatus(s);
}

grpc::Status IdentityServiceImpl::GetUser(grpc::ServerContext* context,
                                          const v1::GetUserRequest* request,
                                          v1::User* response) {
  if (auto s = Authorize(*context, request->tenant()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::Status s = store_->Get(UserResourceType(), request->tenant(),
                               request->id(), response);
  if (s.ok()) Project(request->projection(), response);
  return ToGrpcStatus(s);
}

grpc::Status IdentityServiceImpl::ReplaceUser(
    grpc::ServerContext* context, const v1::ReplaceUserRequest* request,
    v1::User* response) {
  ValidationOptions validation;
  if (auto s = Authorize(*context, request->tenant(), &validation); !s.ok()) {
    return ToGrpcStatus(s);
  }
  *response = request->user();
  absl::Status s = store_->Replace(UserResourceType(), request->tenant(),
                                   request->id(), request->if_match(), response,
                                   ContextOf(*context), validation);
  if (s.ok()) Project(request->projection(), response);
  return ToGrpcStatus(s);
}

grpc::Status IdentityServiceImpl::DeleteUser(
    grpc::ServerContext* context, const v1::DeleteUserRequest* request,
    google::protobuf::Empty*) {
  if (auto s = Authorize(*context, request->tenant()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  return ToGrpcStatus(store_->Delete(UserResourceType(), request->tenant(),
                                     request->id(), request->if_match(),
                                     ContextOf(*context)));
}

grpc::Status IdentityServiceImpl::ListUsers(
    grpc::ServerContext* context, const v1::ListUsersRequest* request,
    v1::ListUsersResponse* response) {
  if (auto s = Authorize(*context, request->tenant()); !s.ok()) {
    return ToGrpcStatus(s);
  }
  ListResult result;
  absl::Status status = store_->List(UserResourceType(), request->tenant(),
                                     request->query(), &result);
  if (!status.ok()) return ToGrpcStatus(status);
  response->set_total_results(result.total_results);
  response->set_start_index(result.start_index);
  response->set_items_per_page(static_cast<int32_t>(result.resources.size()));
  response->set_next_cursor(result.next_cursor);
  response->set_previous_cursor(result.previous_cursor);
  for (auto& resource : result.resources) {
    response->add_resources()->CopyFrom(*resource);
  }
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::DeleteTenantData(
    grpc::ServerContext* context, const v1::DeleteTenantDataRequest* request,
    v1::DeleteTenantDataResponse* response) {
  if (request->tenant().empty()) {
    return ToGrpcStatus(InvalidValue("tenant is required"));
  }
  // Only the admin: a tenant's own key must not erase the tenant.
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    if (authenticator_ == nullptr) {
      return ScimError(absl::StatusCode::kUnavailable, "",
                       "authorization is not configured");
    }
    ASSIGN_OR_RETURN(int64_t deleted,
                     store_->DeleteTenant(request->tenant(), ContextOf(*context)));
    response->set_deleted_keys(deleted);
    return absl::OkStatus();
  });
}

}  // namespace scim::identity
