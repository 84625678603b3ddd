// TokenService over gRPC. Admin RPCs require the admin token.
#ifndef SCIM_TOKEN_SERVICE_TOKEN_SERVICE_H_
#define SCIM_TOKEN_SERVICE_TOKEN_SERVICE_H_

#include <string>

#include "common/status.h"
#include "scim/v1/token.grpc.pb.h"
#include "token-service/oauth_store.h"
#include "token-service/setup_link_store.h"
#include "token-service/token_store.h"

namespace scim::token {

class TokenServiceImpl final : public v1::TokenService::Service {
 public:
  TokenServiceImpl(TokenStore* store, OAuthStore* oauth, SetupLinkStore* links,
                   std::string admin_token)
      : store_(store), oauth_(oauth), links_(links), admin_token_(std::move(admin_token)) {}

  grpc::Status CreateTenant(grpc::ServerContext* context,
                            const v1::CreateTenantRequest* request,
                            v1::Tenant* response) override;
  grpc::Status GetTenant(grpc::ServerContext* context,
                         const v1::GetTenantRequest* request,
                         v1::Tenant* response) override;
  grpc::Status ListTenants(grpc::ServerContext* context,
                           const v1::ListTenantsRequest* request,
                           v1::ListTenantsResponse* response) override;
  grpc::Status DeleteTenant(grpc::ServerContext* context,
                            const v1::DeleteTenantRequest* request,
                            v1::DeleteTenantResponse* response) override;
  grpc::Status SetTenantDisabled(grpc::ServerContext* context,
                                 const v1::SetTenantDisabledRequest* request,
                                 v1::Tenant* response) override;
  grpc::Status UpdateTenantSettings(
      grpc::ServerContext* context,
      const v1::UpdateTenantSettingsRequest* request,
      v1::Tenant* response) override;
  grpc::Status CreateApiKey(grpc::ServerContext* context,
                            const v1::CreateApiKeyRequest* request,
                            v1::CreateApiKeyResponse* response) override;
  grpc::Status RotateApiKey(grpc::ServerContext* context,
                            const v1::RotateApiKeyRequest* request,
                            v1::CreateApiKeyResponse* response) override;
  grpc::Status RevokeApiKey(grpc::ServerContext* context,
                            const v1::RevokeApiKeyRequest* request,
                            v1::ApiKey* response) override;
  grpc::Status ListApiKeys(grpc::ServerContext* context,
                           const v1::ListApiKeysRequest* request,
                           v1::ListApiKeysResponse* response) override;
  // Open to any caller: presenting a key is itself the credential.
  grpc::Status VerifyApiKey(grpc::ServerContext* context,
                            const v1::VerifyApiKeyRequest* request,
                            v1::VerifyApiKeyResponse* response) override;
  grpc::Status CreateClient(grpc::ServerContext* context,
                            const v1::CreateClientRequest* request,
                            v1::CreateClientResponse* response) override;
  grpc::Status RevokeClient(grpc::ServerContext* context,
                            const v1::RevokeClientRequest* request,
                            v1::OAuthClient* response) override;
  // Open: the client's secret is the credential.
  grpc::Status IssueToken(grpc::ServerContext* context,
                          const v1::IssueTokenRequest* request,
                          v1::IssueTokenResponse* response) override;
  grpc::Status GetJwks(grpc::ServerContext* context,
                       const v1::GetJwksRequest* request,
                       v1::GetJwksResponse* response) override;
  grpc::Status RotateSigningKey(grpc::ServerContext* context,
                                const v1::RotateSigningKeyRequest* request,
                                v1::GetJwksResponse* response) override;
  grpc::Status GetTenantStatus(grpc::ServerContext* context,
                               const v1::GetTenantStatusRequest* request,
                               v1::VerifyApiKeyResponse* response) override;

  grpc::Status CreateSetupLink(grpc::ServerContext* context,
                               const v1::CreateSetupLinkRequest* request,
                               v1::CreateSetupLinkResponse* response) override;
  grpc::Status ListSetupLinks(grpc::ServerContext* context,
                              const v1::ListSetupLinksRequest* request,
                              v1::ListSetupLinksResponse* response) override;
  grpc::Status RevokeSetupLink(grpc::ServerContext* context,
                               const v1::RevokeSetupLinkRequest* request,
                               v1::SetupLink* response) override;
  // Open: the link's secret is the credential.
  grpc::Status RedeemSetupLink(grpc::ServerContext* context,
                               const v1::RedeemSetupLinkRequest* request,
                               v1::SetupLink* response) override;

 private:
  // The admin token, or a live setup link of `tenant` (its GetTenant and
  // API key RPCs only).
  absl::Status CheckAdminOrLink(const grpc::ServerContext& context, const std::string& tenant);
  template <typename Fn>
  grpc::Status AsAdminOrLink(const grpc::ServerContext& context, const std::string& tenant,
                             Fn body) {
    absl::Status status = CheckAdminOrLink(context, tenant);
    if (status.ok()) status = body();
    return ToGrpcStatus(status);
  }

  TokenStore* store_;
  OAuthStore* oauth_;
  SetupLinkStore* links_;
  std::string admin_token_;
};

}  // namespace scim::token

#endif  // SCIM_TOKEN_SERVICE_TOKEN_SERVICE_H_
