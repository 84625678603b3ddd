#include "identity-service/change_events.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "identity-service/message_fields.h"

namespace scim::identity {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// `active` as SCIM reads it: unassigned is active; a type without the
// attribute has no such state.
std::optional<bool> Active(const ResourceType& type, const Message* m) {
  if (m == nullptr || type.active_attribute.empty()) return std::nullopt;
  const FieldDescriptor* f = Field(*m, type.active_attribute);
  if (f == nullptr || f->type() != FieldDescriptor::TYPE_BOOL) return std::nullopt;
  const auto* r = m->GetReflection();
  return !r->HasField(*m, f) || r->GetBool(*m, f);
}

}  // namespace

v1::Event NewDirectoryEvent(absl::string_view tenant, absl::string_view type,
                            absl::string_view resource_type, absl::string_view resource_id,
                            const audit::EventContext& who, absl::Time now,
                            UuidV7Generator& ids) {
  v1::Event e;
  e.set_id(ids.Next());
  e.set_tenant(std::string(tenant));
  e.set_type(std::string(type));
  e.set_resource_type(std::string(resource_type));
  e.set_resource_id(std::string(resource_id));
  *e.mutable_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
  e.set_actor(who.actor);
  e.set_request_id(who.request_id);
  return e;
}

ResourceChange UpdateOf(const ResourceType& type, absl::string_view tenant,
                        absl::string_view id, bool from_tombstone, const Message& before,
                        const Message& after, std::vector<std::string> changed,
                        const MemberChanges& members) {
  ResourceChange change{from_tombstone ? ResourceChange::Kind::kRestored
                                       : ResourceChange::Kind::kUpdated,
                        &type, std::string(tenant), std::string(id)};
  change.before = &before;
  change.after = &after;
  change.changed = std::move(changed);
  change.members = &members;
  return change;
}

std::vector<v1::Event> ChangeEvents(const ResourceChange& change,
                                    const audit::EventContext& who, absl::Time now,
                                    UuidV7Generator& ids) {
  using Kind = ResourceChange::Kind;
  const ResourceType& type = *change.type;
  const std::string prefix = absl::AsciiStrToLower(type.name);
  const Message* current = change.after != nullptr ? change.after : change.before;
  const std::string version = current != nullptr ? GetMeta(*current).version() : "";
  std::vector<v1::Event> out;
  auto add = [&](absl::string_view suffix) -> v1::Event& {
    v1::Event& e = out.emplace_back(NewDirectoryEvent(
        change.tenant, absl::StrCat(prefix, ".", suffix), type.name, change.id, who, now, ids));
    e.set_version(version);
    return e;
  };
  switch (change.kind) {
    case Kind::kCreated:
      add("created");
      break;
    case Kind::kRestored:
      add("restored");
      break;
    case Kind::kPurged:
      add("purged");
      break;
    case Kind::kDeleted: {
      v1::Event& e = add("deleted");
      if (type.tombstones) e.set_delete_mode(change.soft ? "soft" : "hard");
      break;
    }
    case Kind::kUpdated: {
      std::vector<std::string> changed = change.changed;
      const std::optional<bool> was = Active(type, change.before),
                                is = Active(type, change.after);
      const bool active_changed = was.has_value() && is.has_value() && *was != *is;
      // `active` is reported as a state change, or not at all when only its
      // form changed (true <-> unassigned).
      changed.erase(std::remove_if(changed.begin(), changed.end(),
                                   [&](const std::string& name) {
                                     return name == type.members_attribute ||
                                            (was.has_value() && name == type.active_attribute);
                                   }),
                    changed.end());
      if (active_changed) add(*is ? "reactivated" : "deactivated");
      if (!changed.empty()) {
        v1::Event& e = add("updated");
        for (auto& name : changed) e.add_changed_attributes(std::move(name));
      }
      break;
    }
  }
  // Membership: one event per member, about the group.
  if (change.members != nullptr) {
    for (const std::string& member : change.members->added()) {
      add("member_added").set_member_id(member);
    }
    for (const std::string& member : change.members->removed()) {
      add("member_removed").set_member_id(member);
    }
  }
  for (const std::string& group : change.left_groups) {
    v1::Event& e = out.emplace_back(NewDirectoryEvent(
        change.tenant, "group.member_removed", "Group", group, who, now, ids));
    e.set_member_id(change.id);
  }
  return out;
}

}  // namespace scim::identity
