#include "clients/audit/event_context.h"

#include "common/proto_util.h"
#include "common/request_metadata.h"

namespace scim::audit {

EventContext EventContextFromGrpc(const grpc::ServerContext& context) {
  return EventContextOf(CallMetadataOf(context));
}

EventContext EventContextOf(const CallMetadata& metadata) {
  return EventContext{metadata.actor, metadata.client_address, metadata.request_id};
}

v1::AuditEvent NewEvent(Clock& clock, RandomSource& random,
                        absl::string_view tenant, absl::string_view operation,
                        absl::string_view resource_type,
                        absl::string_view resource_id,
                        const EventContext& context) {
  v1::AuditEvent event;
  event.set_id(NewUuidV7(clock, random));
  event.set_tenant(std::string(tenant));
  *event.mutable_time() = ToTimestamp(clock.Now());
  event.set_actor(context.actor);
  event.set_client_address(context.client_address);
  event.set_request_id(context.request_id);
  event.set_operation(std::string(operation));
  event.set_resource_type(std::string(resource_type));
  event.set_resource_id(std::string(resource_id));
  event.set_outcome("success");
  return event;
}

}  // namespace scim::audit
