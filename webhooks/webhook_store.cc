#include "webhooks/webhook_store.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/proto_util.h"
#include "common/request_metadata.h"
#include "common/status.h"
#include "webhooks/signature.h"

namespace scim::webhooks {
namespace {

// Ids are UUIDs; anything longer or with a separator names nothing.
constexpr size_t kMaxIdLength = 64;

bool PlausibleId(absl::string_view id) {
  return !id.empty() && id.size() <= kMaxIdLength && !absl::StrContains(id, '/');
}

absl::Status NoSuchWebhook(absl::string_view tenant, absl::string_view id) {
  return NotFound(absl::StrCat("tenant ", tenant, " has no webhook ", id));
}

}  // namespace

WebhookStore::WebhookStore(KvStore* kv, events::EventFeed* feed,
                           const DestinationGuard* guard, Runtime runtime,
                           const KeyEncryption* kek, WebhookStoreOptions options)
    : kv_(kv), feed_(feed), guard_(guard), runtime_(runtime), kek_(kek), options_(options) {}

std::string WebhookStore::Key(absl::string_view tenant, absl::string_view id) {
  return absl::StrCat(tenant, "/", id);
}

absl::Status WebhookStore::ValidateTenant(absl::string_view tenant) const {
  if (!IsValidTenantId(tenant)) {
    return InvalidValue("tenant must match [a-z0-9][a-z0-9-]{0,62}");
  }
  return absl::OkStatus();
}

absl::StatusOr<AddedWebhook> WebhookStore::Add(const v1::AddWebhookRequest& request) {
  RETURN_IF_ERROR(ValidateTenant(request.tenant()));
  auto destination = guard_->Check(request.url());
  if (!destination.ok()) {
    // At add time an unresolvable host is the caller's mistake.
    if (absl::IsUnavailable(destination.status())) {
      return InvalidValue(absl::StrCat("webhook url: ", destination.status().message()));
    }
    return destination.status();
  }
  const auto& known = events::EventTypes();
  std::set<std::string> seen;
  v1::Webhook webhook;
  for (const std::string& type : request.event_types()) {
    if (std::find(known.begin(), known.end(), type) == known.end()) {
      return InvalidValue(absl::StrCat("unknown event type \"", type.substr(0, 64),
                                       "\"; known: ", absl::StrJoin(known, ", ")));
    }
    if (seen.insert(type).second) webhook.add_event_types(type);
  }
  // From now on: the tenant's latest event is already behind the endpoint.
  ASSIGN_OR_RETURN(events::FeedPage page, feed_->Read(request.tenant(), 0, 1, {}));

  const absl::Time now = runtime_.clock->Now();
  webhook.set_id(NewUuidV7(*runtime_.clock, *runtime_.random));
  webhook.set_tenant(request.tenant());
  webhook.set_url(request.url());
  webhook.set_include_resource(request.include_resource());
  *webhook.mutable_created() = ToTimestamp(now);
  webhook.set_state(kHealthy);
  webhook.set_delivered_sequence(page.latest);
  AddedWebhook added;
  added.secret = NewSecret(*runtime_.random);
  v1::StoredWebhook stored;
  *stored.mutable_webhook() = webhook;
  stored.set_secret(SealSecret(kek_, added.secret, *runtime_.random));

  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) -> absl::Status {
    // The tenant's lock key (never written) serializes its adds and
    // removes, so that the count holds at commit.
    RETURN_IF_ERROR(txn.GetForUpdate(kWebhooksColumnFamily, request.tenant()).status());
    size_t count = 0;
    RETURN_IF_ERROR(txn.Scan(kWebhooksColumnFamily, Key(request.tenant(), ""), "",
                             [&](absl::string_view, absl::string_view) {
                               ++count;
                               return count < options_.max_per_tenant;
                             }));
    if (count >= options_.max_per_tenant) {
      return ScimError(absl::StatusCode::kFailedPrecondition, "",
                       absl::StrCat("tenant ", request.tenant(), " has ",
                                    options_.max_per_tenant,
                                    " webhooks, the most allowed; remove one first"));
    }
    return txn.Put(kWebhooksColumnFamily, Key(request.tenant(), webhook.id()),
                   stored.SerializeAsString());
  }));
  added.webhook = std::move(webhook);
  return added;
}

