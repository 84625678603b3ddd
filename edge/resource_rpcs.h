// The identity-service RPCs of one SCIM resource type (Users, Groups) behind
// one interface, so that the edge has a single HTTP handler for all types.
#ifndef SCIM_EDGE_RESOURCE_RPCS_H_
#define SCIM_EDGE_RESOURCE_RPCS_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "grpcpp/client_context.h"
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

// Makes the context of one call: a call routed to a tenant's shard may be
// made twice (identity_router.h), and a context serves one call only.
using NewContext = std::function<std::unique_ptr<grpc::ClientContext>()>;

class ResourceRpcs {
 public:
  virtual ~ResourceRpcs() = default;
  virtual const char* endpoint() const = 0;  // "Users"
  // Whether a PATCH that asks for no attributes answers 204 (no body).
  virtual bool PatchAnswersNoContent() const = 0;
  virtual std::unique_ptr<google::protobuf::Message> New() const = 0;
  virtual grpc::Status Create(const NewContext& context, const std::string& tenant,
                              const google::protobuf::Message& resource,
                              const v1::Projection& projection,
                              google::protobuf::Message* out) = 0;
  virtual grpc::Status Get(const NewContext& context, const std::string& tenant,
                           const std::string& id, const v1::Projection& projection,
                           google::protobuf::Message* out) = 0;
  virtual grpc::Status Replace(const NewContext& context, const std::string& tenant,
                               const std::string& id, const std::string& if_match,
                               const google::protobuf::Message& resource,
                               const v1::Projection& projection,
                               google::protobuf::Message* out) = 0;
  virtual grpc::Status Patch(const NewContext& context,
                             const v1::PatchRequest& request,
                             google::protobuf::Message* out) = 0;
  virtual grpc::Status Delete(const NewContext& context, const std::string& tenant,
                              const std::string& id, const std::string& if_match) = 0;
  virtual grpc::Status List(const NewContext& context, const std::string& tenant,
                            const v1::ListRequest& query, ListPage* out) = 0;
};

// `router` is borrowed and outlives the result.
std::unique_ptr<ResourceRpcs> UserRpcs(sharding::IdentityRouter* router);
std::unique_ptr<ResourceRpcs> GroupRpcs(sharding::IdentityRouter* router);

}  // namespace scim::edge

#endif  // SCIM_EDGE_RESOURCE_RPCS_H_
