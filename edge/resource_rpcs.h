// The identity-service RPCs of one SCIM resource type (Users, Groups) behind
// one interface, so that the edge has a single HTTP handler for all types.
#ifndef SCIM_EDGE_RESOURCE_RPCS_H_
#define SCIM_EDGE_RESOURCE_RPCS_H_

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "common/request_metadata.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/status.h"
#include "scim/resource_traits.h"
#include "scim/v1/identity.grpc.pb.h"
#include "sharding/identity_router.h"

namespace scim::edge {

// One page of a list RPC, whatever the resource type.
struct ListPage {
  int64_t total_results = 0;
  bool total_omitted = false;  // RFC 9865 §2.2
  int32_t start_index = 1;
  int32_t items_per_page = 0;
  std::string next_cursor;
  std::string previous_cursor;
  std::vector<std::unique_ptr<google::protobuf::Message>> resources;
};

// Every call takes the HTTP request's CallMetadata (credential, actor,
// request id, client address, deadline).
class ResourceRpcs {
 public:
  virtual ~ResourceRpcs() = default;
  virtual const char* endpoint() const = 0;  // "Users"
  // Whether a PATCH that asks for no attributes answers 204 (no body).
  virtual bool PatchAnswersNoContent() const = 0;
  virtual std::unique_ptr<google::protobuf::Message> New() const = 0;
  virtual grpc::Status Create(const CallMetadata& call, const std::string& tenant,
                              const google::protobuf::Message& resource,
                              const v1::Projection& projection,
                              google::protobuf::Message* out) = 0;
  virtual grpc::Status Get(const CallMetadata& call, const std::string& tenant,
                           const std::string& id, const v1::Projection& projection,
                           google::protobuf::Message* out) = 0;
  virtual grpc::Status Replace(const CallMetadata& call, const std::string& tenant,
                               const std::string& id, const std::string& if_match,
                               const google::protobuf::Message& resource,
                               const v1::Projection& projection,
                               google::protobuf::Message* out) = 0;
  virtual grpc::Status Patch(const CallMetadata& call, const v1::PatchRequest& request,
                             google::protobuf::Message* out) = 0;
  virtual grpc::Status Delete(const CallMetadata& call, const std::string& tenant,
                              const std::string& id, const std::string& if_match) = 0;
  virtual grpc::Status List(const CallMetadata& call, const std::string& tenant,
                            const v1::ListRequest& query, ListPage* out) = 0;
};

// The ResourceRpcs of resource type R over `Backend`, which has the typed
// operations of every resource type as member templates:
//   template <typename R> grpc::Status Create(const CallMetadata&,
//       const ResourceTraits<R>::CreateRequest&, R*);
// and Get, Replace, Patch (v1::PatchRequest), Delete (no response) and List
// (ResourceTraits<R>::ListResponse*) alike. RoutedIdentity below reaches
// identity-service over gRPC; scimd passes identity-service's implementation
// itself, so that its edge calls it with no gRPC call in between.
template <typename R, typename Backend>
class TypedResourceRpcs final : public ResourceRpcs {
 public:
  using Traits = ResourceTraits<R>;
  using Message = google::protobuf::Message;

