// IdentityService over gRPC: authorization, then the typed RPCs onto the
// generic ResourceStore through scim/resource_traits.h.
#include "identity-service/identity_service.h"

#include "absl/strings/str_cat.h"
#include "common/admin_token.h"
#include "common/status.h"
#include "identity-service/user_access.h"
#include "scim/json_codec.h"
#include "scim/projection.h"

namespace scim::identity {
namespace {

// Who asks, and the call's deadline and cancellation as a Deadline: the
// store below stops its loops with them and never sees the gRPC context.
// Deadlines are wall-clock times, hence the real clock.
RequestContext ContextOf(const CallMetadata& call) {
  return RequestContext(audit::EventContextOf(call),
                        Deadline(Clock::Real(), call.deadline, call.cancelled));
}

}  // namespace

absl::Status IdentityServiceImpl::Authorize(const CallMetadata& call,
                                            const std::string& tenant,
                                            Access access,
                                            ValidationOptions* validation,
                                            std::optional<token::Principal>* caller) {
  if (tenant.empty()) return InvalidValue("tenant is required");
  if (owner_check_) RETURN_IF_ERROR(owner_check_(tenant));
  if (authenticator_ == nullptr) {
    return ScimError(absl::StatusCode::kUnavailable, "",
                     "authorization is not configured");
  }
  const std::string bearer = BearerOf(call.authorization);
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
  if (principal.read_only && access != Access::kRead) {
    return ScimError(absl::StatusCode::kPermissionDenied, "",
                     "a setup link's credential reads its tenant; it cannot change it");
  }
  if (validation != nullptr) {
    validation->enforce_canonical_values = principal.strict_schema;
  }
  if (caller != nullptr) *caller = principal;
  return absl::OkStatus();
}

absl::StatusOr<token::Principal> IdentityServiceImpl::TenantSettings(
    const std::string& tenant, const std::optional<token::Principal>& principal) {
  if (principal.has_value()) return *principal;
  absl::StatusOr<token::Principal> settings = authenticator_->ForTenant(tenant);
  // An unknown tenant has no data: the defaults do.
  if (absl::IsNotFound(settings.status())) return token::Principal{tenant, "admin"};
  return settings;
}

absl::StatusOr<bool> IdentityServiceImpl::SoftDelete(
    const std::string& tenant, const std::optional<token::Principal>& principal) {
  ASSIGN_OR_RETURN(token::Principal settings, TenantSettings(tenant, principal));
  return settings.soft_delete;
}

template <typename R>
grpc::Status IdentityServiceImpl::Create(
    const CallMetadata& call,
    const typename ResourceTraits<R>::CreateRequest& request, R* response) {
  const ResourceType& type = ResourceTypeOf<R>();
  *response = ResourceTraits<R>::Of(request);
  ValidationOptions validation;
  if (auto s = Authorize(call, request.tenant(), Access::kWrite, &validation); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<std::shared_ptr<ResourceStore>> store = StoreFor(request.tenant());
  if (!store.ok()) return ToGrpcStatus(store.status());
  return ToGrpcStatus((*store)->Create(type, request.tenant(), response, ContextOf(call),
                                       validation,
                                       (*store)->ProjectionOf(type, request.projection()).get()));
}

template <typename R>
grpc::Status IdentityServiceImpl::Get(
    const CallMetadata& call,
    const typename ResourceTraits<R>::GetRequest& request, R* response) {
  const ResourceType& type = ResourceTypeOf<R>();
  if (auto s = Authorize(call, request.tenant(), Access::kRead); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<std::shared_ptr<ResourceStore>> store = StoreFor(request.tenant());
  if (!store.ok()) return ToGrpcStatus(store.status());
  const auto p = (*store)->ProjectionOf(type, request.projection());
  return ToGrpcStatus((*store)->Get(type, request.tenant(), request.id(), response, p.get()));
}

template <typename R>
grpc::Status IdentityServiceImpl::Replace(
    const CallMetadata& call,
    const typename ResourceTraits<R>::ReplaceRequest& request, R* response) {
  const ResourceType& type = ResourceTypeOf<R>();
  *response = ResourceTraits<R>::Of(request);
  ValidationOptions validation;
  if (auto s = Authorize(call, request.tenant(), Access::kWrite, &validation); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<std::shared_ptr<ResourceStore>> store = StoreFor(request.tenant());
  if (!store.ok()) return ToGrpcStatus(store.status());
  return ToGrpcStatus((*store)->Replace(
      type, request.tenant(), request.id(), request.if_match(), response, ContextOf(call),
      validation, (*store)->ProjectionOf(type, request.projection()).get()));
}

template <typename R>
grpc::Status IdentityServiceImpl::Patch(const CallMetadata& call,
                                        const v1::PatchRequest& request,
                                        R* response) {
  const ResourceType& type = ResourceTypeOf<R>();
  ValidationOptions validation;
  if (auto s = Authorize(call, request.tenant(), Access::kWrite, &validation); !s.ok()) {
    return ToGrpcStatus(s);
  }
  std::vector<PatchOp> ops;
  for (const v1::PatchOperation& op : request.operations()) {
    ops.push_back({op.op(), op.path(),
                   op.has_value() ? JsonFromValue(op.value()) : Json()});
  }
  absl::StatusOr<std::shared_ptr<ResourceStore>> store = StoreFor(request.tenant());
  if (!store.ok()) return ToGrpcStatus(store.status());
  const auto projection = (*store)->ProjectionOf(type, request.projection());
  return ToGrpcStatus((*store)->Patch(type, request.tenant(), request.id(),
                                      request.if_match(), ops, response,
                                      ContextOf(call), validation, projection.get()));
}

template <typename R>
grpc::Status IdentityServiceImpl::Delete(
    const CallMetadata& call,
    const typename ResourceTraits<R>::DeleteRequest& request) {
  std::optional<token::Principal> principal;
  if (auto s = Authorize(call, request.tenant(), Access::kWrite, nullptr, &principal); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<bool> soft = SoftDelete(request.tenant(), principal);
  if (!soft.ok()) return ToGrpcStatus(soft.status());
  absl::StatusOr<std::shared_ptr<ResourceStore>> store = StoreFor(request.tenant());
  if (!store.ok()) return ToGrpcStatus(store.status());
  return ToGrpcStatus((*store)->Delete(ResourceTypeOf<R>(), request.tenant(),
                                     request.id(), request.if_match(),
                                     ContextOf(call), *soft));
}

template <typename R>
grpc::Status IdentityServiceImpl::List(
    const CallMetadata& call,
    const typename ResourceTraits<R>::ListRequest& request,
    typename ResourceTraits<R>::ListResponse* response) {
  if (auto s = Authorize(call, request.tenant(), Access::kRead); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<std::shared_ptr<ResourceStore>> store = StoreFor(request.tenant());
  if (!store.ok()) return ToGrpcStatus(store.status());
  ListResult result;
  absl::Status status =
      (*store)->List(ResourceTypeOf<R>(), request.tenant(), request.query(), &result,
                   ContextOf(call).deadline);
  if (!status.ok()) return ToGrpcStatus(status);
  response->set_total_results(result.total_results);
  response->set_total_results_omitted(result.total_omitted);
  response->set_start_index(result.start_index);
  response->set_items_per_page(static_cast<int32_t>(result.resources.size()));
  response->set_next_cursor(result.next_cursor);
  response->set_previous_cursor(result.previous_cursor);
  for (auto& resource : result.resources) {
    response->add_resources()->Swap(static_cast<R*>(resource.get()));
  }
  return grpc::Status::OK;
}

// The typed RPCs: each is the generic one above for its resource type.

grpc::Status IdentityServiceImpl::CreateUser(grpc::ServerContext* context,
                                             const v1::CreateUserRequest* request,
                                             v1::User* response) {
  return Create(CallMetadataOf(*context), *request, response);
}

grpc::Status IdentityServiceImpl::GetUser(grpc::ServerContext* context,
                                          const v1::GetUserRequest* request,
                                          v1::User* response) {
  return Get(CallMetadataOf(*context), *request, response);
}

grpc::Status IdentityServiceImpl::ReplaceUser(grpc::ServerContext* context,
                                              const v1::ReplaceUserRequest* request,
                                              v1::User* response) {
  return Replace(CallMetadataOf(*context), *request, response);
}

grpc::Status IdentityServiceImpl::PatchUser(grpc::ServerContext* context,
                                            const v1::PatchRequest* request,
                                            v1::User* response) {
  return Patch(CallMetadataOf(*context), *request, response);
}

grpc::Status IdentityServiceImpl::DeleteUser(grpc::ServerContext* context,
                                             const v1::DeleteUserRequest* request,
                                             google::protobuf::Empty*) {
  return Delete<v1::User>(CallMetadataOf(*context), *request);
}

grpc::Status IdentityServiceImpl::ListUsers(grpc::ServerContext* context,
                                            const v1::ListUsersRequest* request,
                                            v1::ListUsersResponse* response) {
  return List<v1::User>(CallMetadataOf(*context), *request, response);
}

grpc::Status IdentityServiceImpl::CreateGroup(grpc::ServerContext* context,
                                              const v1::CreateGroupRequest* request,
                                              v1::Group* response) {
  return Create(CallMetadataOf(*context), *request, response);
}

grpc::Status IdentityServiceImpl::GetGroup(grpc::ServerContext* context,
                                           const v1::GetGroupRequest* request,
                                           v1::Group* response) {
  return Get(CallMetadataOf(*context), *request, response);
}

grpc::Status IdentityServiceImpl::ReplaceGroup(grpc::ServerContext* context,
                                               const v1::ReplaceGroupRequest* request,
                                               v1::Group* response) {
  return Replace(CallMetadataOf(*context), *request, response);
}

grpc::Status IdentityServiceImpl::PatchGroup(grpc::ServerContext* context,
                                             const v1::PatchRequest* request,
                                             v1::Group* response) {
  return Patch(CallMetadataOf(*context), *request, response);
}

grpc::Status IdentityServiceImpl::DeleteGroup(grpc::ServerContext* context,
                                              const v1::DeleteGroupRequest* request,
                                              google::protobuf::Empty*) {
  return Delete<v1::Group>(CallMetadataOf(*context), *request);
}

grpc::Status IdentityServiceImpl::ListGroups(grpc::ServerContext* context,
                                             const v1::ListGroupsRequest* request,
                                             v1::ListGroupsResponse* response) {
  return List<v1::Group>(CallMetadataOf(*context), *request, response);
}

namespace {

// The user as stored, projected by the tenant's schemas (which drop what is
// never returned, password included; custom values go to its extensions).
void ToDeletedUser(const v1::Tombstone& tombstone, const ResourceStore& store,
                   const Projection& projection, v1::DeletedUser* out) {
  out->mutable_user()->ParseFromString(tombstone.resource());
  store.Project(UserResourceType(), projection, out->mutable_user());
  *out->mutable_deleted() = tombstone.deleted();
  *out->mutable_purge_after() = tombstone.purge_after();
}

}  // namespace

grpc::Status IdentityServiceImpl::GetDeletedUser(grpc::ServerContext* context,
                                                 const v1::GetUserRequest* request,
                                                 v1::DeletedUser* response) {
  if (auto s = Authorize(CallMetadataOf(*context), request->tenant(), Access::kRead); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<std::shared_ptr<ResourceStore>> store = StoreFor(request->tenant());
  if (!store.ok()) return ToGrpcStatus(store.status());
  v1::Tombstone tombstone;
  absl::Status s = (*store)->GetTombstone(UserResourceType(), request->tenant(),
                                          request->id(), &tombstone);
  if (!s.ok()) return ToGrpcStatus(s);
  ToDeletedUser(tombstone, **store,
                *(*store)->ProjectionOf(UserResourceType(), request->projection()), response);
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::ListDeletedUsers(
    grpc::ServerContext* context, const v1::ListDeletedUsersRequest* request,
    v1::ListDeletedUsersResponse* response) {
  if (auto s = Authorize(CallMetadataOf(*context), request->tenant(), Access::kRead); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<std::shared_ptr<ResourceStore>> store = StoreFor(request->tenant());
  if (!store.ok()) return ToGrpcStatus(store.status());
  TombstonePage page;
  absl::Status s =
      (*store)->ListTombstones(UserResourceType(), request->tenant(),
                               request->page_token(), request->page_size(), &page);
  if (!s.ok()) return ToGrpcStatus(s);
  const auto projection = (*store)->ProjectionOf(UserResourceType(), v1::Projection());
  for (const v1::Tombstone& t : page.tombstones) {
    ToDeletedUser(t, **store, *projection, response->add_users());
  }
  response->set_next_page_token(page.next_page_token);
  return grpc::Status::OK;
}

grpc::Status IdentityServiceImpl::GetUserAccess(grpc::ServerContext* context,
                                                const v1::GetUserAccessRequest* request,
                                                v1::UserAccess* response) {
  std::optional<token::Principal> principal;
  if (auto s = Authorize(CallMetadataOf(*context), request->tenant(), Access::kRead, nullptr, &principal); !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<token::Principal> settings =
      TenantSettings(request->tenant(), principal);
  if (!settings.ok()) return ToGrpcStatus(settings.status());
  absl::StatusOr<std::shared_ptr<ResourceStore>> store = StoreFor(request->tenant());
  if (!store.ok()) return ToGrpcStatus(store.status());
  return ToGrpcStatus(ReadUserAccess(**store, request->tenant(), request->user_id(),
                                     settings->groups_as_roles, response));
}

grpc::Status IdentityServiceImpl::Bulk(grpc::ServerContext* context,
                                       const v1::BulkRequest* request,
                                       v1::BulkResponse* response) {
  BulkPolicy policy;
  std::optional<token::Principal> principal;
  const CallMetadata call = CallMetadataOf(*context);
  if (auto s = Authorize(call, request->tenant(), Access::kWrite, &policy.validation, &principal);
      !s.ok()) {
    return ToGrpcStatus(s);
  }
  absl::StatusOr<bool> soft = SoftDelete(request->tenant(), principal);
  if (!soft.ok()) return ToGrpcStatus(soft.status());
  policy.soft_delete = *soft;
  absl::StatusOr<std::shared_ptr<ResourceStore>> store = StoreFor(request->tenant());
  if (!store.ok()) return ToGrpcStatus(store.status());
  return ToGrpcStatus(RunBulk(**store, *request, policy, ContextOf(call), response));
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
                     store_->DeleteTenant(request->tenant(), ContextOf(CallMetadataOf(*context))));
    if (tenant_deleted_) RETURN_IF_ERROR(tenant_deleted_(request->tenant()));
    if (stores_ != nullptr) stores_->Forget(request->tenant());
    response->set_deleted_keys(deleted);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::shared_ptr<ResourceStore>> IdentityServiceImpl::StoreFor(
    const std::string& tenant) {
  if (stores_ == nullptr) return std::shared_ptr<ResourceStore>(std::shared_ptr<ResourceStore>(), store_);
  return stores_->For(tenant);
}

// The direct calls of an in-process caller (identity_service.h).
#define SCIM_IDENTITY_INSTANTIATE(R)                                                  \
  template grpc::Status IdentityServiceImpl::Create<R>(                              \
      const CallMetadata&, const ResourceTraits<R>::CreateRequest&, R*);            \
  template grpc::Status IdentityServiceImpl::Get<R>(                                 \
      const CallMetadata&, const ResourceTraits<R>::GetRequest&, R*);               \
  template grpc::Status IdentityServiceImpl::Replace<R>(                             \
      const CallMetadata&, const ResourceTraits<R>::ReplaceRequest&, R*);           \
  template grpc::Status IdentityServiceImpl::Patch<R>(const CallMetadata&,           \
                                                      const v1::PatchRequest&, R*); \
  template grpc::Status IdentityServiceImpl::Delete<R>(                              \
      const CallMetadata&, const ResourceTraits<R>::DeleteRequest&);                \
  template grpc::Status IdentityServiceImpl::List<R>(                                \
      const CallMetadata&, const ResourceTraits<R>::ListRequest&,                   \
      ResourceTraits<R>::ListResponse*);
SCIM_IDENTITY_INSTANTIATE(v1::User)
SCIM_IDENTITY_INSTANTIATE(v1::Group)
#undef SCIM_IDENTITY_INSTANTIATE

}  // namespace scim::identity
