#include "token-service/token_service.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/admin_token.h"
#include "common/status.h"

namespace scim::token {
grpc::Status TokenServiceImpl::CreateTenant(
    grpc::ServerContext* context, const v1::CreateTenantRequest* request,
    v1::Tenant* response) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(*response,
                     store_->CreateTenant(request->id(),
                                          audit::EventContextFromGrpc(*context)));
    return absl::OkStatus();
  });
}

grpc::Status TokenServiceImpl::GetTenant(grpc::ServerContext* context,
                                         const v1::GetTenantRequest* request,
                                         v1::Tenant* response) {
  return AsAdminOrLink(*context, request->id(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(*response, store_->GetTenant(request->id()));
    return absl::OkStatus();
  });
}

grpc::Status TokenServiceImpl::ListTenants(grpc::ServerContext* context,
                                           const v1::ListTenantsRequest*,
                                           v1::ListTenantsResponse* response) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(auto tenants, store_->ListTenants());
    for (auto& t : tenants) *response->add_tenants() = std::move(t);
    return absl::OkStatus();
  });
}

grpc::Status TokenServiceImpl::DeleteTenant(
    grpc::ServerContext* context, const v1::DeleteTenantRequest* request,
    v1::DeleteTenantResponse*) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    return store_->DeleteTenant(request->id(),
                                audit::EventContextFromGrpc(*context));
  });
}

grpc::Status TokenServiceImpl::SetTenantDisabled(
    grpc::ServerContext* context, const v1::SetTenantDisabledRequest* request,
    v1::Tenant* response) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(*response, store_->SetTenantDisabled(
                                    request->id(), request->disabled(),
                                    audit::EventContextFromGrpc(*context)));
    return absl::OkStatus();
  });
}

grpc::Status TokenServiceImpl::UpdateTenantSettings(
    grpc::ServerContext* context, const v1::UpdateTenantSettingsRequest* request,
    v1::Tenant* response) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(*response, store_->UpdateTenantSettings(
                                    *request, audit::EventContextFromGrpc(*context)));
    return absl::OkStatus();
  });
}

grpc::Status TokenServiceImpl::CreateApiKey(
    grpc::ServerContext* context, const v1::CreateApiKeyRequest* request,
    v1::CreateApiKeyResponse* response) {
  return AsAdminOrLink(*context, request->tenant(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(
        CreatedKey created,
        store_->CreateApiKey(request->tenant(), request->label(),
                             audit::EventContextFromGrpc(*context),
                             absl::Seconds(request->ttl_seconds())));
    *response->mutable_key() = std::move(created.key);
    response->set_secret(std::move(created.secret));
    return absl::OkStatus();
  });
}

grpc::Status TokenServiceImpl::RotateApiKey(
    grpc::ServerContext* context, const v1::RotateApiKeyRequest* request,
    v1::CreateApiKeyResponse* response) {
  return AsAdminOrLink(*context, request->tenant(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(
        CreatedKey created,
        store_->RotateApiKey(request->tenant(), request->key_id(),
                             absl::Seconds(request->grace_seconds()),
                             audit::EventContextFromGrpc(*context)));
    *response->mutable_key() = std::move(created.key);
    response->set_secret(std::move(created.secret));
    return absl::OkStatus();
  });
}

grpc::Status TokenServiceImpl::RevokeApiKey(
    grpc::ServerContext* context, const v1::RevokeApiKeyRequest* request,
    v1::ApiKey* response) {
  return AsAdminOrLink(*context, request->tenant(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(*response,
                     store_->RevokeApiKey(request->tenant(), request->key_id(),
                                          audit::EventContextFromGrpc(*context)));
    return absl::OkStatus();
  });
}

grpc::Status TokenServiceImpl::ListApiKeys(
    grpc::ServerContext* context, const v1::ListApiKeysRequest* request,
    v1::ListApiKeysResponse* response) {
  return AsAdminOrLink(*context, request->tenant(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(auto keys, store_->ListApiKeys(request->tenant()));
    for (auto& k : keys) *response->add_keys() = std::move(k);
    return absl::OkStatus();
  });
}

grpc::Status TokenServiceImpl::VerifyApiKey(
    grpc::ServerContext*, const v1::VerifyApiKeyRequest* request,
    v1::VerifyApiKeyResponse* response) {
  if (absl::StartsWith(request->api_key(), kSetupLinkPrefix)) {
    // The console of a setup link reads its tenant's directory and activity
    // through the other services with it: read-only, and never for SCIM.
    absl::StatusOr<v1::SetupLink> link = links_->Verify(request->api_key());
    if (!link.ok()) return ToGrpcStatus(link.status());
    auto tenant = store_->GetTenant(link->tenant());
    if (!tenant.ok()) return ToGrpcStatus(tenant.status());
    response->set_tenant(tenant->id());
    response->set_key_id(absl::StrCat("setup-link:", link->id()));
    response->set_tenant_disabled(tenant->disabled());
    *response->mutable_settings() = tenant->settings();
    response->set_read_only(true);
    return grpc::Status::OK;
  }
  auto verified = store_->VerifyApiKey(request->api_key());
  if (!verified.ok()) return ToGrpcStatus(verified.status());
  *response = std::move(*verified);
  return grpc::Status::OK;
}

