// IdentityService over gRPC: typed RPCs onto the generic ResourceStore.
#ifndef SCIM_IDENTITY_SERVICE_IDENTITY_SERVICE_H_
#define SCIM_IDENTITY_SERVICE_IDENTITY_SERVICE_H_

#include <functional>
#include <optional>

#include "common/admin_token.h"
#include "common/request_metadata.h"
#include "identity-service/bulk.h"
#include "identity-service/resource_store.h"
#include "identity-service/tenant_stores.h"
#include "clients/token/authenticator.h"
#include "scim/resource_traits.h"
#include "scim/v1/identity.grpc.pb.h"

namespace scim::identity {

// Every RPC needs `authorization: Bearer <credential>` metadata: the admin
// token, or a credential of the very tenant the request names. A key of
// tenant A asking about tenant B gets PERMISSION_DENIED here, not only at the
// edge. Until EnableAuthorization() is called every RPC is refused.
class IdentityServiceImpl final : public v1::IdentityService::Service {
 public:
  explicit IdentityServiceImpl(ResourceStore* store) : store_(store) {}

  // Requests then run on their tenant's store (its extension schemas);
  // without, all on `store`. Set before serving.
  void set_tenant_stores(TenantStores* stores) { stores_ = stores; }

  void EnableAuthorization(token::Authenticator* authenticator,
                           std::string admin_token) {
    authenticator_ = authenticator;
    admin_token_ = std::move(admin_token);
  }

  // The access rule of every RPC here, for the services beside this one
  // (events, webhooks): the admin token, or a credential of `tenant`.
  absl::Status AuthorizeTenant(const grpc::ServerContext& context,
                               const std::string& tenant) {
    return Authorize(CallMetadataOf(context), tenant, Access::kWrite);
  }
  // The same rule for reads: a setup link's read-only credential passes too.
  absl::Status AuthorizeTenantRead(const grpc::ServerContext& context,
                                   const std::string& tenant) {
    return Authorize(CallMetadataOf(context), tenant, Access::kRead);
  }
  // With tenant shards: refuses, before anything else, a tenant this shard
  // does not serve (sharding/wrong_shard.h). Set before serving.
  void set_tenant_owner_check(std::function<absl::Status(const std::string&)> check) {
    owner_check_ = std::move(check);
  }
  // Runs after DeleteTenantData erased a tenant's directory data (its
  // webhooks go too).
  void set_tenant_deleted_hook(std::function<absl::Status(const std::string&)> hook) {
    tenant_deleted_ = std::move(hook);
  }
  // OK for the admin token only.
  absl::Status AuthorizeAdmin(const grpc::ServerContext& context) {
    if (authenticator_ == nullptr) {
      return absl::UnavailableError("authorization is not configured");
    }
    return CheckAdmin(context, admin_token_);
  }

