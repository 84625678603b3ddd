// The User and Group resource types: keys, edges and tombstones per type.
#include "identity-service/resource_types.h"

#include "scim/resource_traits.h"

namespace scim::identity {
namespace {

// The names come from scim/resource_traits.h, so the store, the RPCs and the
// edge cannot disagree on them.
template <typename R>
ResourceType* NewResourceType() {
  using Traits = ResourceTraits<R>;
  auto* t = new ResourceType;
  t->name = Traits::kName;
  t->endpoint = Traits::kEndpoint;
  t->core_schema = Traits::kCoreSchema;
  t->descriptor = R::descriptor();
  return t;
}

}  // namespace

const ResourceType& UserResourceType() {
  static const ResourceType* type = [] {
    ResourceType* t = NewResourceType<v1::User>();
    // meta.lastModified: IdPs' incremental sync (`gt` the last run).
    t->indexed = {{"externalId", true},
                  {"emails.value", false},
                  {"displayName", false},
                  {"meta.lastModified", false}};
    t->groups_attribute = "groups";
    t->tombstones = true;
    t->active_attribute = "active";
    return t;
  }();
  return *type;
}

const ResourceType& GroupResourceType() {
  static const ResourceType* type = [] {
    ResourceType* t = NewResourceType<v1::Group>();
    t->indexed = {{"externalId", true}, {"meta.lastModified", false}};
    t->members_attribute = "members";
    return t;
  }();
  return *type;
}

}  // namespace scim::identity
