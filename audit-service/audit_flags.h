// The flags of audit-service's own behaviour, shared by the audit-service
// binary and scimd so that both read them alike.
#ifndef SCIM_AUDIT_SERVICE_AUDIT_FLAGS_H_
#define SCIM_AUDIT_SERVICE_AUDIT_FLAGS_H_

#include "absl/flags/declare.h"
#include "absl/time/time.h"

ABSL_DECLARE_FLAG(absl::Duration, audit_retention);

#endif  // SCIM_AUDIT_SERVICE_AUDIT_FLAGS_H_
