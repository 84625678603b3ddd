// The directory events (events.proto) of one change of a resource, built
// from what the write knows, for any resource type: `{type}.created`,
// `.updated` (with the attributes changed), `.deactivated` / `.reactivated`
// (its `active` went false / true), `.deleted`, `.restored`, `.purged`, and
// one `group.member_added` / `group.member_removed` per member.
#ifndef SCIM_IDENTITY_SERVICE_CHANGE_EVENTS_H_
#define SCIM_IDENTITY_SERVICE_CHANGE_EVENTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "clients/audit/event_context.h"
#include "common/random.h"
#include "google/protobuf/message.h"
#include "identity-service/membership.h"
#include "identity-service/resource_types.h"
#include "scim/v1/events.pb.h"

namespace scim::identity {

struct ResourceChange {
  enum class Kind { kCreated, kUpdated, kRestored, kDeleted, kPurged };
  Kind kind = Kind::kUpdated;
  const ResourceType* type = nullptr;
  std::string tenant;
  std::string id;
  // The resource before and after (either may be null: created, deleted).
  const google::protobuf::Message* before = nullptr;
  const google::protobuf::Message* after = nullptr;
  // Attribute names the write changed (server_managed.h ChangedAttributes).
  std::vector<std::string> changed;
  // The edges of a group's members the write changed.
  const MemberChanges* members = nullptr;
  // On a delete: the groups the resource was removed from.
  std::vector<std::string> left_groups;
  bool soft = false;  // a delete that kept a tombstone
};

// A replace or patch of `before` into `after` (which brings back a
// tombstone when `from_tombstone`). Points into its arguments.
ResourceChange UpdateOf(const ResourceType& type, absl::string_view tenant,
                        absl::string_view id, bool from_tombstone,
                        const google::protobuf::Message& before,
                        const google::protobuf::Message& after,
                        std::vector<std::string> changed, const MemberChanges& members);

std::vector<v1::Event> ChangeEvents(const ResourceChange& change,
                                    const audit::EventContext& who, absl::Time now,
                                    UuidV7Generator& ids);

// One event with the common fields set (tenant events too).
v1::Event NewDirectoryEvent(absl::string_view tenant, absl::string_view type,
                            absl::string_view resource_type, absl::string_view resource_id,
                            const audit::EventContext& who, absl::Time now,
                            UuidV7Generator& ids);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_CHANGE_EVENTS_H_
