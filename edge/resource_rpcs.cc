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

  explicit Rpcs(std::shared_ptr<Stub> stub) : stub_(std::move(stub)) {}
  const char* endpoint() const override { return Traits::kEndpoint; }
  bool PatchAnswersNoContent() const override { return Traits::kPatchAnswersNoContent; }
  std::unique_ptr<Message> New() const override { return std::make_unique<R>(); }
  grpc::Status Create(grpc::ClientContext* c, const std::string& tenant,
                      const Message& resource, const v1::Projection& projection,
                      Message* out) override {
    typename Traits::CreateRequest r;
    r.set_tenant(tenant);
    Traits::MutableOf(&r)->CopyFrom(resource);
    *r.mutable_projection() = projection;
    return (stub_.get()->*Traits::kCreate)(c, r, static_cast<R*>(out));
  }
  grpc::Status Get(grpc::ClientContext* c, const std::string& tenant,
                   const std::string& id, const v1::Projection& projection,
                   Message* out) override {
    typename Traits::GetRequest r;
    r.set_tenant(tenant);
    r.set_id(id);
    *r.mutable_projection() = projection;
    return (stub_.get()->*Traits::kGet)(c, r, static_cast<R*>(out));
  }
  grpc::Status Replace(grpc::ClientContext* c, const std::string& tenant,
                       const std::string& id, const std::string& if_match,
                       const Message& resource, const v1::Projection& projection,
                       Message* out) override {
    typename Traits::ReplaceRequest r;
    r.set_tenant(tenant);
    r.set_id(id);
    r.set_if_match(if_match);
    Traits::MutableOf(&r)->CopyFrom(resource);
    *r.mutable_projection() = projection;
    return (stub_.get()->*Traits::kReplace)(c, r, static_cast<R*>(out));
  }
  grpc::Status Patch(grpc::ClientContext* c, const v1::PatchRequest& r,
                     Message* out) override {
    return (stub_.get()->*Traits::kPatch)(c, r, static_cast<R*>(out));
  }
  grpc::Status Delete(grpc::ClientContext* c, const std::string& tenant,
                      const std::string& id, const std::string& if_match) override {
    typename Traits::DeleteRequest r;
    r.set_tenant(tenant);
    r.set_id(id);
    r.set_if_match(if_match);
    google::protobuf::Empty empty;
    return (stub_.get()->*Traits::kDelete)(c, r, &empty);
  }
  grpc::Status List(grpc::ClientContext* c, const std::string& tenant,
                    const v1::ListRequest& query, ListPage* out) override {
    typename Traits::ListRequest r;
    r.set_tenant(tenant);
    *r.mutable_query() = query;
    typename Traits::ListResponse response;
    grpc::Status s = (stub_.get()->*Traits::kList)(c, r, &response);
    if (s.ok()) ToPage(response, out);
    return s;
  }

 private:
  std::shared_ptr<Stub> stub_;
};

}  // namespace

std::unique_ptr<ResourceRpcs> UserRpcs(std::shared_ptr<Stub> stub) {
  return std::make_unique<Rpcs<v1::User>>(std::move(stub));
}
std::unique_ptr<ResourceRpcs> GroupRpcs(std::shared_ptr<Stub> stub) {
  return std::make_unique<Rpcs<v1::Group>>(std::move(stub));
}

}  // namespace scim::edge
