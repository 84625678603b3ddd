// OAuth 2.0 client credentials: clients per tenant (secret shown once, kept
// as SHA-256), Ed25519 signing keys with rollover, and short-lived JWTs.
//
//   clients         {client id}            -> scim.v1.OAuthClient
//   tenant_clients  {tenant}/{client id}   -> ""
//   signing_keys    {kid}                  -> scim.v1.SigningKeyRecord
//                   "~current"             -> kid
#ifndef SCIM_TOKEN_SERVICE_OAUTH_STORE_H_
#define SCIM_TOKEN_SERVICE_OAUTH_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/key_encryption.h"
#include "common/signing_key.h"
#include "token-service/token_store.h"

namespace scim::token {

// Column families this store adds to token-service's RocksDB.
const std::vector<std::string>& OAuthColumnFamilies();

// How long an issued token is valid, and so how long a retired signing key
// stays in the JWKS.
inline constexpr absl::Duration kTokenLifetime = absl::Minutes(15);

struct CreatedClient {
  v1::OAuthClient client;  // without secret_hash
  std::string secret;
};

class OAuthStore {
 public:
  // `kek` (optional) seals the signing keys' seeds at rest.
  OAuthStore(KvStore* kv, audit::Outbox* outbox, TokenStore* tenants,
             Clock* clock, RandomSource* random,
             const KeyEncryption* kek = nullptr);

  absl::StatusOr<CreatedClient> CreateClient(absl::string_view tenant,
                                             const audit::EventContext& context);
  absl::StatusOr<v1::OAuthClient> RevokeClient(
      absl::string_view tenant, absl::string_view client_id,
      const audit::EventContext& context);
  // UNAUTHENTICATED (one message for every failure) unless the client is
  // active, the secret right and the tenant enabled.
  absl::StatusOr<v1::IssueTokenResponse> IssueToken(
      absl::string_view client_id, absl::string_view secret,
      const audit::EventContext& context);
  absl::StatusOr<std::vector<v1::Jwk>> Jwks();
  absl::StatusOr<std::vector<v1::Jwk>> RotateSigningKey();
  // The id of the key new tokens are signed with.
  absl::StatusOr<std::string> CurrentKid();

 private:
  // The key of a stored record (its seed opened with kek_ if sealed).
  absl::StatusOr<SigningKey> KeyOf(const v1::SigningKeyRecord& record) const;
  // The current signing key, created on first use.
  absl::StatusOr<v1::SigningKeyRecord> CurrentKey();

  KvStore* kv_;
  audit::Outbox* outbox_;
  TokenStore* tenants_;
  Clock* clock_;
  RandomSource* random_;
  const KeyEncryption* kek_;
};

}  // namespace scim::token

#endif  // SCIM_TOKEN_SERVICE_OAUTH_STORE_H_
