#include "token-service/token_store.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "token-service/tenant_record.h"
#include "google/protobuf/util/time_util.h"
#include "token-service/bearer_secret.h"
#include "token-service/oauth_store.h"
#include "token-service/setup_link_store.h"

namespace scim::token {

bool IsIdentityProvider(absl::string_view name) {
  return std::find(kIdentityProviders.begin(), kIdentityProviders.end(), name) !=
         kIdentityProviders.end();
}
namespace {

constexpr char kTenantsCf[] = "tenants";
constexpr char kApiKeysCf[] = "api_keys";
constexpr char kTenantKeysCf[] = "tenant_keys";
constexpr char kKeyPrefix[] = "scim_";
constexpr size_t kKeyIdLength = 16;
// last_used is written at most this often per key: a write per request
// would cost an fsync per request.
constexpr absl::Duration kLastUsedGranularity = absl::Minutes(1);

absl::Status BadCredential() {
  return ScimError(absl::StatusCode::kUnauthenticated, "",
                   "the bearer token is not valid");
}

}  // namespace

const std::vector<std::string>& ColumnFamilies() {
  static const auto* cfs = [] {
    auto* all = new std::vector<std::string>{kTenantsCf, kApiKeysCf,
                                             kTenantKeysCf, TokenStore::kOutboxCf};
    for (const auto& cf : OAuthColumnFamilies()) all->push_back(cf);
    for (const auto& cf : SetupLinkColumnFamilies()) all->push_back(cf);
    return all;
  }();
  return *cfs;
}

TokenStore::TokenStore(KvStore* kv, audit::Outbox* outbox, Clock* clock,
                       RandomSource* random)
    : kv_(kv), outbox_(outbox), clock_(clock), random_(random) {}

absl::StatusOr<v1::Tenant> TokenStore::CreateTenant(
    absl::string_view id, const audit::EventContext& context) {
  if (!IsValidTenantId(id)) {
    return InvalidValue(absl::StrCat(
        "tenant id '", id, "' must match [a-z0-9][a-z0-9-]{0,62}"));
  }
  v1::Tenant tenant;
  tenant.set_id(std::string(id));
  *tenant.mutable_created() = ToTimestamp(clock_->Now());
  tenant.mutable_settings()->set_delete_mode("hard");
  tenant.mutable_settings()->set_unknown_attributes("ignore");
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    ASSIGN_OR_RETURN(auto existing, txn.GetForUpdate(kTenantsCf, id));
    if (existing.has_value()) {
      return ScimError(absl::StatusCode::kAlreadyExists, "",
                       absl::StrCat("tenant '", id, "' already exists"));
    }
    RETURN_IF_ERROR(txn.Put(kTenantsCf, id, tenant.SerializeAsString()));
    return outbox_->Add(txn, audit::NewEvent(*clock_, *random_, id,
                                             "tenant.create", "Tenant", id,
                                             context));
  }));
  outbox_->Committed();
  return tenant;
}

absl::StatusOr<v1::Tenant> TokenStore::GetTenant(absl::string_view id) {
  ASSIGN_OR_RETURN(auto bytes, kv_->Get(kTenantsCf, id));
  if (!bytes.has_value()) {
    return NotFound(absl::StrCat("tenant '", id, "' not found"));
  }
  return ParseRecord<v1::Tenant>(*bytes);
}

absl::StatusOr<v1::Tenant> TokenStore::ChangeTenant(
    absl::string_view id, absl::string_view operation,
    const std::function<absl::Status(v1::Tenant&, std::vector<std::string>&)>&
        change,
    const audit::EventContext& context) {
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  v1::Tenant tenant;
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    ASSIGN_OR_RETURN(auto bytes, txn.GetForUpdate(kTenantsCf, id));
    if (!bytes.has_value()) {
      return NotFound(absl::StrCat("tenant '", id, "' not found"));
    }
    ASSIGN_OR_RETURN(tenant, ParseRecord<v1::Tenant>(*bytes));
    std::vector<std::string> changed;
    RETURN_IF_ERROR(change(tenant, changed));
    RETURN_IF_ERROR(txn.Put(kTenantsCf, id, tenant.SerializeAsString()));
    v1::AuditEvent event = audit::NewEvent(*clock_, *random_, id, operation,
                                           "Tenant", id, context);
    for (auto& c : changed) event.add_changed_attributes(std::move(c));
    return outbox_->Add(txn, event);
  }));
  outbox_->Committed();
  return tenant;
}

