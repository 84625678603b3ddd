#include "identity-service/identity_flags.h"

#include "absl/flags/flag.h"
#include "identity-service/resource_store.h"

ABSL_FLAG(absl::Duration, tombstone_retention, absl::Hours(24 * 30),
          "tenants with delete_mode=soft: how long a deleted user is kept "
          "(readable over gRPC, reactivatable) before it is purged");
ABSL_FLAG(int64_t, list_scan_limit, scim::identity::kDefaultListScanLimit,
          "how many records one list request may examine to filter or sort; "
          "a query that needs more answers 400 tooMany (filter on an indexed "
          "attribute, or page with a cursor and no sortBy)");
