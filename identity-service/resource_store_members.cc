// ResourceStore's edge-backed attributes: members and groups read from the
// membership edges, and PATCH operations on a group's members.
#include "identity-service/resource_store.h"

#include <string>
#include <vector>

#include "common/status.h"
#include "identity-service/message_fields.h"
#include "scim/json_codec.h"

namespace scim::identity {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

absl::Status ResourceStore::ReadEdges(const ResourceType& type,
                                      absl::string_view tenant, Message* m,
                                      const Projection* projection) {
  const std::string id = GetString(*m, "id");
  const auto* r = m->GetReflection();
  for (const std::string* name : {&type.members_attribute, &type.groups_attribute}) {
    if (name->empty()) continue;
    const FieldDescriptor* f = Field(*m, *name);
    r->ClearField(m, f);
    if (projection != nullptr && !projection->Returns(f)) continue;
    ASSIGN_OR_RETURN(std::vector<v1::ResourceReference> refs,
                     name == &type.members_attribute
                         ? membership_.Members(tenant, id)
                         : membership_.GroupsOf(tenant, id));
    for (auto& ref : refs) {
      static_cast<v1::ResourceReference*>(r->AddMessage(m, f))->Swap(&ref);
    }
  }
  return absl::OkStatus();
}

absl::Status ResourceStore::PatchMembers(KvTransaction& txn,
                                         absl::string_view tenant,
                                         absl::string_view group,
                                         const ExternalPatch& patch,
                                         const Deadline& deadline,
                                         MemberChanges* changes) {
  RETURN_IF_ERROR(deadline.Check());
  std::vector<v1::ResourceReference> given;
  for (const Json& value : patch.values) {
    v1::ResourceReference ref;
    RETURN_IF_ERROR(DecodeResource(value, &ref));
    given.push_back(std::move(ref));
  }
  // The members a filter selects: by id when it only compares `value`,
  // else by testing every member. Read in `txn`: an earlier operation of the
  // same PATCH may have added some.
  std::vector<std::string> selected;
  if (patch.filter_values.has_value()) {
    selected = *patch.filter_values;
  } else if (patch.filter != nullptr) {
    ASSIGN_OR_RETURN(std::vector<v1::ResourceReference> all,
                     membership_.Members(txn, tenant, group));
    for (const auto& m : all) {
      if (MatchesElement(*patch.filter, m)) selected.push_back(m.value());
    }
  }
  if (patch.kind == PatchKind::kRemove) {
    if (patch.filter != nullptr) {
      return membership_.Remove(txn, tenant, group, selected, changes);
    }
    if (given.empty()) return membership_.Clear(txn, tenant, group, changes);
    // A value list removes only those members, never the whole list.
    std::vector<std::string> ids;
    for (const auto& ref : given) ids.push_back(ref.value());
    return membership_.Remove(txn, tenant, group, ids, changes);
  }
  if (patch.kind == PatchKind::kReplace) {
    RETURN_IF_ERROR(patch.filter != nullptr
                        ? membership_.Remove(txn, tenant, group, selected, changes)
                        : membership_.Clear(txn, tenant, group, changes));
  }
  ASSIGN_OR_RETURN(std::vector<Member> resolved,
                   membership_.Resolve(txn, tenant, group, given));
  return membership_.Add(txn, tenant, group, resolved, changes);
}

}  // namespace scim::identity