absl::Status TokenStore::DeleteTenant(absl::string_view id,
                                      const audit::EventContext& context) {
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  const std::string prefix = absl::StrCat(id, "/");
  std::vector<std::string> key_ids;
  RETURN_IF_ERROR(kv_->Scan(kTenantKeysCf, prefix, "",
                            [&](absl::string_view key, absl::string_view) {
                              key_ids.emplace_back(key.substr(prefix.size()));
                              return true;
                            }));
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    ASSIGN_OR_RETURN(auto existing, txn.GetForUpdate(kTenantsCf, id));
    if (!existing.has_value()) {
      return NotFound(absl::StrCat("tenant '", id, "' not found"));
    }
    for (const auto& key_id : key_ids) {
      RETURN_IF_ERROR(txn.Delete(kApiKeysCf, key_id));
      RETURN_IF_ERROR(txn.Delete(kTenantKeysCf, absl::StrCat(prefix, key_id)));
    }
    RETURN_IF_ERROR(txn.Delete(kTenantsCf, id));
    return outbox_->Add(txn, audit::NewEvent(*clock_, *random_, id,
                                             "tenant.delete", "Tenant", id,
                                             context));
  }));
  outbox_->Committed();
  return absl::OkStatus();
}

absl::StatusOr<v1::Tenant> TokenStore::SetTenantDisabled(
    absl::string_view id, bool disabled, const audit::EventContext& context) {
  return ChangeTenant(
      id, disabled ? "tenant.disable" : "tenant.enable",
      [&](v1::Tenant& tenant, std::vector<std::string>& changed) {
        tenant.set_disabled(disabled);
        changed.push_back("disabled");
        return absl::OkStatus();
      },
      context);
}

absl::StatusOr<v1::Tenant> TokenStore::UpdateTenantSettings(
    const v1::UpdateTenantSettingsRequest& request,
    const audit::EventContext& context) {
  if (request.has_delete_mode() && request.delete_mode() != "hard" &&
      request.delete_mode() != "soft") {
    return InvalidValue("delete_mode must be 'hard' or 'soft'");
  }
  if (request.has_unknown_attributes() &&
      request.unknown_attributes() != "ignore" &&
      request.unknown_attributes() != "reject") {
    return InvalidValue("unknown_attributes must be 'ignore' or 'reject'");
  }
  if (request.has_identity_provider() && !IsIdentityProvider(request.identity_provider())) {
    return InvalidValue(absl::StrCat("identity_provider must be one of ",
                                     absl::StrJoin(kIdentityProviders, ", "), "; got \"",
                                     request.identity_provider(), "\""));
  }
  if ((request.has_rate_limit() && request.rate_limit() < 0) ||
      (request.has_rate_burst() && request.rate_burst() < 0)) {
    return InvalidValue("rate_limit and rate_burst must not be negative");
  }
  return ChangeTenant(
      request.id(), "tenant.update",
      [&](v1::Tenant& tenant, std::vector<std::string>& changed) {
        v1::TenantSettings* s = tenant.mutable_settings();
        if (request.has_delete_mode()) {
          s->set_delete_mode(request.delete_mode());
          changed.push_back("deleteMode");
        }
        if (request.has_rate_limit()) {
          s->set_rate_limit(request.rate_limit());
          changed.push_back("rateLimit");
        }
        if (request.has_rate_burst()) {
          s->set_rate_burst(request.rate_burst());
          changed.push_back("rateBurst");
        }
        if (request.has_unknown_attributes()) {
          s->set_unknown_attributes(request.unknown_attributes());
          changed.push_back("unknownAttributes");
        }
        if (request.has_groups_as_roles()) {
          s->set_groups_as_roles(request.groups_as_roles());
          changed.push_back("groupsAsRoles");
        }
        if (request.has_identity_provider()) {
          s->set_identity_provider(request.identity_provider());
          changed.push_back("identityProvider");
        }
        return absl::OkStatus();
      },
      context);
}

