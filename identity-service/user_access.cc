#include "identity-service/user_access.h"

#include <algorithm>
#include <string>
#include <vector>

#include "common/status.h"
#include "identity-service/resource_types.h"

namespace scim::identity {

absl::Status ReadUserAccess(ResourceStore& store, absl::string_view tenant,
                            absl::string_view user_id, bool groups_as_roles,
                            v1::UserAccess* out) {
  if (user_id.empty()) return InvalidValue("user_id is required");
  const ResourceType& type = UserResourceType();
  // Only what the answer holds: `groups` (the reverse edges) is read only
  // when it is asked for.
  v1::Projection asked;
  for (const char* name : {"userName", "active", "roles", "entitlements"}) {
    asked.add_attributes(name);
  }
  if (groups_as_roles) asked.add_attributes("groups");
  v1::User user;
  RETURN_IF_ERROR(store.Get(type, tenant, user_id, &user,
                            store.ProjectionOf(type, asked).get()));

  out->Clear();
  out->set_user_id(user.id());
  out->set_user_name(user.user_name());
  out->set_active(!user.has_active() || user.active());
  out->mutable_roles()->Swap(user.mutable_roles());
  out->mutable_entitlements()->Swap(user.mutable_entitlements());
  out->set_groups_as_roles(groups_as_roles);
  for (const v1::ResourceReference& group : user.groups()) {
    v1::GroupRole* role = out->add_group_roles();
    role->set_group_id(group.value());
    role->set_display(group.display());
    role->set_direct(group.type() == "direct");
  }

  if (!out->active()) return absl::OkStatus();
  std::vector<std::string> names;
  for (const v1::MultiValuedAttribute& role : out->roles()) {
    if (!role.value().empty()) names.push_back(role.value());
  }
  for (const v1::GroupRole& role : out->group_roles()) {
    if (!role.display().empty()) names.push_back(role.display());
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (std::string& name : names) out->add_role_names(std::move(name));
  return absl::OkStatus();
}

}  // namespace scim::identity
