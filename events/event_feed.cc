#include "events/event_feed.h"

#include <algorithm>

#include "common/proto_util.h"

namespace scim::events {

bool Matches(const TypeFilter& types, absl::string_view type) {
  return types.empty() || std::find(types.begin(), types.end(), type) != types.end();
}

absl::Status AttachResource(const ResourceReader& reader, absl::Time now,
                            v1::Event* event) {
  auto resource = reader(event->tenant(), event->resource_type(), event->resource_id());
  if (!resource.ok()) return resource.status();
  if (resource->has_value()) {
    *event->mutable_resource() = std::move(**resource);
    *event->mutable_resource_read_at() = ToTimestamp(now);
  } else {
    event->clear_resource();
    event->clear_resource_read_at();
  }
  return absl::OkStatus();
}

}  // namespace scim::events