absl::StatusOr<std::vector<v1::Tenant>> TokenStore::ListTenants() {
  std::vector<v1::Tenant> out;
  bool corrupt = false;
  RETURN_IF_ERROR(kv_->Scan(kTenantsCf, "", "",
                            [&](absl::string_view, absl::string_view value) {
                              out.emplace_back();
                              corrupt = !out.back().ParseFromArray(
                                  value.data(), static_cast<int>(value.size()));
                              return !corrupt;
                            }));
  if (corrupt) return absl::DataLossError("corrupt tenant record");
  return out;
}

absl::StatusOr<std::string> TokenStore::AddKey(
    KvTransaction& txn, absl::string_view tenant, absl::string_view label,
    absl::Duration ttl, const audit::EventContext& context, v1::ApiKey* key) {
  const NewBearerSecret made = MakeBearerSecret(*random_, kKeyPrefix, kKeyIdLength);
  const std::string& key_id = made.id;
  key->set_id(key_id);
  key->set_tenant(std::string(tenant));
  *key->mutable_created() = ToTimestamp(clock_->Now());
  if (ttl > absl::ZeroDuration()) {
    *key->mutable_expires() = ToTimestamp(clock_->Now() + ttl);
  }
  key->set_state("active");
  key->set_label(std::string(label));
  key->set_secret_hash(made.hash);
  RETURN_IF_ERROR(txn.Put(kApiKeysCf, key_id, key->SerializeAsString()));
  RETURN_IF_ERROR(txn.Put(kTenantKeysCf, absl::StrCat(tenant, "/", key_id), ""));
  // The key id only: the event never carries the secret or its hash.
  RETURN_IF_ERROR(outbox_->Add(
      txn, audit::NewEvent(*clock_, *random_, tenant, "key.create", "ApiKey",
                           key_id, context)));
  key->clear_secret_hash();
  return made.text;
}

absl::StatusOr<CreatedKey> TokenStore::CreateApiKey(
    absl::string_view tenant, absl::string_view label,
    const audit::EventContext& context, absl::Duration ttl) {
  RETURN_IF_ERROR(GetTenant(tenant).status());
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  CreatedKey created;
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    created.key.Clear();
    ASSIGN_OR_RETURN(created.secret,
                     AddKey(txn, tenant, label, ttl, context, &created.key));
    return absl::OkStatus();
  }));
  outbox_->Committed();
  return created;
}

absl::StatusOr<v1::ApiKey> TokenStore::ChangeKey(
    absl::string_view tenant, absl::string_view key_id,
    absl::string_view operation,
    const std::function<absl::Status(v1::ApiKey&, KvTransaction&)>& change,
    const audit::EventContext& context, size_t events) {
  RETURN_IF_ERROR(outbox_->CheckCapacity());
  v1::ApiKey key;
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) {
    ASSIGN_OR_RETURN(key, GetTenantRecordForUpdate<v1::ApiKey>(txn, kApiKeysCf, key_id,
                                                               tenant, "key"));
    RETURN_IF_ERROR(change(key, txn));
    RETURN_IF_ERROR(txn.Put(kApiKeysCf, key_id, key.SerializeAsString()));
    return outbox_->Add(txn, audit::NewEvent(*clock_, *random_, tenant,
                                             operation, "ApiKey", key_id,
                                             context));
  }));
  outbox_->Committed(events);
  key.clear_secret_hash();
  return key;
}

