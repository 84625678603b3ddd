// Tenants and their API keys, over a KvStore.
//
// An API key is "scim_<key id>_<secret>": the key id (16 hex digits) is
// public and names the record; the secret (256 random bits, base64url) is
// shown once and kept only as its SHA-256. A hash suffices (no slow KDF):
// the secret has full entropy, so there is nothing to brute-force.
//
//   tenants      {tenant}            -> scim.v1.Tenant
//   api_keys     {key id}            -> scim.v1.ApiKey
//   tenant_keys  {tenant}/{key id}   -> ""
//   outbox       audit events of tenant and key changes (clients/audit/outbox.h)
#ifndef SCIM_TOKEN_SERVICE_TOKEN_STORE_H_
#define SCIM_TOKEN_SERVICE_TOKEN_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients/audit/outbox.h"
#include "common/clock.h"
#include "common/random.h"
#include "common/request_metadata.h"
#include "scim/v1/token.pb.h"
#include "storage/kv_store.h"

namespace scim::token {

const std::vector<std::string>& ColumnFamilies();
// The layout of this service's database (DataFormat, storage/kv_store.h):
// raise it, with a migration, when the layout changes incompatibly.
inline constexpr int kDataFormat = 1;

// The identity providers a tenant may name (TenantSettings.identity_provider).
inline const std::vector<std::string> kIdentityProviders = {
    "okta", "entra", "jumpcloud", "onelogin", "ping", "google", "sailpoint", "lumos", "other"};
bool IsIdentityProvider(absl::string_view name);

struct CreatedKey {
  v1::ApiKey key;     // without secret_hash
  std::string secret; // the whole bearer key
};

class TokenStore {
 public:
  // Column family of the audit outbox this store writes to.
  static constexpr char kOutboxCf[] = "outbox";

  TokenStore(KvStore* kv, audit::Outbox* outbox, Clock* clock,
             RandomSource* random);

  absl::StatusOr<v1::Tenant> CreateTenant(
      absl::string_view id, const audit::EventContext& context = {});
  absl::StatusOr<v1::Tenant> GetTenant(absl::string_view id);
  absl::StatusOr<std::vector<v1::Tenant>> ListTenants();
  // The tenant and all its keys; recorded as tenant.delete.
  absl::Status DeleteTenant(absl::string_view id,
                            const audit::EventContext& context = {});
  absl::StatusOr<v1::Tenant> SetTenantDisabled(
      absl::string_view id, bool disabled,
      const audit::EventContext& context = {});
  absl::StatusOr<v1::Tenant> UpdateTenantSettings(
      const v1::UpdateTenantSettingsRequest& request,
      const audit::EventContext& context = {});

  absl::StatusOr<CreatedKey> CreateApiKey(
      absl::string_view tenant, absl::string_view label,
      const audit::EventContext& context = {},
      absl::Duration ttl = absl::ZeroDuration());
  // A new key for `tenant`; `key_id` stays valid for `grace`, then 401.
  absl::StatusOr<CreatedKey> RotateApiKey(
      absl::string_view tenant, absl::string_view key_id, absl::Duration grace,
      const audit::EventContext& context = {});
  absl::StatusOr<v1::ApiKey> RevokeApiKey(
      absl::string_view tenant, absl::string_view key_id,
      const audit::EventContext& context = {});
  absl::StatusOr<std::vector<v1::ApiKey>> ListApiKeys(absl::string_view tenant);
  // UNAUTHENTICATED for anything but a live key, with one detail for all
  // failures so that a caller learns nothing about which part was wrong.
  absl::StatusOr<v1::VerifyApiKeyResponse> VerifyApiKey(
      absl::string_view presented);

 private:
  // Reads `key_id` of `tenant` under lock, changes it and writes it with its
  // audit event, in one transaction. `change` may add to the transaction;
  // `events` counts all the audit events it ends up holding.
  absl::StatusOr<v1::ApiKey> ChangeKey(
      absl::string_view tenant, absl::string_view key_id,
      absl::string_view operation,
      const std::function<absl::Status(v1::ApiKey&, KvTransaction&)>& change,
      const audit::EventContext& context, size_t events);
  // Writes a new key's records and event into `txn`; returns the bearer key.
  absl::StatusOr<std::string> AddKey(KvTransaction& txn, absl::string_view tenant,
                                     absl::string_view label, absl::Duration ttl,
                                     const audit::EventContext& context,
                                     v1::ApiKey* key);
  // Reads, changes (via `change`, which lists what it changed) and writes a
  // tenant with its audit event, in one transaction.
  absl::StatusOr<v1::Tenant> ChangeTenant(
      absl::string_view id, absl::string_view operation,
      const std::function<absl::Status(v1::Tenant&, std::vector<std::string>&)>&
          change,
      const audit::EventContext& context);

  KvStore* kv_;
  audit::Outbox* outbox_;
  Clock* clock_;
  RandomSource* random_;
};

}  // namespace scim::token

#endif  // SCIM_TOKEN_SERVICE_TOKEN_STORE_H_
