#include "events/event_json.h"

#include <memory>

#include "absl/strings/string_view.h"
#include "common/log.h"
#include "common/proto_util.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "scim/json_codec.h"

namespace scim::events {
namespace {

using Json = nlohmann::ordered_json;

// The resource packed in `any` as SCIM JSON; null when its type is not one
// this binary knows (a newer writer) or the bytes do not parse.
Json ResourceJson(const google::protobuf::Any& any) {
  const absl::string_view url = any.type_url();
  const size_t slash = url.rfind('/');
  const std::string name(slash == absl::string_view::npos ? url : url.substr(slash + 1));
  const google::protobuf::Descriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(name);
  if (descriptor == nullptr) {
    LogWarning("event resource of an unknown type", {{"type_url", std::string(url)}});
    return nullptr;
  }
  std::unique_ptr<google::protobuf::Message> message(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor)->New());
  if (!any.UnpackTo(message.get())) {
    LogWarning("event resource does not parse", {{"type_url", std::string(url)}});
    return nullptr;
  }
  return EncodeResource(*message);
}

}  // namespace

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

Json EventJson(const v1::Event& event) {
  Json out = Json::object();
  out["id"] = event.id();
  out["tenant"] = event.tenant();
  out["sequence"] = event.sequence();
  out["type"] = event.type();
  out["resourceType"] = event.resource_type();
  out["resourceId"] = event.resource_id();
  out["time"] = Rfc3339(FromTimestamp(event.time()));
  if (!event.version().empty()) out["version"] = event.version();
  if (!event.member_id().empty()) out["memberId"] = event.member_id();
  if (event.changed_attributes_size() > 0) {
    Json changed = Json::array();
    for (const std::string& name : event.changed_attributes()) changed.push_back(name);
    out["changedAttributes"] = std::move(changed);
  }
  out["actor"] = event.actor();
  out["requestId"] = event.request_id();
  if (!event.delete_mode().empty()) out["deleteMode"] = event.delete_mode();
  if (event.has_resource()) {
    out["resource"] = ResourceJson(event.resource());
    out["resourceReadAt"] = Rfc3339(FromTimestamp(event.resource_read_at()));
  }
  return out;
}

std::string EventLine(const v1::Event& event) {
  // Replacement, not an exception, for invalid UTF-8 in stored strings.
  return EventJson(event).dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string WebhookBody(const v1::Event& event) {
  Json body = Json::object();
  body["type"] = event.type();
  body["timestamp"] = Rfc3339(FromTimestamp(event.time()));
  body["data"] = EventJson(event);
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace scim::events
