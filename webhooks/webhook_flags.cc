#include "webhooks/webhook_flags.h"

#include "absl/flags/flag.h"

ABSL_FLAG(bool, allow_private_webhooks, false,
          "let webhooks target loopback/private addresses (tests, on-prem)");
ABSL_FLAG(int, webhook_threads, 4,
          "webhook deliveries in flight at once (each endpoint has at most one)");
