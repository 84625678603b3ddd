// Group membership as edges: resolving, adding, removing and reading them.
#include "identity-service/membership.h"

#include <algorithm>
#include <deque>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "identity-service/keys.h"
#include "scim/resource_traits.h"

namespace scim::identity {
namespace {

constexpr const char* kUser = ResourceTraits<v1::User>::kName;
constexpr const char* kGroup = ResourceTraits<v1::Group>::kName;

std::string EdgePrefix(absl::string_view tenant, absl::string_view from) {
  return absl::StrCat(tenant, "/", from, "/");
}

// Users and Groups live at /Users and /Groups.
std::string Location(absl::string_view tenant, absl::string_view type,
                     absl::string_view id) {
  return ResourceLocation(tenant, absl::StrCat(type, "s"), id);
}

// The ids under `{tenant}/{from}/` of one edge column family, read from a
// KvStore (committed edges) or a KvTransaction (its own writes included).
template <typename Source>
absl::StatusOr<std::vector<std::string>> Neighbours(Source& source, const char* cf,
                                                    absl::string_view tenant,
                                                    absl::string_view from) {
  const std::string prefix = EdgePrefix(tenant, from);
  std::vector<std::string> ids;
  RETURN_IF_ERROR(source.Scan(cf, prefix, "", [&](absl::string_view key, absl::string_view) {
    ids.emplace_back(key.substr(prefix.size()));
    return true;
  }));
  return ids;
}

// The members under `prefix` (see Neighbours), as references.
template <typename Source>
absl::StatusOr<std::vector<v1::ResourceReference>> MembersOf(
    Source& source, absl::string_view tenant, absl::string_view group) {
  const std::string prefix = EdgePrefix(tenant, group);
  std::vector<v1::ResourceReference> out;
  RETURN_IF_ERROR(source.Scan(kMembersCf, prefix, "",
                              [&](absl::string_view key, absl::string_view value) {
    Member m;
    m.id = std::string(key.substr(prefix.size()));
    const size_t nl = value.find('\n');
    m.type = std::string(value.substr(0, nl));
    if (nl != absl::string_view::npos) m.display = std::string(value.substr(nl + 1));
    out.push_back(ToReference(tenant, m));
    return true;
  }));
  return out;
}

}  // namespace

v1::ResourceReference ToReference(absl::string_view tenant, const Member& member) {
  v1::ResourceReference ref;
  ref.set_value(member.id);
  ref.set_type(member.type);
  if (!member.display.empty()) ref.set_display(member.display);
  ref.set_ref(Location(tenant, member.type, member.id));
  return ref;
}

absl::StatusOr<std::vector<Member>> Membership::Resolve(
    KvTransaction& txn, absl::string_view tenant, absl::string_view group,
    const std::vector<v1::ResourceReference>& refs) const {
  std::vector<Member> out;
  std::vector<std::string> unknown;
  std::optional<absl::flat_hash_set<std::string>> ancestors;
  absl::flat_hash_set<std::string> seen;
  for (const v1::ResourceReference& ref : refs) {
    if (ref.value().empty()) {
      return InvalidValue("every member needs a \"value\" (the member's id)");
    }
    if (!seen.insert(ref.value()).second) continue;
    // A declared type is only a hint; the id decides.
    std::vector<const char*> types = {kUser, kGroup};
    if (absl::EqualsIgnoreCase(ref.type(), kGroup)) std::swap(types[0], types[1]);
    Member member;
    for (const char* type : types) {
      ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                       txn.GetForUpdate(kResourcesCf,
                                        ResourceKey(tenant, type, ref.value())));
      if (!bytes.has_value()) continue;
      member.id = ref.value();
      member.type = type;
      if (type == kUser) {
        v1::User user;
        user.ParseFromString(*bytes);
        member.display = user.has_display_name() ? user.display_name() : user.user_name();
      } else {
        v1::Group g;
        g.ParseFromString(*bytes);
        member.display = g.display_name();
      }
      break;
    }
    if (member.id.empty()) {
      unknown.push_back(ref.value());
      continue;
    }
    if (ref.has_display() && !ref.display().empty()) member.display = ref.display();
    if (member.type == kGroup) {
      if (!ancestors.has_value()) {
        // The group and every group above it: none may become its member.
        ancestors.emplace();
        std::deque<std::string> queue = {std::string(group)};
        ancestors->insert(std::string(group));
        while (!queue.empty()) {
          ASSIGN_OR_RETURN(std::vector<std::string> parents,
                           Neighbours(txn, kMembersReverseCf, tenant, queue.front()));
          queue.pop_front();
          for (auto& p : parents) {
            if (ancestors->insert(p).second) queue.push_back(std::move(p));
          }
        }
      }
      if (ancestors->contains(member.id)) {
        return InvalidValue(absl::StrCat(
            "group ", member.id, " cannot be a member of group ", group,
            ": it would contain itself"));
      }
    }
    out.push_back(std::move(member));
  }
  if (!unknown.empty()) {
    return InvalidValue(absl::StrCat("unknown member id",
                                     unknown.size() > 1 ? "s" : "", ": ",
                                     absl::StrJoin(unknown, ", ")));
  }
  return out;
}