absl::StatusOr<std::vector<v1::StoredWebhook>> WebhookStore::Scan(absl::string_view prefix) {
  std::vector<v1::StoredWebhook> out;
  absl::Status parse = absl::OkStatus();
  RETURN_IF_ERROR(kv_->Scan(kWebhooksColumnFamily, prefix, "",
                            [&](absl::string_view, absl::string_view value) {
                              auto record = ParseRecord<v1::StoredWebhook>(std::string(value));
                              if (!record.ok()) {
                                parse = record.status();
                                return false;
                              }
                              out.push_back(std::move(*record));
                              return true;
                            }));
  RETURN_IF_ERROR(parse);
  return out;
}

absl::StatusOr<std::vector<v1::StoredWebhook>> WebhookStore::List(absl::string_view tenant) {
  RETURN_IF_ERROR(ValidateTenant(tenant));
  return Scan(Key(tenant, ""));
}

absl::StatusOr<std::vector<v1::StoredWebhook>> WebhookStore::ListAll() { return Scan(""); }

absl::StatusOr<v1::StoredWebhook> WebhookStore::Get(absl::string_view tenant,
                                                    absl::string_view id) {
  RETURN_IF_ERROR(ValidateTenant(tenant));
  if (!PlausibleId(id)) return NoSuchWebhook(tenant, id.substr(0, kMaxIdLength));
  ASSIGN_OR_RETURN(std::optional<std::string> value,
                   kv_->Get(kWebhooksColumnFamily, Key(tenant, id)));
  if (!value.has_value()) return NoSuchWebhook(tenant, id);
  return ParseRecord<v1::StoredWebhook>(*value);
}

absl::Status WebhookStore::Remove(absl::string_view tenant, absl::string_view id) {
  RETURN_IF_ERROR(ValidateTenant(tenant));
  if (!PlausibleId(id)) return NoSuchWebhook(tenant, id.substr(0, kMaxIdLength));
  return RunInTransaction(*kv_, [&](KvTransaction& txn) -> absl::Status {
    RETURN_IF_ERROR(txn.GetForUpdate(kWebhooksColumnFamily, tenant).status());
    ASSIGN_OR_RETURN(std::optional<std::string> value,
                     txn.GetForUpdate(kWebhooksColumnFamily, Key(tenant, id)));
    if (!value.has_value()) return NoSuchWebhook(tenant, id);
    return txn.Delete(kWebhooksColumnFamily, Key(tenant, id));
  });
}