  explicit TypedResourceRpcs(Backend* backend) : backend_(backend) {}
  const char* endpoint() const override { return Traits::kEndpoint; }
  bool PatchAnswersNoContent() const override { return Traits::kPatchAnswersNoContent; }
  std::unique_ptr<Message> New() const override { return std::make_unique<R>(); }
  grpc::Status Create(const CallMetadata& call, const std::string& tenant,
                      const Message& resource, const v1::Projection& projection,
                      Message* out) override {
    typename Traits::CreateRequest r;
    r.set_tenant(tenant);
    Traits::MutableOf(&r)->CopyFrom(resource);
    *r.mutable_projection() = projection;
    return backend_->template Create<R>(call, r, static_cast<R*>(out));
  }
  grpc::Status Get(const CallMetadata& call, const std::string& tenant, const std::string& id,
                   const v1::Projection& projection, Message* out) override {
    typename Traits::GetRequest r;
    r.set_tenant(tenant);
    r.set_id(id);
    *r.mutable_projection() = projection;
    return backend_->template Get<R>(call, r, static_cast<R*>(out));
  }
  grpc::Status Replace(const CallMetadata& call, const std::string& tenant,
                       const std::string& id, const std::string& if_match,
                       const Message& resource, const v1::Projection& projection,
                       Message* out) override {
    typename Traits::ReplaceRequest r;
    r.set_tenant(tenant);
    r.set_id(id);
    r.set_if_match(if_match);
    Traits::MutableOf(&r)->CopyFrom(resource);
    *r.mutable_projection() = projection;
    return backend_->template Replace<R>(call, r, static_cast<R*>(out));
  }
  grpc::Status Patch(const CallMetadata& call, const v1::PatchRequest& r,
                     Message* out) override {
    return backend_->template Patch<R>(call, r, static_cast<R*>(out));
  }
  grpc::Status Delete(const CallMetadata& call, const std::string& tenant,
                      const std::string& id, const std::string& if_match) override {
    typename Traits::DeleteRequest r;
    r.set_tenant(tenant);
    r.set_id(id);
    r.set_if_match(if_match);
    return backend_->template Delete<R>(call, r);
  }
  grpc::Status List(const CallMetadata& call, const std::string& tenant,
                    const v1::ListRequest& query, ListPage* out) override {
    typename Traits::ListRequest r;
    r.set_tenant(tenant);
    *r.mutable_query() = query;
    typename Traits::ListResponse response;
    grpc::Status s = backend_->template List<R>(call, r, &response);
    if (!s.ok()) return s;
    out->total_results = response.total_results();
    out->total_omitted = response.total_results_omitted();
    out->start_index = response.start_index();
    out->items_per_page = response.items_per_page();
    out->next_cursor = response.next_cursor();
    out->previous_cursor = response.previous_cursor();
    for (auto& resource : *response.mutable_resources()) {
      auto m = std::make_unique<R>();
      m->Swap(&resource);
      out->resources.push_back(std::move(m));
    }
    return s;
  }

 private:
  Backend* const backend_;
};

// identity-service over gRPC: each call on the tenant's shard (the router),
// with a fresh ClientContext per attempt (a context serves one call).
class RoutedIdentity {
 public:
  // `router` is borrowed and outlives this.
  explicit RoutedIdentity(sharding::IdentityRouter* router) : router_(router) {}

  template <typename R>
  grpc::Status Create(const CallMetadata& call,
                      const typename ResourceTraits<R>::CreateRequest& r, R* out) {
    return Run(call, r.tenant(), ResourceTraits<R>::kCreate, r, out);
  }
  template <typename R>
  grpc::Status Get(const CallMetadata& call, const typename ResourceTraits<R>::GetRequest& r,
                   R* out) {
    return Run(call, r.tenant(), ResourceTraits<R>::kGet, r, out);
  }
  template <typename R>
  grpc::Status Replace(const CallMetadata& call,
                       const typename ResourceTraits<R>::ReplaceRequest& r, R* out) {
    return Run(call, r.tenant(), ResourceTraits<R>::kReplace, r, out);
  }
  template <typename R>
  grpc::Status Patch(const CallMetadata& call, const v1::PatchRequest& r, R* out) {
    return Run(call, r.tenant(), ResourceTraits<R>::kPatch, r, out);
  }
  template <typename R>
  grpc::Status Delete(const CallMetadata& call,
                      const typename ResourceTraits<R>::DeleteRequest& r) {
    google::protobuf::Empty empty;
    return Run(call, r.tenant(), ResourceTraits<R>::kDelete, r, &empty);
  }
  template <typename R>
  grpc::Status List(const CallMetadata& call, const typename ResourceTraits<R>::ListRequest& r,
                    typename ResourceTraits<R>::ListResponse* out) {
    return Run(call, r.tenant(), ResourceTraits<R>::kList, r, out);
  }

 private:
  using Stub = v1::IdentityService::StubInterface;
  template <typename Request, typename Response>
  grpc::Status Run(const CallMetadata& call, const std::string& tenant,
                   grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
                   const Request& r, Response* out) {
    return router_->Run(tenant, [&](Stub& stub) {
      std::unique_ptr<grpc::ClientContext> context = NewClientContext(call);
      return (stub.*rpc)(context.get(), r, out);
    });
  }

  sharding::IdentityRouter* const router_;
};

// The Users and Groups RPCs over `backend` (borrowed, outlives the result).
template <typename Backend>
std::unique_ptr<ResourceRpcs> UserRpcs(Backend* backend) {
  return std::make_unique<TypedResourceRpcs<v1::User, Backend>>(backend);
}
template <typename Backend>
std::unique_ptr<ResourceRpcs> GroupRpcs(Backend* backend) {
  return std::make_unique<TypedResourceRpcs<v1::Group, Backend>>(backend);
}

}  // namespace scim::edge

#endif  // SCIM_EDGE_RESOURCE_RPCS_H_