void MemberChanges::Added(absl::string_view id) {
  any_ = true;
  auto [it, inserted] = net_.try_emplace(id, true);
  if (!inserted && !it->second) net_.erase(it);  // removed, then back
}

void MemberChanges::Removed(absl::string_view id) {
  any_ = true;
  auto [it, inserted] = net_.try_emplace(id, false);
  if (!inserted && it->second) net_.erase(it);  // added, then removed
}

std::vector<std::string> MemberChanges::Net(bool added) const {
  std::vector<std::string> out;
  for (const auto& [id, was_added] : net_) {
    if (was_added == added) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

absl::Status Membership::Add(KvTransaction& txn, absl::string_view tenant,
                             absl::string_view group,
                             const std::vector<Member>& members,
                             MemberChanges* changes) const {
  for (const Member& m : members) {
    const std::string key = EdgePrefix(tenant, group) + m.id;
    const std::string value = absl::StrCat(m.type, "\n", m.display);
    ASSIGN_OR_RETURN(std::optional<std::string> current,
                     txn.GetForUpdate(kMembersCf, key));
    if (current == value) continue;
    RETURN_IF_ERROR(txn.Put(kMembersCf, key, value));
    RETURN_IF_ERROR(txn.Put(kMembersReverseCf, EdgePrefix(tenant, m.id) + std::string(group), ""));
    if (changes != nullptr) {
      if (current.has_value()) {
        changes->Touched();  // only its display changed
      } else {
        changes->Added(m.id);
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Membership::Remove(KvTransaction& txn, absl::string_view tenant,
                                absl::string_view group,
                                const std::vector<std::string>& member_ids,
                                MemberChanges* changes) const {
  for (const std::string& id : member_ids) {
    const std::string key = EdgePrefix(tenant, group) + id;
    ASSIGN_OR_RETURN(std::optional<std::string> current,
                     txn.GetForUpdate(kMembersCf, key));
    if (!current.has_value()) continue;
    RETURN_IF_ERROR(txn.Delete(kMembersCf, key));
    RETURN_IF_ERROR(txn.Delete(kMembersReverseCf, EdgePrefix(tenant, id) + std::string(group)));
    if (changes != nullptr) changes->Removed(id);
  }
  return absl::OkStatus();
}

absl::Status Membership::Clear(KvTransaction& txn, absl::string_view tenant,
                               absl::string_view group, MemberChanges* changes) const {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   Neighbours(txn, kMembersCf, tenant, group));
  return Remove(txn, tenant, group, ids, changes);
}

absl::Status Membership::Detach(KvTransaction& txn, absl::string_view tenant,
                                absl::string_view member,
                                std::vector<std::string>* groups_out) const {
  ASSIGN_OR_RETURN(std::vector<std::string> groups,
                   Neighbours(txn, kMembersReverseCf, tenant, member));
  for (const std::string& g : groups) {
    RETURN_IF_ERROR(Remove(txn, tenant, g, {std::string(member)}));
  }
  if (groups_out != nullptr) *groups_out = std::move(groups);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::ResourceReference>> Membership::Members(
    absl::string_view tenant, absl::string_view group) const {
  return MembersOf(*kv_, tenant, group);
}

absl::StatusOr<std::vector<v1::ResourceReference>> Membership::Members(
    KvTransaction& txn, absl::string_view tenant, absl::string_view group) const {
  return MembersOf(txn, tenant, group);
}

absl::StatusOr<std::vector<std::string>> Membership::DirectGroups(
    absl::string_view tenant, absl::string_view member) const {
  return Neighbours(*kv_, kMembersReverseCf, tenant, member);
}

absl::StatusOr<std::vector<v1::ResourceReference>> Membership::GroupsOf(
    absl::string_view tenant, absl::string_view member) const {
  std::vector<v1::ResourceReference> out;
  absl::flat_hash_set<std::string> seen = {std::string(member)};
  std::deque<std::pair<std::string, bool>> queue;  // group, direct
  ASSIGN_OR_RETURN(std::vector<std::string> direct, DirectGroups(tenant, member));
  for (auto& g : direct) {
    seen.insert(g);
    queue.emplace_back(std::move(g), true);
  }
  while (!queue.empty()) {
    auto [group, is_direct] = std::move(queue.front());
    queue.pop_front();
    ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                     kv_->Get(kResourcesCf, ResourceKey(tenant, kGroup, group)));
    if (!bytes.has_value()) continue;
    v1::Group g;
    g.ParseFromString(*bytes);
    v1::ResourceReference& ref = out.emplace_back();
    ref.set_value(group);
    ref.set_ref(Location(tenant, kGroup, group));
    ref.set_display(g.display_name());
    ref.set_type(is_direct ? "direct" : "indirect");
    ASSIGN_OR_RETURN(std::vector<std::string> parents, DirectGroups(tenant, group));
    for (auto& p : parents) {
      if (seen.insert(p).second) queue.emplace_back(std::move(p), false);
    }
  }
  return out;
}

}  // namespace scim::identity
