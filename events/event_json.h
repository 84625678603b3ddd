// The JSON shape of an event (CONTRACT.md, "Events"): what `scimctl events
// tail` prints and what a webhook delivery carries.
#ifndef SCIM_EVENTS_EVENT_JSON_H_
#define SCIM_EVENTS_EVENT_JSON_H_

#include <string>

#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "scim/v1/events.pb.h"

namespace scim::events {

// RFC 3339 in UTC with milliseconds, e.g. 2026-12-01T22:10:00.123Z.
std::string Rfc3339(absl::Time time);

// The event as a JSON object: id, tenant, sequence (an integer), type,
// resourceType, resourceId, time, version (when set), memberId,
// changedAttributes, actor, requestId, deleteMode (when set) and, when the
// event carries it, the resource in its SCIM JSON form and resourceReadAt.
nlohmann::ordered_json EventJson(const v1::Event& event);

// EventJson on one line (a JSON-lines record).
std::string EventLine(const v1::Event& event);

// A webhook delivery's body (Standard Webhooks payload structure):
// {"type": ..., "timestamp": <the event's time>, "data": <EventJson>}.
std::string WebhookBody(const v1::Event& event);

}  // namespace scim::events

#endif  // SCIM_EVENTS_EVENT_JSON_H_
