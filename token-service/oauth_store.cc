#include "token-service/oauth_store.h"

#include "absl/strings/str_cat.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "token-service/tenant_record.h"
#include "google/protobuf/util/time_util.h"
#include "clients/token/jwt.h"

namespace scim::token {
namespace {

constexpr char kClientsCf[] = "clients";
constexpr char kTenantClientsCf[] = "tenant_clients";
constexpr char kSigningKeysCf[] = "signing_keys";
constexpr char kCurrentKey[] = "~current";

absl::Status BadClient() {
  return ScimError(absl::StatusCode::kUnauthenticated, "",
                   "client authentication failed");
}

}  // namespace

const std::vector<std::string>& OAuthColumnFamilies() {
  static const auto* cfs = new std::vector<std::string>{
      kClientsCf, kTenantClientsCf, kSigningKeysCf};
  return *cfs;
}

OAuthStore::OAuthStore(KvStore* kv, audit::Outbox* outbox, TokenStore* tenants,
                       Clock* clock, RandomSource* random,
                       const KeyEncryption* kek)
    : kv_(kv),
      outbox_(outbox),
      tenants_(tenants),
      clock_(clock),
      random_(random),
      kek_(kek) {}

absl::StatusOr<SigningKey> OAuthStore::KeyOf(const v1::SigningKeyRecord& record) const {
  ASSIGN_OR_RETURN(std::string seed, OpenSecret(kek_, record.seed()));
  return SigningKey::FromSeed(seed);
}

absl::StatusOr<CreatedClient> OAuthStore::CreateClient(
    absl::string_view tenant, const audit::EventContext& context) {
  RETURN_IF_ERROR(tenants_->GetTenant(tenant).status());
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  CreatedClient created;
  const std::string id = absl::StrCat("cl", HexEncode(random_->Bytes(8)));
  const std::string secret = Base64UrlEncode(random_->Bytes(32));
  v1::OAuthClient& client = created.client;
  client.set_id(id);
  client.set_tenant(std::string(tenant));
  *client.mutable_created() = ToTimestamp(clock_->Now());
  client.set_state("active");
  client.set_secret_hash(Sha256(secret));
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    RETURN_IF_ERROR(txn.Put(kClientsCf, id, client.SerializeAsString()));
    RETURN_IF_ERROR(txn.Put(kTenantClientsCf, absl::StrCat(tenant, "/", id), ""));
    return outbox_->Add(txn, audit::NewEvent(*clock_, *random_, tenant,
                                             "client.create", "OAuthClient", id,
                                             context));
  }));
  outbox_->Committed();
  client.clear_secret_hash();
  created.secret = secret;
  return created;
}

absl::StatusOr<v1::OAuthClient> OAuthStore::RevokeClient(
    absl::string_view tenant, absl::string_view client_id,
    const audit::EventContext& context) {
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  v1::OAuthClient client;
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    ASSIGN_OR_RETURN(client, GetTenantRecordForUpdate<v1::OAuthClient>(
                                 txn, kClientsCf, client_id, tenant, "client"));
    client.set_state("revoked");
    RETURN_IF_ERROR(txn.Put(kClientsCf, client_id, client.SerializeAsString()));
    return outbox_->Add(txn, audit::NewEvent(*clock_, *random_, tenant,
                                             "client.revoke", "OAuthClient",
                                             client_id, context));
  }));
  outbox_->Committed();
  client.clear_secret_hash();
  return client;
}

absl::StatusOr<v1::SigningKeyRecord> OAuthStore::CurrentKey() {
  v1::SigningKeyRecord record;
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    ASSIGN_OR_RETURN(auto kid, txn.GetForUpdate(kSigningKeysCf, kCurrentKey));
    if (kid.has_value()) {
      ASSIGN_OR_RETURN(auto bytes, txn.GetForUpdate(kSigningKeysCf, *kid));
      if (!bytes.has_value()) return absl::DataLossError("current key missing");
      ASSIGN_OR_RETURN(record, ParseRecord<v1::SigningKeyRecord>(*bytes));
      return absl::OkStatus();
    }
    record.set_kid(HexEncode(random_->Bytes(8)));
    record.set_seed(SealSecret(kek_, random_->Bytes(32), *random_));
    *record.mutable_created() = ToTimestamp(clock_->Now());
    RETURN_IF_ERROR(txn.Put(kSigningKeysCf, record.kid(), record.SerializeAsString()));
    return txn.Put(kSigningKeysCf, kCurrentKey, record.kid());
  }));
  return record;
}

