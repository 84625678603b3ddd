// SchemaService over gRPC: the tenants' extension schemas (TenantSchemas).
// Who may act on a tenant is decided by the injected authorizer: the admin
// token or a credential of that tenant, as for every identity RPC.
#ifndef SCIM_IDENTITY_SERVICE_SCHEMA_SERVICE_H_
#define SCIM_IDENTITY_SERVICE_SCHEMA_SERVICE_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "common/admin_token.h"
#include "identity-service/tenant_schemas.h"
#include "scim/v1/schemas.grpc.pb.h"

namespace scim::identity {

// A tenant's schemas over gRPC. `authorize` admits callers that may change
// them; `authorize_read` those that may read them (also a setup link's
// read-only console, whose Test connection runs discovery).
class SchemaServiceImpl final : public v1::SchemaService::Service {
 public:
  SchemaServiceImpl(TenantSchemas* schemas, TenantAuthorizer authorize,
                    TenantAuthorizer authorize_read)
      : schemas_(schemas),
        authorize_(std::move(authorize)),
        authorize_read_(std::move(authorize_read)) {}

  grpc::Status PutSchema(grpc::ServerContext* context, const v1::PutSchemaRequest* request,
                         v1::PutSchemaResponse* response) override;
  grpc::Status GetSchema(grpc::ServerContext* context, const v1::GetSchemaRequest* request,
                         v1::TenantSchema* response) override;
  grpc::Status ListSchemas(grpc::ServerContext* context, const v1::ListSchemasRequest* request,
                           v1::ListSchemasResponse* response) override;
  grpc::Status DeleteSchema(grpc::ServerContext* context, const v1::DeleteSchemaRequest* request,
                            v1::DeleteSchemaResponse* response) override;

 private:
  TenantSchemas* const schemas_;
  const TenantAuthorizer authorize_;
  const TenantAuthorizer authorize_read_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_SCHEMA_SERVICE_H_
