// The schemas /Schemas and /ResourceTypes show a tenant: the core ones plus
// the tenant's own (SchemaService.ListSchemas, asked with the caller's
// credential). Asked on every discovery request, which IdPs make a few times
// per connection set-up: never stale, and nothing to invalidate.
#ifndef SCIM_EDGE_TENANT_DISCOVERY_H_
#define SCIM_EDGE_TENANT_DISCOVERY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "edge/call.h"
#include "scim/schema.h"
#include "scim/v1/schemas.grpc.pb.h"
#include "sharding/identity_router.h"

namespace scim::edge {

// The registry of `listed` (a ListSchemas answer): `core` when empty.
absl::StatusOr<std::shared_ptr<const SchemaRegistry>> RegistryOf(
    const SchemaRegistry* core, const v1::ListSchemasResponse& listed);

class TenantDiscovery {
 public:
  // `schemas` null: every tenant is shown `core` (which outlives this).
  TenantDiscovery(const SchemaRegistry* core,
                  std::shared_ptr<v1::SchemaService::StubInterface> schemas)
      : core_(core), schemas_(std::move(schemas)) {}

  // With tenant shards: each tenant's schemas come from its shard.
  void set_router(sharding::IdentityRouter* router) { router_ = router; }

  // With the caller's credential.
  absl::StatusOr<std::shared_ptr<const SchemaRegistry>> For(const Call& call) const;
  absl::StatusOr<std::shared_ptr<const SchemaRegistry>> For(grpc::ClientContext* context,
                                                            const std::string& tenant) const;

 private:
  const SchemaRegistry* const core_;
  const std::shared_ptr<v1::SchemaService::StubInterface> schemas_;
  sharding::IdentityRouter* router_ = nullptr;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_TENANT_DISCOVERY_H_
