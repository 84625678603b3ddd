#include "edge/resource_rpcs.h"

namespace scim::edge {
namespace {

using google::protobuf::Message;
using Stub = v1::IdentityService::StubInterface;

template <typename Response>
void ToPage(Response& response, ListPage* out) {
  out->total_results = response.total_results();
  out->start_index = response.start_index();
  out->items_per_page = response.items_per_page();
  out->next_cursor = response.next_cursor();
  out->previous_cursor = response.previous_cursor();
  for (auto& r : *response.mutable_resources()) {
    auto m = std::make_unique<std::decay_t<decltype(r)>>();
    m->Swap(&r);
    out->resources.push_back(std::move(m));
  }
}

class Users final : public ResourceRpcs {
 public:
  explicit Users(std::shared_ptr<Stub> stub) : stub_(std::move(stub)) {}
  const char* endpoint() const override { return "Users"; }
  std::unique_ptr<Message> New() const override {
    return std::make_unique<v1::User>();
  }
  grpc::Status Create(grpc::ClientContext* c, const std::string& tenant,
                      const Message& resource, const v1::Projection& projection,
                      Message* out) override {
    v1::CreateUserRequest r;
    r.set_tenant(tenant);
    r.mutable_user()->CopyFrom(resource);
    *r.mutable_projection() = projection;
    return stub_->CreateUser(c, r, static_cast<v1::User*>(out));
  }
  grpc::Status Get(grpc::ClientContext* c, const std::string& tenant,
                   const std::string& id, const v1::Projection& projection,
                   Message* out) override {
    v1::GetUserRequest r;
    r.set_tenant(tenant);
    r.set_id(id);
    *r.mutable_projection() = projection;
    return stub_->GetUser(c, r, static_cast<v1::User*>(out));
  }
  grpc::Status Replace(grpc::ClientContext* c, const std::string& tenant,
                       const std::string& id, const std::string& if_match,
                       const Message& resource, const v1::Projection& projection,
                       Message* out) override {
    v1::ReplaceUserRequest r;
    r.set_tenant(tenant);
    r.set_id(id);
    r.set_if_match(if_match);
    r.mutable_user()->CopyFrom(resource);
    *r.mutable_projection() = projection;
    return stub_->ReplaceUser(c, r, static_cast<v1::User*>(out));
  }
  grpc::Status Patch(grpc::ClientContext* c, const v1::PatchRequest& r,
                     Message* out) override {
    return stub_->PatchUser(c, r, static_cast<v1::User*>(out));
  }
  grpc::Status Delete(grpc::ClientContext* c, const std::string& tenant,
                      const std::string& id, const std::string& if_match) override {
    v1::DeleteUserRequest r;
    r.set_tenant(tenant);
    r.set_id(id);
    r.set_if_match(if_match);
    google::protobuf::Empty empty;
    return stub_->DeleteUser(c, r, &empty);
  }
  grpc::Status List(grpc::ClientContext* c, const std::string& tenant,
                    const v1::ListRequest& query, ListPage* out) override {
    v1::ListUsersRequest r;
    r.set_tenant(tenant);
    *r.mutable_query() = query;
    v1::ListUsersResponse response;
    grpc::Status s = stub_->ListUsers(c, r, &response);
    if (s.ok()) ToPage(response, out);
    return s;
  }

 private:
  std::shared_ptr<Stub> stub_;
};

class Groups final : public ResourceRpcs {
 public:
  explicit Groups(std::shared_ptr<Stub> stub) : stub_(std::move(stub)) {}
  const char* endpoint() const override { return "Groups"; }
  std::unique_ptr<Message> New() const override {
    return std::make_unique<v1::Group>();
  }
  grpc::Status Create(grpc::ClientContext* c, const std::string& tenant,
                      const Message& resource, const v1::Projection& projection,
                      Message* out) override {
    v1::CreateGroupRequest r;
    r.set_tenant(tenant);
    r.mutable_group()->CopyFrom(resource);
    *r.mutable_projection() = projection;
    return stub_->CreateGroup(c, r, static_cast<v1::Group*>(out));
  }
  grpc::Status Get(grpc::ClientContext* c, const std::string& tenant,
                   const std::string& id, const v1::Projection& projection,
                   Message* out) override {
    v1::GetGroupRequest r;
    r.set_tenant(tenant);
    r.set_id(id);
    *r.mutable_projection() = projection;
    return stub_->GetGroup(c, r, static_cast<v1::Group*>(out));
  }
  grpc::Status Replace(grpc::ClientContext* c, const std::string& tenant,
                       const std::string& id, const std::string& if_match,
                       const Message& resource, const v1::Projection& projection,
                       Message* out) override {
    v1::ReplaceGroupRequest r;
    r.set_tenant(tenant);
    r.set_id(id);
    r.set_if_match(if_match);
    r.mutable_group()->CopyFrom(resource);
    *r.mutable_projection() = projection;
    return stub_->ReplaceGroup(c, r, static_cast<v1::Group*>(out));
  }
  grpc::Status Patch(grpc::ClientContext* c, const v1::PatchRequest& r,
                     Message* out) override {
    return stub_->PatchGroup(c, r, static_cast<v1::Group*>(out));
  }
  grpc::Status Delete(grpc::ClientContext* c, const std::string& tenant,
                      const std::string& id, const std::string& if_match) override {
    v1::DeleteGroupRequest r;
    r.set_tenant(tenant);
    r.set_id(id);
    r.set_if_match(if_match);
    google::protobuf::Empty empty;
    return stub_->DeleteGroup(c, r, &empty);
  }
  grpc::Status List(grpc::ClientContext* c, const std::string& tenant,
                    const v1::ListRequest& query, ListPage* out) override {
    v1::ListGroupsRequest r;
    r.set_tenant(tenant);
    *r.mutable_query() = query;
    v1::ListGroupsResponse response;
    grpc::Status s = stub_->ListGroups(c, r, &response);
    if (s.ok()) ToPage(response, out);
    return s;
  }

 private:
  std::shared_ptr<Stub> stub_;
};

}  // namespace

std::unique_ptr<ResourceRpcs> UserRpcs(std::shared_ptr<Stub> stub) {
  return std::make_unique<Users>(std::move(stub));
}
std::unique_ptr<ResourceRpcs> GroupRpcs(std::shared_ptr<Stub> stub) {
  return std::make_unique<Groups>(std::move(stub));
}

}  // namespace scim::edge
