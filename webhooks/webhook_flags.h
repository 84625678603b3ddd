// The webhook flags (CONTRACT.md), shared by identity-service and scimd so
// that both read them alike.
#ifndef SCIM_WEBHOOKS_WEBHOOK_FLAGS_H_
#define SCIM_WEBHOOKS_WEBHOOK_FLAGS_H_

#include "absl/flags/declare.h"

// --allow_private_webhooks: let endpoints target loopback, private,
// link-local, CGNAT and unique-local addresses (tests, on-prem).
ABSL_DECLARE_FLAG(bool, allow_private_webhooks);
// --webhook_threads: concurrent deliveries (each endpoint has at most one).
ABSL_DECLARE_FLAG(int, webhook_threads);

#endif  // SCIM_WEBHOOKS_WEBHOOK_FLAGS_H_
