#include "identity-service/identity_flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(absl::Duration, tombstone_retention, absl::Hours(24 * 30),
          "tenants with delete_mode=soft: how long a deleted user is kept "
          "(readable over gRPC, reactivatable) before it is purged");
