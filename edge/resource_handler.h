// /Users[/{id}] and /Groups[/{id}] (every SCIM method) and their POST
// .search: SCIM JSON <-> protobuf around one identity-service call each.
#ifndef SCIM_EDGE_RESOURCE_HANDLER_H_
#define SCIM_EDGE_RESOURCE_HANDLER_H_

#include <string>

#include "edge/call.h"
#include "edge/conditional_get.h"
#include "edge/resource_rpcs.h"
#include "google/protobuf/message.h"
#include "scim/v1/identity.pb.h"

namespace scim::edge {

class ResourceHandler {
 public:
  // `conditional` answers GETs with If-None-Match from the ETag cache.
  explicit ResourceHandler(ConditionalGet* conditional)
      : conditional_(conditional) {}

  // /{endpoint} (id empty) or /{endpoint}/{id} of `rpcs`.
  void Handle(Call& call, ResourceRpcs& rpcs, const std::string& id);
  // POST /.search and /{Users,Groups}/.search (RFC 7644 §3.4.3).
  void HandleSearch(Call& call, ResourceRpcs& rpcs);

 private:
  void List(Call& call, ResourceRpcs& rpcs, const v1::ListRequest& query);
  // Answers a single resource (200/201) with its ETag, or 304 for a GET
  // whose If-None-Match holds the current version.
  void Respond(Call& call, int status, const google::protobuf::Message& resource);

  ConditionalGet* conditional_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_RESOURCE_HANDLER_H_