  grpc::Status CreateUser(grpc::ServerContext* context,
                          const v1::CreateUserRequest* request,
                          v1::User* response) override;
  grpc::Status GetUser(grpc::ServerContext* context,
                       const v1::GetUserRequest* request,
                       v1::User* response) override;
  grpc::Status ReplaceUser(grpc::ServerContext* context,
                           const v1::ReplaceUserRequest* request,
                           v1::User* response) override;
  grpc::Status PatchUser(grpc::ServerContext* context,
                         const v1::PatchRequest* request,
                         v1::User* response) override;
  grpc::Status DeleteUser(grpc::ServerContext* context,
                          const v1::DeleteUserRequest* request,
                          google::protobuf::Empty* response) override;
  grpc::Status ListUsers(grpc::ServerContext* context,
                         const v1::ListUsersRequest* request,
                         v1::ListUsersResponse* response) override;
  grpc::Status CreateGroup(grpc::ServerContext* context,
                           const v1::CreateGroupRequest* request,
                           v1::Group* response) override;
  grpc::Status GetGroup(grpc::ServerContext* context,
                        const v1::GetGroupRequest* request,
                        v1::Group* response) override;
  grpc::Status ReplaceGroup(grpc::ServerContext* context,
                            const v1::ReplaceGroupRequest* request,
                            v1::Group* response) override;
  grpc::Status PatchGroup(grpc::ServerContext* context,
                          const v1::PatchRequest* request,
                          v1::Group* response) override;
  grpc::Status DeleteGroup(grpc::ServerContext* context,
                           const v1::DeleteGroupRequest* request,
                           google::protobuf::Empty* response) override;
  grpc::Status ListGroups(grpc::ServerContext* context,
                          const v1::ListGroupsRequest* request,
                          v1::ListGroupsResponse* response) override;
  grpc::Status GetDeletedUser(grpc::ServerContext* context,
                              const v1::GetUserRequest* request,
                              v1::DeletedUser* response) override;
  grpc::Status ListDeletedUsers(grpc::ServerContext* context,
                                const v1::ListDeletedUsersRequest* request,
                                v1::ListDeletedUsersResponse* response) override;
  grpc::Status Bulk(grpc::ServerContext* context, const v1::BulkRequest* request,
                    v1::BulkResponse* response) override;
  grpc::Status DeleteTenantData(grpc::ServerContext* context,
                                const v1::DeleteTenantDataRequest* request,
                                v1::DeleteTenantDataResponse* response) override;
  grpc::Status GetUserAccess(grpc::ServerContext* context,
                             const v1::GetUserAccessRequest* request,
                             v1::UserAccess* response) override;

  // The RPCs of every resource type, each written once over
  // scim/resource_traits.h: R is the resource message (v1::User, v1::Group),
  // and `response` receives the answer. The gRPC methods above call them;
  // a caller in this process (scimd's edge) may call them directly, with
  // the same checks and the same answers, and no gRPC call in between.
  template <typename R>
  grpc::Status Create(const CallMetadata& call,
                      const typename ResourceTraits<R>::CreateRequest& request,
                      R* response);
  template <typename R>
  grpc::Status Get(const CallMetadata& call,
                   const typename ResourceTraits<R>::GetRequest& request,
                   R* response);
  template <typename R>
  grpc::Status Replace(const CallMetadata& call,
                       const typename ResourceTraits<R>::ReplaceRequest& request,
                       R* response);
  template <typename R>
  grpc::Status Patch(const CallMetadata& call,
                     const v1::PatchRequest& request, R* response);
  template <typename R>
  grpc::Status Delete(const CallMetadata& call,
                      const typename ResourceTraits<R>::DeleteRequest& request);
  template <typename R>
  grpc::Status List(const CallMetadata& call,
                    const typename ResourceTraits<R>::ListRequest& request,
                    typename ResourceTraits<R>::ListResponse* response);

 private:
  // OK for the admin token or a credential of `tenant`; `validation` gets
  // the tenant's schema strictness.
  // kRead also admits a read-only credential (a setup link's console).
  enum class Access { kRead, kWrite };
  absl::Status Authorize(const CallMetadata& call,
                         const std::string& tenant, Access access,
                         ValidationOptions* validation = nullptr,
                         std::optional<token::Principal>* principal = nullptr);
  // Whether `tenant` keeps deleted users as tombstones; `principal` is the
  // caller's, absent for the admin token (then token-service is asked).
  absl::StatusOr<bool> SoftDelete(const std::string& tenant,
                                  const std::optional<token::Principal>& principal);
  // The settings of `tenant` as token-service has them: the caller's
  // principal's, or asked for the admin token (an unknown tenant has the
  // defaults: it has no data).
  absl::StatusOr<token::Principal> TenantSettings(
      const std::string& tenant, const std::optional<token::Principal>& principal);

  // The store `tenant`'s requests run on (its schemas' registry).
  absl::StatusOr<std::shared_ptr<ResourceStore>> StoreFor(const std::string& tenant);

  std::function<absl::Status(const std::string&)> tenant_deleted_;
  std::function<absl::Status(const std::string&)> owner_check_;
  ResourceStore* store_;
  TenantStores* stores_ = nullptr;
  token::Authenticator* authenticator_ = nullptr;
  std::string admin_token_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_IDENTITY_SERVICE_H_
