// PATCH (RFC 7644 §3.5.2): a PatchOp body translated into the operations of
// an identity-service PatchRequest. What they do is identity-service's job.
#ifndef SCIM_EDGE_PATCH_HANDLER_H_
#define SCIM_EDGE_PATCH_HANDLER_H_

#include "edge/call.h"
#include "scim/v1/identity.pb.h"

namespace scim::edge {

// Reads the PATCH body's operations into `request`; false when it answered
// a 4xx.
bool ParsePatchBody(Call& call, v1::PatchRequest* request);

}  // namespace scim::edge

#endif  // SCIM_EDGE_PATCH_HANDLER_H_
