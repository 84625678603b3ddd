// IdentityService over gRPC: typed RPCs onto the generic ResourceStore.
#ifndef SCIM_IDENTITY_SERVICE_IDENTITY_SERVICE_H_
#define SCIM_IDENTITY_SERVICE_IDENTITY_SERVICE_H_

#include "identity-service/resource_store.h"
#include "scim/v1/identity.grpc.pb.h"

namespace scim::identity {

class IdentityServiceImpl final : public v1::IdentityService::Service {
 public:
  explicit IdentityServiceImpl(ResourceStore* store) : store_(store) {}

  grpc::Status CreateUser(grpc::ServerContext* context,
                          const v1::CreateUserRequest* request,
                          v1::User* response) override;
  grpc::Status GetUser(grpc::ServerContext* context,
                       const v1::GetUserRequest* request,
                       v1::User* response) override;
  grpc::Status ReplaceUser(grpc::ServerContext* context,
                           const v1::ReplaceUserRequest* request,
                           v1::User* response) override;
  grpc::Status DeleteUser(grpc::ServerContext* context,
                          const v1::DeleteUserRequest* request,
                          google::protobuf::Empty* response) override;
  grpc::Status ListUsers(grpc::ServerContext* context,
                         const v1::ListUsersRequest* request,
                         v1::ListUsersResponse* response) override;

 private:
  ResourceStore* store_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_IDENTITY_SERVICE_H_
