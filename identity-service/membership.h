// Group membership as edges (ARCHITECTURE.md), never as a list inside the
// group: a change costs O(changed members), a group read without `members`
// touches no edge, and User.groups is read from the reverse edges.
//
//   members          {tenant}/{group}/{member}  -> "{type}\n{display}"
//   members_reverse  {tenant}/{member}/{group}  -> ""
//
// Writes go through the caller's transaction, which holds the group's
// resource lock, so changes to one group serialize.
#ifndef SCIM_IDENTITY_SERVICE_MEMBERSHIP_H_
#define SCIM_IDENTITY_SERVICE_MEMBERSHIP_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scim/v1/resources.pb.h"
#include "storage/kv_store.h"

namespace scim::identity {

struct Member {
  std::string id;
  std::string type;  // "User" or "Group"
  std::string display;
};

// What one write did to a group's edges: the members it added and removed,
// net (a member removed and added back in the same write is neither), and
// whether it wrote any edge at all (a new display counts).
class MemberChanges {
 public:
  void Added(absl::string_view id);
  void Removed(absl::string_view id);
  void Touched() { any_ = true; }
  bool any() const { return any_; }
  // In id order.
  std::vector<std::string> added() const { return Net(true); }
  std::vector<std::string> removed() const { return Net(false); }

 private:
  std::vector<std::string> Net(bool added) const;
  bool any_ = false;
  absl::flat_hash_map<std::string, bool> net_;  // id -> added (else removed)
};

// The reference a group's `members` shows for `member`.
v1::ResourceReference ToReference(absl::string_view tenant, const Member& member);

class Membership {
 public:
  explicit Membership(KvStore* kv) : kv_(kv) {}

  // Looks up each referenced member of `group` (a User or Group of the
  // tenant, locked until commit). Unknown ids are one 400 invalidValue naming
  // them all; a group that would (indirectly) contain itself is a 400 too.
  absl::StatusOr<std::vector<Member>> Resolve(
      KvTransaction& txn, absl::string_view tenant, absl::string_view group,
      const std::vector<v1::ResourceReference>& refs) const;
  // Adds (or updates the display of) `members`, recording what it wrote in
  // `changes` (optional): adding a member already present with the same
  // display writes nothing, so that a no-op PATCH can be told apart.
  absl::Status Add(KvTransaction& txn, absl::string_view tenant,
                   absl::string_view group, const std::vector<Member>& members,
                   MemberChanges* changes = nullptr) const;
  // Absent members are skipped (a repeated removal is not an error, and is
  // no change).
  absl::Status Remove(KvTransaction& txn, absl::string_view tenant,
                      absl::string_view group,
                      const std::vector<std::string>& member_ids,
                      MemberChanges* changes = nullptr) const;
  // Removes every member of `group`, as `txn` sees them (members added
  // earlier in the same transaction included).
  absl::Status Clear(KvTransaction& txn, absl::string_view tenant,
                     absl::string_view group, MemberChanges* changes = nullptr) const;
  // Removes `member` from every group it is in (when it is deleted);
  // `groups` (optional) gets those groups, in id order.
  absl::Status Detach(KvTransaction& txn, absl::string_view tenant,
                      absl::string_view member,
                      std::vector<std::string>* groups = nullptr) const;

  // The direct members of `group` as `txn` sees them (its own writes
  // included), in id order.
  absl::StatusOr<std::vector<v1::ResourceReference>> Members(
      KvTransaction& txn, absl::string_view tenant, absl::string_view group) const;
  // The direct members of `group`, in id order.
  absl::StatusOr<std::vector<v1::ResourceReference>> Members(
      absl::string_view tenant, absl::string_view group) const;
  // The groups `member` is in directly, in id order.
  absl::StatusOr<std::vector<std::string>> DirectGroups(
      absl::string_view tenant, absl::string_view member) const;
  // User.groups: direct and indirect (through nested groups), each once,
  // with `type` "direct" or "indirect" and the group's displayName.
  absl::StatusOr<std::vector<v1::ResourceReference>> GroupsOf(
      absl::string_view tenant, absl::string_view member) const;

 private:
  KvStore* kv_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_MEMBERSHIP_H_