absl::Status WebhookStore::RemoveTenant(absl::string_view tenant) {
  RETURN_IF_ERROR(ValidateTenant(tenant));
  return RunInTransaction(*kv_, [&](KvTransaction& txn) -> absl::Status {
    RETURN_IF_ERROR(txn.GetForUpdate(kWebhooksColumnFamily, tenant).status());
    std::vector<std::string> keys;
    RETURN_IF_ERROR(txn.Scan(kWebhooksColumnFamily, Key(tenant, ""), "",
                             [&](absl::string_view key, absl::string_view) {
                               keys.emplace_back(key);
                               return true;
                             }));
    for (const std::string& key : keys) {
      RETURN_IF_ERROR(txn.Delete(kWebhooksColumnFamily, key));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::StoredWebhook> WebhookStore::Update(
    absl::string_view tenant, absl::string_view id,
    const std::function<absl::Status(v1::StoredWebhook&)>& edit) {
  RETURN_IF_ERROR(ValidateTenant(tenant));
  if (!PlausibleId(id)) return NoSuchWebhook(tenant, id.substr(0, kMaxIdLength));
  v1::StoredWebhook stored;
  RETURN_IF_ERROR(RunInTransaction(*kv_, [&](KvTransaction& txn) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<std::string> value,
                     txn.GetForUpdate(kWebhooksColumnFamily, Key(tenant, id)));
    if (!value.has_value()) return NoSuchWebhook(tenant, id);
    ASSIGN_OR_RETURN(stored, ParseRecord<v1::StoredWebhook>(*value));
    RETURN_IF_ERROR(edit(stored));
    return txn.Put(kWebhooksColumnFamily, Key(tenant, id), stored.SerializeAsString());
  }));
  return stored;
}

absl::StatusOr<std::string> WebhookStore::RotateSecret(absl::string_view tenant,
                                                       absl::string_view id,
                                                       absl::Duration grace) {
  if (grace < absl::ZeroDuration()) return InvalidValue("grace must not be negative");
  if (grace == absl::ZeroDuration()) grace = options_.default_grace;
  if (grace > options_.max_grace) {
    return InvalidValue(absl::StrCat("grace must be at most ",
                                     absl::FormatDuration(options_.max_grace)));
  }
  const std::string secret = NewSecret(*runtime_.random);
  const absl::Time now = runtime_.clock->Now();
  RETURN_IF_ERROR(Update(tenant, id, [&](v1::StoredWebhook& stored) {
                    stored.set_previous_secret(stored.secret());
                    *stored.mutable_previous_secret_expires() = ToTimestamp(now + grace);
                    stored.set_secret(SealSecret(kek_, secret, *runtime_.random));
                    return absl::OkStatus();
                  }).status());
  return secret;
}

absl::StatusOr<v1::StoredWebhook> WebhookStore::Replay(absl::string_view tenant,
                                                       absl::string_view id,
                                                       uint64_t after) {
  RETURN_IF_ERROR(Get(tenant, id).status());
  // OUT_OF_RANGE (naming the oldest kept) when the retention dropped them.
  ASSIGN_OR_RETURN(events::FeedPage page, feed_->Read(tenant, after, 1, {}));
  if (after > page.latest) {
    return InvalidValue(absl::StrCat("after ", after, " is past the tenant's latest event ",
                                     page.latest));
  }
  return Update(tenant, id, [&](v1::StoredWebhook& stored) {
    v1::Webhook& w = *stored.mutable_webhook();
    w.set_delivered_sequence(after);
    w.set_state(kHealthy);
    w.clear_last_error();
    w.set_attempts(0);
    w.clear_next_attempt();
    stored.clear_failing_since();
    stored.set_generation(stored.generation() + 1);
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> WebhookStore::RecordDelivery(absl::string_view tenant,
                                                  absl::string_view id, uint64_t generation,
                                                  const DeliveryState& state) {
  bool recorded = false;
  auto updated = Update(tenant, id, [&](v1::StoredWebhook& stored) {
    if (stored.generation() != generation) return absl::AbortedError("replayed meanwhile");
    v1::Webhook& w = *stored.mutable_webhook();
    w.set_delivered_sequence(state.delivered_sequence);
    w.set_state(state.state);
    w.set_last_error(state.last_error);
    w.set_attempts(state.attempts);
    if (state.next_attempt == absl::InfinitePast()) {
      w.clear_next_attempt();
    } else {
      *w.mutable_next_attempt() = ToTimestamp(state.next_attempt);
    }
    if (state.failing_since == absl::InfinitePast()) {
      stored.clear_failing_since();
    } else {
      *stored.mutable_failing_since() = ToTimestamp(state.failing_since);
    }
    recorded = true;
    return absl::OkStatus();
  });
  if (updated.ok()) return recorded;
  // Removed or replayed while the delivery ran: its outcome no longer applies.
  if (absl::IsNotFound(updated.status()) ||
      (absl::IsAborted(updated.status()) && !IsLockConflict(updated.status()))) {
    return false;
  }
  return updated.status();
}

absl::StatusOr<std::vector<std::string>> WebhookStore::SigningSecrets(
    const v1::StoredWebhook& stored) {
  std::vector<std::string> out;
  ASSIGN_OR_RETURN(std::string current, OpenSecret(kek_, stored.secret()));
  out.push_back(std::move(current));
  if (!stored.previous_secret().empty() && stored.has_previous_secret_expires() &&
      runtime_.clock->Now() < FromTimestamp(stored.previous_secret_expires())) {
    ASSIGN_OR_RETURN(std::string previous, OpenSecret(kek_, stored.previous_secret()));
    out.push_back(std::move(previous));
  }
  return out;
}

}  // namespace scim::webhooks
