// Who asked for a change, and the audit event that records it: what every
// mutating service puts in its outbox.
#ifndef SCIM_CLIENTS_AUDIT_EVENT_CONTEXT_H_
#define SCIM_CLIENTS_AUDIT_EVENT_CONTEXT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "common/random.h"
#include "common/request_metadata.h"
#include "grpcpp/server_context.h"
#include "scim/v1/audit.pb.h"

namespace scim::audit {

// Who is asking, for the audit trail.
struct EventContext {
  std::string actor;
  std::string client_address;
  std::string request_id;
};

// From the metadata the edge (or any internal caller) sends.
EventContext EventContextFromGrpc(const grpc::ServerContext& context);
// The same from a call's metadata as a value (an in-process caller's too).
EventContext EventContextOf(const CallMetadata& metadata);

// A new event with a time-ordered id and outcome "success".
v1::AuditEvent NewEvent(Clock& clock, RandomSource& random,
                        absl::string_view tenant, absl::string_view operation,
                        absl::string_view resource_type,
                        absl::string_view resource_id,
                        const EventContext& context);

}  // namespace scim::audit

#endif  // SCIM_CLIENTS_AUDIT_EVENT_CONTEXT_H_
