// RFC 7644 §3.7 bulk operations over the resource store.
//
// Operations run in request order, each as its own atomic write with the
// semantics of the single-resource call. A `bulkId:X` reference (in a path or
// anywhere in `data`) first runs the operation that creates X if it has not
// run yet (forward references); a reference cycle fails the operations in it
// with 409. After `fail_on_errors` failures the rest are not run.
#ifndef SCIM_IDENTITY_SERVICE_BULK_H_
#define SCIM_IDENTITY_SERVICE_BULK_H_

#include <string>

#include "absl/status/status.h"
#include "identity-service/resource_store.h"
#include "scim/limits.h"
#include "scim/v1/identity.pb.h"

namespace scim::identity {

// What the caller's tenant settings make of each operation.
struct BulkPolicy {
  ValidationOptions validation;
  bool soft_delete = false;
};

// Runs `request` (tenant already authorized). A request over
// kMaxBulkOperations is refused whole (INVALID_ARGUMENT, scimType tooLarge:
// HTTP 413); every other failure is an operation's result, except that the
// run stops with DEADLINE_EXCEEDED or CANCELLED when `context.deadline`
// says nobody waits for the answer any more.
absl::Status RunBulk(ResourceStore& store, const v1::BulkRequest& request,
                     const BulkPolicy& policy, const RequestContext& context,
                     v1::BulkResponse* response);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_BULK_H_