absl::StatusOr<CreatedKey> TokenStore::RotateApiKey(
    absl::string_view tenant, absl::string_view key_id, absl::Duration grace,
    const audit::EventContext& context) {
  if (grace < absl::ZeroDuration()) {
    return InvalidValue("the grace period must not be negative");
  }
  CreatedKey created;
  ASSIGN_OR_RETURN(
      v1::ApiKey old,
      ChangeKey(
          tenant, key_id, "key.rotate",
          [&](v1::ApiKey& key, KvTransaction& txn) -> absl::Status {
            if (key.state() != "active") {
              return ScimError(absl::StatusCode::kFailedPrecondition, "",
                               absl::StrCat("key '", key.id(), "' is ",
                                            key.state()));
            }
            const absl::Time end = clock_->Now() + grace;
            if (grace == absl::ZeroDuration()) {
              key.set_state("revoked");
            } else if (!key.has_expires() || FromTimestamp(key.expires()) > end) {
              *key.mutable_expires() = ToTimestamp(end);
            }
            created.key.Clear();
            ASSIGN_OR_RETURN(created.secret,
                             AddKey(txn, tenant, key.label(),
                                    absl::ZeroDuration(), context, &created.key));
            return absl::OkStatus();
          },
          context, /*events=*/2));  // key.rotate and the new key.create
  (void)old;
  return created;
}

absl::StatusOr<v1::ApiKey> TokenStore::RevokeApiKey(
    absl::string_view tenant, absl::string_view key_id,
    const audit::EventContext& context) {
  return ChangeKey(
      tenant, key_id, "key.revoke",
      [](v1::ApiKey& key, KvTransaction&) {
        key.set_state("revoked");
        return absl::OkStatus();
      },
      context, /*events=*/1);
}

absl::StatusOr<std::vector<v1::ApiKey>> TokenStore::ListApiKeys(
    absl::string_view tenant) {
  RETURN_IF_ERROR(GetTenant(tenant).status());
  std::vector<std::string> ids;
  std::string prefix = absl::StrCat(tenant, "/");
  RETURN_IF_ERROR(kv_->Scan(kTenantKeysCf, prefix, "",
                            [&](absl::string_view key, absl::string_view) {
                              ids.emplace_back(key.substr(prefix.size()));
                              return true;
                            }));
  std::vector<v1::ApiKey> out;
  for (const auto& id : ids) {
    ASSIGN_OR_RETURN(auto bytes, kv_->Get(kApiKeysCf, id));
    if (!bytes.has_value()) continue;
    ASSIGN_OR_RETURN(v1::ApiKey key, ParseRecord<v1::ApiKey>(*bytes));
    key.clear_secret_hash();
    out.push_back(std::move(key));
  }
  return out;
}

absl::StatusOr<v1::VerifyApiKeyResponse> TokenStore::VerifyApiKey(
    absl::string_view presented) {
  const std::optional<PresentedSecret> parts =
      ParseBearerSecret(presented, kKeyPrefix, kKeyIdLength);
  if (!parts.has_value()) return BadCredential();
  const std::string& key_id = parts->id;
  ASSIGN_OR_RETURN(auto bytes, kv_->Get(kApiKeysCf, key_id));
  if (!bytes.has_value()) return BadCredential();
  ASSIGN_OR_RETURN(v1::ApiKey key, ParseRecord<v1::ApiKey>(*bytes));
  if (!SecretMatches(parts->secret, key.secret_hash())) return BadCredential();
  const absl::Time now = clock_->Now();
  if (key.state() != "active" ||
      (key.has_expires() && FromTimestamp(key.expires()) <= now)) {
    return BadCredential();
  }
  ASSIGN_OR_RETURN(v1::Tenant tenant, GetTenant(key.tenant()));
  if (!key.has_last_used() ||
      now - FromTimestamp(key.last_used()) >= kLastUsedGranularity) {
    // Best effort: a lost last_used update must not fail the request.
    (void)RunInTransaction(*kv_, [&](KvTransaction& txn) {
      ASSIGN_OR_RETURN(auto current, txn.GetForUpdate(kApiKeysCf, key_id));
      if (!current.has_value()) return absl::OkStatus();
      ASSIGN_OR_RETURN(v1::ApiKey fresh, ParseRecord<v1::ApiKey>(*current));
      *fresh.mutable_last_used() = ToTimestamp(now);
      return txn.Put(kApiKeysCf, key_id, fresh.SerializeAsString());
    });
  }
  v1::VerifyApiKeyResponse response;
  response.set_tenant(key.tenant());
  response.set_key_id(key_id);
  response.set_tenant_disabled(tenant.disabled());
  *response.mutable_settings() = tenant.settings();
  return response;
}

}  // namespace scim::token
