// POST /Bulk (RFC 7644 §3.7): a BulkRequest translated into one
// identity-service Bulk call, and its results into a BulkResponse.
#ifndef SCIM_EDGE_BULK_HANDLER_H_
#define SCIM_EDGE_BULK_HANDLER_H_

#include <memory>

#include "edge/call.h"
#include "scim/v1/identity.grpc.pb.h"
#include "sharding/identity_router.h"

namespace scim::edge {

class BulkHandler {
 public:
  // `identity` is borrowed and outlives the handler.
  explicit BulkHandler(sharding::IdentityRouter* identity) : identity_(identity) {}

  void Handle(Call& call);

 private:
  sharding::IdentityRouter* const identity_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_BULK_HANDLER_H_
