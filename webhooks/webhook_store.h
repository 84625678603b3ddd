// A tenant's webhook endpoints and their delivery state, in the KvStore
// column family kWebhooksColumnFamily under "<tenant>/<id>". Secrets are
// sealed with the KEK when one is configured.
#ifndef SCIM_WEBHOOKS_WEBHOOK_STORE_H_
#define SCIM_WEBHOOKS_WEBHOOK_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/key_encryption.h"
#include "common/runtime.h"
#include "events/event_feed.h"
#include "scim/v1/events.pb.h"
#include "storage/kv_store.h"
#include "webhooks/destination_guard.h"

namespace scim::webhooks {

inline constexpr char kWebhooksColumnFamily[] = "webhooks";

// Endpoint states (Webhook.state).
inline constexpr char kHealthy[] = "healthy";
inline constexpr char kRetrying[] = "retrying";
inline constexpr char kDisabled[] = "disabled";

struct WebhookStoreOptions {
  size_t max_per_tenant = 20;
  // How long a rotated-out secret keeps signing when the caller names none,
  // and the most it may be given.
  absl::Duration default_grace = absl::Hours(24);
  absl::Duration max_grace = absl::Hours(24 * 30);
};

struct AddedWebhook {
  v1::Webhook webhook;
  std::string secret;  // shown once
};

// A delivery's outcome, as the dispatcher records it.
struct DeliveryState {
  uint64_t delivered_sequence = 0;
  std::string state = kHealthy;
  std::string last_error;
  int attempts = 0;
  absl::Time next_attempt = absl::InfinitePast();   // InfinitePast = unset
  absl::Time failing_since = absl::InfinitePast();  // InfinitePast = unset
};

class WebhookStore {
 public:
  // `feed` gives a new endpoint its starting point (the tenant's latest
  // sequence) and vets replay cursors; `guard` vets URLs; `kek` may be null.
  WebhookStore(KvStore* kv, events::EventFeed* feed, const DestinationGuard* guard,
               Runtime runtime, const KeyEncryption* kek = nullptr,
               WebhookStoreOptions options = {});

  // A new endpoint, receiving the events numbered from now on.
  absl::StatusOr<AddedWebhook> Add(const v1::AddWebhookRequest& request);
  absl::StatusOr<std::vector<v1::StoredWebhook>> List(absl::string_view tenant);
  // Every tenant's endpoints (the dispatcher's start).
  absl::StatusOr<std::vector<v1::StoredWebhook>> ListAll();
  absl::StatusOr<v1::StoredWebhook> Get(absl::string_view tenant, absl::string_view id);
  absl::Status Remove(absl::string_view tenant, absl::string_view id);
  // Every endpoint of `tenant` (tenant deletion); the dispatcher forgets
  // them at its next look (Refresh each, or its periodic check).
  absl::Status RemoveTenant(absl::string_view tenant);
  // A new secret (returned once); the current one keeps signing for `grace`
  // (zero = the default).
  absl::StatusOr<std::string> RotateSecret(absl::string_view tenant, absl::string_view id,
                                           absl::Duration grace);
  // Delivers again from the event after `after`: healthy, no attempts, a new
  // generation. OUT_OF_RANGE when the retention no longer has those events.
  absl::StatusOr<v1::StoredWebhook> Replay(absl::string_view tenant, absl::string_view id,
                                           uint64_t after);
  // Records a delivery's outcome unless the endpoint was replayed (another
  // generation) or removed meanwhile; says whether it recorded it.
  absl::StatusOr<bool> RecordDelivery(absl::string_view tenant, absl::string_view id,
                                      uint64_t generation, const DeliveryState& state);
  // The secrets that sign a delivery now: the current one, then the previous
  // one while its grace lasts.
  absl::StatusOr<std::vector<std::string>> SigningSecrets(const v1::StoredWebhook& stored);

 private:
  static std::string Key(absl::string_view tenant, absl::string_view id);
  absl::Status ValidateTenant(absl::string_view tenant) const;
  // The endpoints whose keys start with `prefix`.
  absl::StatusOr<std::vector<v1::StoredWebhook>> Scan(absl::string_view prefix);
  // Reads, changes (`edit` may refuse) and writes one endpoint in a transaction.
  absl::StatusOr<v1::StoredWebhook> Update(
      absl::string_view tenant, absl::string_view id,
      const std::function<absl::Status(v1::StoredWebhook&)>& edit);

  KvStore* const kv_;
  events::EventFeed* const feed_;
  const DestinationGuard* const guard_;
  const Runtime runtime_;
  const KeyEncryption* const kek_;
  const WebhookStoreOptions options_;
};

}  // namespace scim::webhooks

#endif  // SCIM_WEBHOOKS_WEBHOOK_STORE_H_
