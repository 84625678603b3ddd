#include "audit-service/audit_flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(absl::Duration, audit_retention, absl::ZeroDuration(),
          "drop audit events older than this (e.g. 8760h), leaving signed "
          "checkpoints; 0 keeps everything");
