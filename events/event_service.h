// EventService over gRPC: the feed (ListEvents, WatchEvents) and tenant
// lifecycle records, over an EventLog.
#ifndef SCIM_EVENTS_EVENT_SERVICE_H_
#define SCIM_EVENTS_EVENT_SERVICE_H_

#include <atomic>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "common/admin_token.h"
#include "common/clock.h"
#include "common/random.h"
#include "events/event_log.h"
#include "grpcpp/server_context.h"
#include "scim/v1/events.grpc.pb.h"

namespace scim::events {

struct EventServiceOptions {
  // ListEvents' default and largest page.
  int32_t default_limit = 100;
  int32_t max_limit = 1000;
  // Concurrent WatchEvents streams: each holds a server thread.
  int max_watchers = 1024;
  // How often a quiet stream checks that its caller is still there.
  absl::Duration watch_poll = absl::Seconds(1);
};

class EventServiceImpl final : public v1::EventService::Service {
 public:
  // `authorize` decides tenant access; `admin` says whether a call holds the
  // admin token (RecordTenantState). `reader` serves include_resource.
  EventServiceImpl(EventLog* log, ResourceReader reader, Clock* clock,
                   RandomSource* random, EventServiceOptions options = {});

  void EnableAuthorization(TenantAuthorizer authorize,
                           std::function<absl::Status(const grpc::ServerContext&)> admin) {
    authorize_ = std::move(authorize);
    admin_ = std::move(admin);
  }

  grpc::Status ListEvents(grpc::ServerContext* context,
                          const v1::ListEventsRequest* request,
                          v1::ListEventsResponse* response) override;
  grpc::Status WatchEvents(grpc::ServerContext* context,
                           const v1::WatchEventsRequest* request,
                           grpc::ServerWriter<v1::Event>* writer) override;
  grpc::Status RecordTenantState(grpc::ServerContext* context,
                                 const v1::RecordTenantStateRequest* request,
                                 v1::RecordTenantStateResponse* response) override;

 private:
  absl::Status Authorize(const grpc::ServerContext& context, const std::string& tenant);
  absl::Status CheckTypes(const google::protobuf::RepeatedPtrField<std::string>& types);

  EventLog* const log_;
  const ResourceReader reader_;
  Clock* const clock_;
  RandomSource* const random_;
  const EventServiceOptions options_;
  TenantAuthorizer authorize_;
  std::function<absl::Status(const grpc::ServerContext&)> admin_;
  std::atomic<int> watchers_{0};
};

}  // namespace scim::events

#endif  // SCIM_EVENTS_EVENT_SERVICE_H_
