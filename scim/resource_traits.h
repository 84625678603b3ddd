// The one place that knows the SCIM resource types: per type, its names and
// the IdentityService messages and client-stub RPCs that carry it, so that
// the edge and identity-service write each RPC once, as a template.
#ifndef SCIM_SCIM_RESOURCE_TRAITS_H_
#define SCIM_SCIM_RESOURCE_TRAITS_H_

#include "scim/v1/identity.grpc.pb.h"
#include "scim/v1/identity.pb.h"
#include "scim/v1/resources.pb.h"

namespace scim {

// Specialised for every resource type; an unknown type does not compile.
template <typename R>
struct ResourceTraits;

template <>
struct ResourceTraits<v1::User> {
  using Resource = v1::User;
  using CreateRequest = v1::CreateUserRequest;
  using GetRequest = v1::GetUserRequest;
  using ReplaceRequest = v1::ReplaceUserRequest;
  using DeleteRequest = v1::DeleteUserRequest;
  using ListRequest = v1::ListUsersRequest;
  using ListResponse = v1::ListUsersResponse;
  using Stub = v1::IdentityService::StubInterface;

  static constexpr char kName[] = "User";        // meta.resourceType
  static constexpr char kEndpoint[] = "Users";   // URL path segment
  static constexpr char kCoreSchema[] = "urn:ietf:params:scim:schemas:core:2.0:User";
  // A PATCH asking for no attributes answers 200 with the user: Okta reads
  // the result (RFC 7644 §3.5.2 allows 200 or 204).
  static constexpr bool kPatchAnswersNoContent = false;

  // The resource inside a create or replace request.
  template <typename Request>
  static const v1::User& Of(const Request& request) { return request.user(); }
  template <typename Request>
  static v1::User* MutableOf(Request* request) { return request->mutable_user(); }

  static constexpr auto kCreate = &Stub::CreateUser;
  static constexpr auto kGet = &Stub::GetUser;
  static constexpr auto kReplace = &Stub::ReplaceUser;
  static constexpr auto kPatch = &Stub::PatchUser;
  static constexpr auto kDelete = &Stub::DeleteUser;
  static constexpr auto kList = &Stub::ListUsers;
};

template <>
struct ResourceTraits<v1::Group> {
  using Resource = v1::Group;
  using CreateRequest = v1::CreateGroupRequest;
  using GetRequest = v1::GetGroupRequest;
  using ReplaceRequest = v1::ReplaceGroupRequest;
  using DeleteRequest = v1::DeleteGroupRequest;
  using ListRequest = v1::ListGroupsRequest;
  using ListResponse = v1::ListGroupsResponse;
  using Stub = v1::IdentityService::StubInterface;

  static constexpr char kName[] = "Group";
  static constexpr char kEndpoint[] = "Groups";
  static constexpr char kCoreSchema[] = "urn:ietf:params:scim:schemas:core:2.0:Group";
  // A PATCH asking for no attributes answers 204 No Content, as Entra
  // expects: a membership change then costs O(changed members), never a read
  // of every member (RFC 7644 §3.5.2 allows 200 or 204).
  static constexpr bool kPatchAnswersNoContent = true;

  template <typename Request>
  static const v1::Group& Of(const Request& request) { return request.group(); }
  template <typename Request>
  static v1::Group* MutableOf(Request* request) { return request->mutable_group(); }

  static constexpr auto kCreate = &Stub::CreateGroup;
  static constexpr auto kGet = &Stub::GetGroup;
  static constexpr auto kReplace = &Stub::ReplaceGroup;
  static constexpr auto kPatch = &Stub::PatchGroup;
  static constexpr auto kDelete = &Stub::DeleteGroup;
  static constexpr auto kList = &Stub::ListGroups;
};

}  // namespace scim

#endif  // SCIM_SCIM_RESOURCE_TRAITS_H_
