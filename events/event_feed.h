// What readers of the numbered event log need: webhooks, the gRPC feed, and
// tests' fakes. Implemented by EventLog (event_log.h).
#ifndef SCIM_EVENTS_EVENT_FEED_H_
#define SCIM_EVENTS_EVENT_FEED_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scim/v1/events.pb.h"

namespace scim::events {

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

}  // namespace scim::events

#endif  // SCIM_EVENTS_EVENT_FEED_H_
