// The client side of token-service that checks credentials, used by the edge
// and by identity-service: resolves a bearer credential to its tenant through
// token-service, with a short bounded cache, so a revoked or rotated key stops
// working everywhere within kVerificationTtl.
#ifndef SCIM_CLIENTS_TOKEN_AUTHENTICATOR_H_
#define SCIM_CLIENTS_TOKEN_AUTHENTICATOR_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "scim/v1/token.grpc.pb.h"

namespace scim::token {

inline constexpr absl::Duration kVerificationTtl = absl::Seconds(5);

struct Principal {
  std::string tenant;
  std::string credential_id;
  bool tenant_disabled = false;
  // The tenant's limits: requests per second (0 = unlimited) and burst.
  int rate_limit = 0;
  int rate_burst = 0;
  // The tenant rejects unknown attributes and enforces canonical values.
  bool strict_schema = false;
  // delete_mode "soft": deleted users are kept as tombstones.
  bool soft_delete = false;
  // Group memberships also count as roles (GetUserAccess).
  bool groups_as_roles = false;
  // A setup link's credential: it reads its tenant, never writes, and is no
  // SCIM credential.
  bool read_only = false;
};

class Authenticator {
 public:
  Authenticator(std::shared_ptr<v1::TokenService::StubInterface> token,
                Clock* clock, size_t max_entries = 10000);

  // An API key (checked by token-service, cached) or a JWT (checked here
  // against the cached JWKS: no RPC per request). UNAUTHENTICATED for a bad
  // credential, UNAVAILABLE if token-service is.
  absl::StatusOr<Principal> Verify(const std::string& bearer);

  // The status and settings of `tenant` alone, for callers holding the
  // admin token (credential_id "admin"). NOT_FOUND for an unknown tenant.
  absl::StatusOr<Principal> ForTenant(const std::string& tenant);

  // The current JWKS as token-service publishes it (refreshing the cache).
  absl::StatusOr<std::vector<v1::Jwk>> Jwks();

 private:
  absl::StatusOr<Principal> VerifyJwtBearer(const std::string& token);
  std::optional<std::string> PublicKey(const std::string& kid);
  // Disabled flag and limits of `tenant`, cached like keys.
  absl::StatusOr<v1::VerifyApiKeyResponse> TenantStatus(const std::string& tenant);

  struct Entry {
    Principal principal;
    absl::Time expires;
  };

  std::shared_ptr<v1::TokenService::StubInterface> token_;
  Clock* clock_;
  const size_t max_entries_;
  absl::Mutex mu_;
  // Keyed by SHA-256 of the credential: no secret is kept in memory.
  absl::flat_hash_map<std::string, Entry> cache_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::string> jwks_ ABSL_GUARDED_BY(mu_);
  absl::Time jwks_fetched_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string,
                      std::pair<v1::VerifyApiKeyResponse, absl::Time>>
      tenants_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scim::token

#endif  // SCIM_CLIENTS_TOKEN_AUTHENTICATOR_H_
