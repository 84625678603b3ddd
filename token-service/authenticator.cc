#include "token-service/authenticator.h"

#include "common/random.h"
#include "common/status.h"
#include "grpcpp/client_context.h"

namespace scim::token {

Authenticator::Authenticator(
    std::shared_ptr<v1::TokenService::StubInterface> token, Clock* clock,
    size_t max_entries)
    : token_(std::move(token)), clock_(clock), max_entries_(max_entries) {}

absl::StatusOr<Principal> Authenticator::Verify(const std::string& bearer) {
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
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  absl::Status status =
      FromGrpcStatus(token_->VerifyApiKey(&context, request, &response));
  if (!status.ok()) {
    if (status.code() != absl::StatusCode::kUnauthenticated) {
      return ScimError(absl::StatusCode::kUnavailable, "",
                       "credential verification is unavailable; retry later");
    }
    return status;
  }
  Principal principal{response.tenant(), response.key_id(),
                      response.tenant_disabled(),
                      response.settings().rate_limit(),
                      response.settings().rate_burst()};
  absl::MutexLock lock(&mu_);
  // Bounded: when full, start over rather than track recency per hit.
  if (cache_.size() >= max_entries_) cache_.clear();
  cache_[cache_key] = Entry{principal, now + kVerificationTtl};
  return principal;
}

}  // namespace scim::token
