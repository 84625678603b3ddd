#include "events/event_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "google/protobuf/util/time_util.h"

namespace scim::events {
namespace {

// Limits on what a caller may ask for: a filter is a few types, not a list
// to loop over per event.
constexpr int kMaxTypes = 32;

TypeFilter FilterOf(const google::protobuf::RepeatedPtrField<std::string>& types) {
  return TypeFilter(types.begin(), types.end());
}

}  // namespace

EventServiceImpl::EventServiceImpl(EventLog* log, ResourceReader reader, Clock* clock,
                                   RandomSource* random, EventServiceOptions options)
    : log_(log),
      reader_(std::move(reader)),
      clock_(clock),
      random_(random),
      options_(options) {}

absl::Status EventServiceImpl::Authorize(const grpc::ServerContext& context,
                                         const std::string& tenant) {
  if (tenant.empty()) return InvalidValue("tenant is required");
  if (!authorize_) {
    return ScimError(absl::StatusCode::kUnavailable, "", "authorization is not configured");
  }
  return authorize_(context, tenant);
}

absl::Status EventServiceImpl::CheckTypes(
    const google::protobuf::RepeatedPtrField<std::string>& types) {
  if (types.size() > kMaxTypes) {
    return InvalidValue(absl::StrCat("at most ", kMaxTypes, " event types"));
  }
  for (const std::string& t : types) {
    if (!Matches(EventTypes(), t) || t.empty()) {
      return InvalidValue(absl::StrCat("unknown event type \"", t.substr(0, 64), "\""));
    }
  }
  return absl::OkStatus();
}

grpc::Status EventServiceImpl::ListEvents(grpc::ServerContext* context,
                                          const v1::ListEventsRequest* request,
                                          v1::ListEventsResponse* response) {
  absl::Status s = Authorize(*context, request->tenant());
  if (s.ok()) s = CheckTypes(request->types());
  if (!s.ok()) return ToGrpcStatus(s);
  if (request->limit() < 0) {
    return ToGrpcStatus(InvalidValue("limit must not be negative"));
  }
  const int32_t limit = request->limit() == 0
                            ? options_.default_limit
                            : std::min(request->limit(), options_.max_limit);
  absl::StatusOr<FeedPage> page =
      log_->Read(request->tenant(), request->after(), limit, FilterOf(request->types()));
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (v1::Event& e : page->events) {
    if (request->include_resource()) {
      if (absl::Status a = AttachResource(reader_, clock_->Now(), &e); !a.ok()) {
        return ToGrpcStatus(a);
      }
    }
    *response->add_events() = std::move(e);
  }
  response->set_next_after(page->next_after);
  response->set_oldest_sequence(page->oldest);
  response->set_latest_sequence(page->latest);
  return grpc::Status::OK;
}

grpc::Status EventServiceImpl::WatchEvents(grpc::ServerContext* context,
                                           const v1::WatchEventsRequest* request,
                                           grpc::ServerWriter<v1::Event>* writer) {
  absl::Status s = Authorize(*context, request->tenant());
  if (s.ok()) s = CheckTypes(request->types());
  if (!s.ok()) return ToGrpcStatus(s);
  if (watchers_.fetch_add(1) >= options_.max_watchers) {
    watchers_.fetch_sub(1);
    return ToGrpcStatus(ScimError(absl::StatusCode::kResourceExhausted, "",
                                  "too many event streams; try again later"));
  }
  struct Release {
    std::atomic<int>* n;
    ~Release() { n->fetch_sub(1); }
  } release{&watchers_};
  const TypeFilter types = FilterOf(request->types());
  uint64_t cursor = request->after();
  while (!context->IsCancelled()) {
    absl::StatusOr<FeedPage> page =
        log_->Read(request->tenant(), cursor, options_.max_limit, types);
    if (!page.ok()) return ToGrpcStatus(page.status());
    for (v1::Event& e : page->events) {
      if (request->include_resource()) {
        if (absl::Status a = AttachResource(reader_, clock_->Now(), &e); !a.ok()) {
          return ToGrpcStatus(a);
        }
      }
      if (!writer->Write(e)) return grpc::Status::CANCELLED;
    }
    const bool advanced = page->next_after != cursor;
    cursor = page->next_after;
    if (!advanced) log_->AwaitNewer(request->tenant(), cursor, options_.watch_poll);
  }
  return grpc::Status::CANCELLED;
}

grpc::Status EventServiceImpl::RecordTenantState(grpc::ServerContext* context,
                                                 const v1::RecordTenantStateRequest* request,
                                                 v1::RecordTenantStateResponse* response) {
  if (request->tenant().empty()) return ToGrpcStatus(InvalidValue("tenant is required"));
  absl::Status s = admin_ ? admin_(*context)
                          : ScimError(absl::StatusCode::kUnavailable, "",
                                      "authorization is not configured");
  if (!s.ok()) return ToGrpcStatus(s);
  v1::Event event;
  event.set_id(NewUuidV7(*clock_, *random_));
  event.set_tenant(request->tenant());
  event.set_type(request->disabled() ? "tenant.disabled" : "tenant.enabled");
  event.set_resource_type("Tenant");
  event.set_resource_id(request->tenant());
  *event.mutable_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(clock_->Now()));
  event.set_actor("admin");
  absl::StatusOr<bool> recorded =
      log_->RecordTenantState(request->tenant(), request->disabled(), event);
  if (!recorded.ok()) return ToGrpcStatus(recorded.status());
  response->set_recorded(*recorded);
  return grpc::Status::OK;
}

}  // namespace scim::events
