#include "identity-service/identity_flags.h"

#include "absl/flags/flag.h"
#include "identity-service/identity_component.h"
#include "webhooks/webhook_flags.h"
#include "identity-service/resource_store.h"

ABSL_FLAG(absl::Duration, tombstone_retention, absl::Hours(24 * 30),
          "tenants with delete_mode=soft: how long a deleted user is kept "
          "(readable over gRPC, reactivatable) before it is purged");
ABSL_FLAG(int64_t, list_scan_limit, scim::identity::kDefaultListScanLimit,
          "how many records one list request may examine to filter or sort; "
          "a query that needs more answers 400 tooMany (filter on an indexed "
          "attribute, or page with a cursor, unsorted or sorted by an indexed "
          "single-valued attribute)");
ABSL_FLAG(absl::Duration, event_retention, absl::Hours(24 * 30),
          "how long directory events are kept for ListEvents, WatchEvents and "
          "webhook replays; a cursor older than that is OUT_OF_RANGE");


namespace scim::identity {

IdentityOptions IdentityOptionsFromFlags() {
  IdentityOptions options;
  options.events.retention = absl::GetFlag(FLAGS_event_retention);
  options.allow_private_webhooks = absl::GetFlag(FLAGS_allow_private_webhooks);
  options.webhook_threads = absl::GetFlag(FLAGS_webhook_threads);
  return options;
}

}  // namespace scim::identity
