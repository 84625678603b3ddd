// What readers of the numbered event log need: webhooks, the gRPC feed, and
// tests' fakes. Implemented by EventLog (event_log.h).
#ifndef SCIM_EVENTS_EVENT_FEED_H_
#define SCIM_EVENTS_EVENT_FEED_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/any.pb.h"
#include "scim/v1/events.pb.h"

namespace scim::events {

// Every event type (events.proto's Event.type), in that order.
const std::vector<std::string>& EventTypes();

// Event types a reader wants; empty = all.
using TypeFilter = std::vector<std::string>;
bool Matches(const TypeFilter& types, absl::string_view type);

struct FeedPage {
  std::vector<v1::Event> events;
  // The last sequence examined (>= the last event's): where to continue.
  uint64_t next_after = 0;
  // The tenant's oldest retained and newest sequence; 0 when it has none.
  uint64_t oldest = 0;
  uint64_t latest = 0;
};

class EventFeed {
 public:
  virtual ~EventFeed() = default;
  // Up to `limit` events of `tenant` with sequence > `after` whose type
  // matches, oldest first, examining a bounded number of events.
  // OUT_OF_RANGE when events after `after` were already dropped by the
  // retention (the message names the oldest sequence kept).
  virtual absl::StatusOr<FeedPage> Read(absl::string_view tenant, uint64_t after,
                                        size_t limit, const TypeFilter& types) = 0;
  // `listener(tenant, latest)` runs (on the numbering thread: keep it
  // short, never block) each time new events of `tenant` are numbered, up
  // to `latest`. Returns an id for RemoveListener.
  using Listener = std::function<void(const std::string& tenant, uint64_t latest)>;
  virtual int AddListener(Listener listener) = 0;
  virtual void RemoveListener(int id) = 0;
};

// Reads a resource as it is now, for readers that ask events to carry it:
// nullopt when it no longer exists.
using ResourceReader = std::function<absl::StatusOr<std::optional<google::protobuf::Any>>(
    absl::string_view tenant, absl::string_view resource_type, absl::string_view id)>;

// Sets event.resource and event.resource_read_at from `reader` (`now`);
// leaves them unset when the resource is gone.
absl::Status AttachResource(const ResourceReader& reader, absl::Time now,
                            v1::Event* event);

}  // namespace scim::events

#endif  // SCIM_EVENTS_EVENT_FEED_H_
