#include "events/event_feed.h"

#include <algorithm>

#include "common/proto_util.h"

namespace scim::events {

const std::vector<std::string>& EventTypes() {
  static const auto* types = new std::vector<std::string>{
      "user.created",       "user.updated",        "user.deactivated",
      "user.reactivated",   "user.deleted",        "user.restored",
      "user.purged",        "group.created",       "group.updated",
      "group.deleted",      "group.member_added",  "group.member_removed",
      "tenant.enabled",     "tenant.disabled",     "tenant.deleted"};
  return *types;
}

bool Matches(const TypeFilter& types, absl::string_view type) {
  return types.empty() || std::find(types.begin(), types.end(), type) != types.end();
}

absl::Status AttachResource(const ResourceReader& reader, absl::Time now,
                            v1::Event* event) {
  event->clear_resource();
  event->clear_resource_read_at();
  // Tenant events are about no resource a reader could return.
  if (event->resource_type().empty() || event->resource_id().empty() ||
      event->resource_type() == "Tenant") {
    return absl::OkStatus();
  }
  auto resource = reader(event->tenant(), event->resource_type(), event->resource_id());
  if (!resource.ok()) return resource.status();
  if (resource->has_value()) {
    *event->mutable_resource() = std::move(**resource);
    *event->mutable_resource_read_at() = ToTimestamp(now);
  }
  return absl::OkStatus();
}

}  // namespace scim::events