grpc::Status TokenServiceImpl::CreateClient(
    grpc::ServerContext* context, const v1::CreateClientRequest* request,
    v1::CreateClientResponse* response) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(CreatedClient created,
                     oauth_->CreateClient(request->tenant(),
                                          audit::EventContextFromGrpc(*context)));
    *response->mutable_client() = std::move(created.client);
    response->set_secret(std::move(created.secret));
    return absl::OkStatus();
  });
}

grpc::Status TokenServiceImpl::RevokeClient(
    grpc::ServerContext* context, const v1::RevokeClientRequest* request,
    v1::OAuthClient* response) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(*response, oauth_->RevokeClient(
                                    request->tenant(), request->client_id(),
                                    audit::EventContextFromGrpc(*context)));
    return absl::OkStatus();
  });
}

grpc::Status TokenServiceImpl::IssueToken(grpc::ServerContext* context,
                                          const v1::IssueTokenRequest* request,
                                          v1::IssueTokenResponse* response) {
  auto issued = oauth_->IssueToken(request->client_id(),
                                   request->client_secret(),
                                   audit::EventContextFromGrpc(*context));
  if (!issued.ok()) return ToGrpcStatus(issued.status());
  *response = std::move(*issued);
  return grpc::Status::OK;
}

grpc::Status TokenServiceImpl::GetJwks(grpc::ServerContext*,
                                       const v1::GetJwksRequest*,
                                       v1::GetJwksResponse* response) {
  auto keys = oauth_->Jwks();
  if (!keys.ok()) return ToGrpcStatus(keys.status());
  for (auto& k : *keys) *response->add_keys() = std::move(k);
  return grpc::Status::OK;
}

grpc::Status TokenServiceImpl::RotateSigningKey(
    grpc::ServerContext* context, const v1::RotateSigningKeyRequest*,
    v1::GetJwksResponse* response) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(auto keys, oauth_->RotateSigningKey());
    for (auto& k : keys) *response->add_keys() = std::move(k);
    ASSIGN_OR_RETURN(*response->mutable_current_kid(), oauth_->CurrentKid());
    return absl::OkStatus();
  });
}

grpc::Status TokenServiceImpl::GetTenantStatus(
    grpc::ServerContext*, const v1::GetTenantStatusRequest* request,
    v1::VerifyApiKeyResponse* response) {
  auto tenant = store_->GetTenant(request->tenant());
  if (!tenant.ok()) return ToGrpcStatus(tenant.status());
  response->set_tenant(tenant->id());
  response->set_tenant_disabled(tenant->disabled());
  *response->mutable_settings() = tenant->settings();
  return grpc::Status::OK;
}

grpc::Status TokenServiceImpl::CreateSetupLink(grpc::ServerContext* context,
                                              const v1::CreateSetupLinkRequest* request,
                                              v1::CreateSetupLinkResponse* response) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    if (request->ttl_seconds() < 0) return InvalidValue("ttl_seconds must not be negative");
    ASSIGN_OR_RETURN(CreatedSetupLink created,
                     links_->Create(request->tenant(), absl::Seconds(request->ttl_seconds()),
                                    audit::EventContextFromGrpc(*context)));
    *response->mutable_link() = std::move(created.link);
    response->set_secret(std::move(created.secret));
    return absl::OkStatus();
  });
}

grpc::Status TokenServiceImpl::ListSetupLinks(grpc::ServerContext* context,
                                             const v1::ListSetupLinksRequest* request,
                                             v1::ListSetupLinksResponse* response) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<v1::SetupLink> links, links_->List(request->tenant()));
    for (auto& l : links) *response->add_links() = std::move(l);
    return absl::OkStatus();
  });
}

grpc::Status TokenServiceImpl::RevokeSetupLink(grpc::ServerContext* context,
                                              const v1::RevokeSetupLinkRequest* request,
                                              v1::SetupLink* response) {
  return AsAdmin(*context, admin_token_, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(*response, links_->Revoke(request->tenant(), request->link_id(),
                                               audit::EventContextFromGrpc(*context)));
    return absl::OkStatus();
  });
}

grpc::Status TokenServiceImpl::RedeemSetupLink(grpc::ServerContext*,
                                              const v1::RedeemSetupLinkRequest* request,
                                              v1::SetupLink* response) {
  absl::StatusOr<v1::SetupLink> link = links_->Verify(request->secret());
  if (!link.ok()) return ToGrpcStatus(link.status());
  *response = *std::move(link);
  return grpc::Status::OK;
}

absl::Status TokenServiceImpl::CheckAdminOrLink(const grpc::ServerContext& context,
                                                const std::string& tenant) {
  const std::string bearer = BearerFromMetadata(context);
  if (!absl::StartsWith(bearer, kSetupLinkPrefix)) return CheckAdmin(context, admin_token_);
  ASSIGN_OR_RETURN(v1::SetupLink link, links_->Verify(bearer));
  if (link.tenant() != tenant) {
    return ScimError(absl::StatusCode::kPermissionDenied, "",
                     "a setup link acts on its own tenant only");
  }
  return absl::OkStatus();
}

}  // namespace scim::token
