// UserRpcs and GroupRpcs: one class template over scim/resource_traits.h.
#include "edge/resource_rpcs.h"

#include "scim/resource_traits.h"

namespace scim::edge {
namespace {

using google::protobuf::Message;
using Stub = v1::IdentityService::StubInterface;

template <typename Response>
void ToPage(Response& response, ListPage* out) {
  out->total_results = response.total_results();
  out->total_omitted = response.total_results_omitted();
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

// The RPCs of resource type R, written once over scim/resource_traits.h.
template <typename R>
class Rpcs final : public ResourceRpcs {
 public:
  using Traits = ResourceTraits<R>;

  explicit Rpcs(sharding::IdentityRouter* router) : router_(router) {}
  const char* endpoint() const override { return Traits::kEndpoint; }
  bool PatchAnswersNoContent() const override { return Traits::kPatchAnswersNoContent; }
  std::unique_ptr<Message> New() const override { return std::make_unique<R>(); }
  grpc::Status Create(const NewContext& c, const std::string& tenant,
                      const Message& resource, const v1::Projection& projection,
                      Message* out) override {
    typename Traits::CreateRequest r;
    r.set_tenant(tenant);
    Traits::MutableOf(&r)->CopyFrom(resource);
    *r.mutable_projection() = projection;
    return Routed(c, r.tenant(), Traits::kCreate, r, static_cast<R*>(out));
  }
  grpc::Status Get(const NewContext& c, const std::string& tenant,
                   const std::string& id, const v1::Projection& projection,
                   Message* out) override {
    typename Traits::GetRequest r;
    r.set_tenant(tenant);
    r.set_id(id);
    *r.mutable_projection() = projection;
    return Routed(c, r.tenant(), Traits::kGet, r, static_cast<R*>(out));
  }
  grpc::Status Replace(const NewContext& c, const std::string& tenant,
                       const std::string& id, const std::string& if_match,
                       const Message& resource, const v1::Projection& projection,
                       Message* out) override {
    typename Traits::ReplaceRequest r;
    r.set_tenant(tenant);
    r.set_id(id);
    r.set_if_match(if_match);
    Traits::MutableOf(&r)->CopyFrom(resource);
    *r.mutable_projection() = projection;
    return Routed(c, r.tenant(), Traits::kReplace, r, static_cast<R*>(out));
  }
  grpc::Status Patch(const NewContext& c, const v1::PatchRequest& r,
                     Message* out) override {
    return Routed(c, r.tenant(), Traits::kPatch, r, static_cast<R*>(out));
  }
  grpc::Status Delete(const NewContext& c, const std::string& tenant,
                      const std::string& id, const std::string& if_match) override {
    typename Traits::DeleteRequest r;
    r.set_tenant(tenant);
    r.set_id(id);
    r.set_if_match(if_match);
    google::protobuf::Empty empty;
    return Routed(c, r.tenant(), Traits::kDelete, r, &empty);
  }
  grpc::Status List(const NewContext& c, const std::string& tenant,
                    const v1::ListRequest& query, ListPage* out) override {
    typename Traits::ListRequest r;
    r.set_tenant(tenant);
    *r.mutable_query() = query;
    typename Traits::ListResponse response;
    grpc::Status s = Routed(c, r.tenant(), Traits::kList, r, &response);
    if (s.ok()) ToPage(response, out);
    return s;
  }

 private:
  // Runs one RPC on the tenant's identity-service, with a fresh context per attempt.
  template <typename Request, typename Response>
  grpc::Status Routed(const NewContext& c, const std::string& tenant,
                      grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
                      const Request& r, Response* out) {
    return router_->Run(tenant, [&](Stub& stub) {
      std::unique_ptr<grpc::ClientContext> context = c();
      return (stub.*rpc)(context.get(), r, out);
    });
  }

  sharding::IdentityRouter* const router_;
};

}  // namespace

std::unique_ptr<ResourceRpcs> UserRpcs(sharding::IdentityRouter* router) {
  return std::make_unique<Rpcs<v1::User>>(router);
}
std::unique_ptr<ResourceRpcs> GroupRpcs(sharding::IdentityRouter* router) {
  return std::make_unique<Rpcs<v1::Group>>(router);
}

}  // namespace scim::edge
