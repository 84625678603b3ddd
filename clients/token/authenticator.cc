#include "clients/token/authenticator.h"

#include "common/random.h"
#include "common/status.h"
#include "grpcpp/client_context.h"
#include "clients/token/jwt.h"

namespace scim::token {

Authenticator::Authenticator(
    std::shared_ptr<v1::TokenService::StubInterface> token, Clock* clock,
    size_t max_entries)
    : token_(std::move(token)), clock_(clock), max_entries_(max_entries) {}

namespace {

std::unique_ptr<grpc::ClientContext> ShortDeadline() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(5));
  return context;
}

// A rejected credential stays a rejection; any other failure means
// token-service could not answer.
absl::Status Unavailable(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kUnauthenticated) return status;
  return ScimError(absl::StatusCode::kUnavailable, "",
                   "credential verification is unavailable; retry later");
}

}  // namespace

absl::StatusOr<std::vector<v1::Jwk>> Authenticator::Jwks() {
  v1::GetJwksResponse response;
  absl::Status status = FromGrpcStatus(
      token_->GetJwks(ShortDeadline().get(), v1::GetJwksRequest(), &response));
  if (!status.ok()) return Unavailable(status);
  absl::MutexLock lock(&mu_);
  jwks_.clear();
  for (const auto& key : response.keys()) jwks_[key.kid()] = key.public_key();
  jwks_fetched_ = clock_->Now();
  return std::vector<v1::Jwk>(response.keys().begin(), response.keys().end());
}

std::optional<std::string> Authenticator::PublicKey(const std::string& kid) {
  {
    absl::MutexLock lock(&mu_);
    auto it = jwks_.find(kid);
    if (it != jwks_.end()) return it->second;
    // An unknown kid refreshes the JWKS (signing-key rollover), at most once
    // a second so that junk tokens cannot hammer token-service.
    if (clock_->Now() - jwks_fetched_ < absl::Seconds(1)) return std::nullopt;
  }
  if (!Jwks().ok()) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = jwks_.find(kid);
  if (it == jwks_.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<v1::VerifyApiKeyResponse> Authenticator::TenantStatus(
    const std::string& tenant) {
  const absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = tenants_.find(tenant);
    if (it != tenants_.end() && it->second.second > now) return it->second.first;
  }
  v1::GetTenantStatusRequest request;
  request.set_tenant(tenant);
  v1::VerifyApiKeyResponse response;
  absl::Status status = FromGrpcStatus(
      token_->GetTenantStatus(ShortDeadline().get(), request, &response));
  if (!status.ok()) {
    // A deleted tenant is an answer, not an outage.
    return absl::IsNotFound(status) ? status : Unavailable(status);
  }
  absl::MutexLock lock(&mu_);
  if (tenants_.size() >= max_entries_) tenants_.clear();
  tenants_[tenant] = {response, now + kVerificationTtl};
  return response;
}

namespace {

Principal PrincipalOf(std::string tenant, std::string credential_id,
                      bool tenant_disabled, const v1::TenantSettings& settings,
                      bool read_only = false) {
  return Principal{std::move(tenant),
                   std::move(credential_id),
                   tenant_disabled,
                   settings.rate_limit(),
                   settings.rate_burst(),
                   settings.unknown_attributes() == "reject",
                   settings.delete_mode() == "soft",
                   settings.groups_as_roles(),
                   read_only};
}

}  // namespace

absl::StatusOr<Principal> Authenticator::ForTenant(const std::string& tenant) {
  ASSIGN_OR_RETURN(v1::VerifyApiKeyResponse status, TenantStatus(tenant));
  return PrincipalOf(tenant, "admin", status.tenant_disabled(), status.settings());
}

absl::StatusOr<Principal> Authenticator::VerifyJwtBearer(const std::string& token) {
  ASSIGN_OR_RETURN(JwtClaims claims,
                   VerifyJwt(token,
                             [this](const std::string& kid) { return PublicKey(kid); },
                             clock_->Now()));
  auto status = TenantStatus(claims.tenant);
  if (!status.ok()) {
    if (status.status().code() == absl::StatusCode::kNotFound) {
      return ScimError(absl::StatusCode::kUnauthenticated, "",
                       "the bearer token is not valid: its tenant is gone");
    }
    return status.status();
  }
  return PrincipalOf(claims.tenant, claims.subject, status->tenant_disabled(),
                     status->settings());
}

absl::StatusOr<Principal> Authenticator::Verify(const std::string& bearer) {
  // No credential we issue is this long; refuse before hashing, caching or
  // calling token-service with it.
  if (bearer.size() > kMaxJwtBytes) {
    return ScimError(absl::StatusCode::kUnauthenticated, "",
                     "the bearer token is not valid: too long");
  }
  if (LooksLikeJwt(bearer)) return VerifyJwtBearer(bearer);
  const std::string cache_key = Sha256(bearer);
  const absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(cache_key);
    if (it != cache_.end() && it->second.expires > now) {
      return it->second.principal;
    }
  }
  v1::VerifyApiKeyRequest request;
  request.set_api_key(bearer);
  v1::VerifyApiKeyResponse response;
  absl::Status status = FromGrpcStatus(
      token_->VerifyApiKey(ShortDeadline().get(), request, &response));
  if (!status.ok()) return Unavailable(status);
  Principal principal = PrincipalOf(response.tenant(), response.key_id(),
                                    response.tenant_disabled(),
                                    response.settings(), response.read_only());
  absl::MutexLock lock(&mu_);
  // Bounded: when full, start over rather than track recency per hit.
  if (cache_.size() >= max_entries_) cache_.clear();
  cache_[cache_key] = Entry{principal, now + kVerificationTtl};
  return principal;
}

}  // namespace scim::token