absl::StatusOr<v1::IssueTokenResponse> OAuthStore::IssueToken(
    absl::string_view client_id, absl::string_view secret,
    const audit::EventContext& context) {
  ASSIGN_OR_RETURN(auto bytes, kv_->Get(kClientsCf, client_id));
  if (!bytes.has_value()) return BadClient();
  ASSIGN_OR_RETURN(v1::OAuthClient client, ParseRecord<v1::OAuthClient>(*bytes));
  if (!ConstantTimeEquals(Sha256(secret), client.secret_hash()) ||
      client.state() != "active") {
    return BadClient();
  }
  auto tenant = tenants_->GetTenant(client.tenant());
  if (!tenant.ok() || tenant->disabled()) return BadClient();
  ASSIGN_OR_RETURN(v1::SigningKeyRecord record, CurrentKey());
  ASSIGN_OR_RETURN(SigningKey key, KeyOf(record));
  const absl::Time now = clock_->Now();
  JwtClaims claims{client.id(), client.tenant(), NewUuidV7(*clock_, *random_),
                   now, now, now + kTokenLifetime};
  v1::IssueTokenResponse response;
  response.set_access_token(SignJwt(claims, record.kid(), key));
  response.set_expires_in(absl::ToInt64Seconds(kTokenLifetime));
  audit::EventContext actor = context;
  actor.actor = client.id();
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    return outbox_->Add(txn, audit::NewEvent(*clock_, *random_, client.tenant(),
                                             "token.issue", "OAuthClient",
                                             client.id(), actor));
  }));
  outbox_->Committed();
  return response;
}

absl::StatusOr<std::vector<v1::Jwk>> OAuthStore::Jwks() {
  RETURN_IF_ERROR(CurrentKey().status());  // there is always one to publish
  std::vector<v1::Jwk> keys;
  const absl::Time now = clock_->Now();
  absl::Status status;
  RETURN_IF_ERROR(kv_->Scan(
      kSigningKeysCf, "", "", [&](absl::string_view kid, absl::string_view value) {
        if (kid == kCurrentKey) return true;
        v1::SigningKeyRecord record;
        if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          status = absl::DataLossError("corrupt signing key");
          return false;
        }
        // Retired keys stay while tokens they signed may still be presented.
        if (record.has_retired() &&
            FromTimestamp(record.retired()) + kTokenLifetime + absl::Minutes(1) < now) {
          return true;
        }
        auto key = KeyOf(record);
        if (!key.ok()) {
          status = key.status();
          return false;
        }
        v1::Jwk jwk;
        jwk.set_kid(record.kid());
        jwk.set_public_key(key->public_key());
        keys.push_back(std::move(jwk));
        return true;
      }));
  RETURN_IF_ERROR(status);
  return keys;
}

absl::StatusOr<std::string> OAuthStore::CurrentKid() {
  ASSIGN_OR_RETURN(v1::SigningKeyRecord current, CurrentKey());
  return current.kid();
}

absl::StatusOr<std::vector<v1::Jwk>> OAuthStore::RotateSigningKey() {
  ASSIGN_OR_RETURN(v1::SigningKeyRecord old, CurrentKey());
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    *old.mutable_retired() = ToTimestamp(clock_->Now());
    RETURN_IF_ERROR(txn.Put(kSigningKeysCf, old.kid(), old.SerializeAsString()));
    return txn.Delete(kSigningKeysCf, kCurrentKey);
  }));
  return Jwks();  // creates the new current key
}

}  // namespace scim::token
