#include "identity-service/schema_service.h"

#include "clients/audit/event_context.h"
#include "common/status.h"

namespace scim::identity {

grpc::Status SchemaServiceImpl::PutSchema(grpc::ServerContext* context,
                                          const v1::PutSchemaRequest* request,
                                          v1::PutSchemaResponse* response) {
  return AsTenant(authorize_, *context, request->tenant(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(PutSchemaResult put,
                     schemas_->Put(request->tenant(), request->schema_json(),
                                   audit::EventContextFromGrpc(*context)));
    response->set_urn(put.urn);
    response->set_version(put.version);
    response->set_changed(put.changed);
    return absl::OkStatus();
  });
}

grpc::Status SchemaServiceImpl::GetSchema(grpc::ServerContext* context,
                                          const v1::GetSchemaRequest* request,
                                          v1::TenantSchema* response) {
  return AsTenant(authorize_read_, *context, request->tenant(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(v1::StoredSchema stored, schemas_->Get(request->tenant(), request->urn()));
    *response = TenantSchemas::Visible(stored);
    return absl::OkStatus();
  });
}

grpc::Status SchemaServiceImpl::ListSchemas(grpc::ServerContext* context,
                                            const v1::ListSchemasRequest* request,
                                            v1::ListSchemasResponse* response) {
  return AsTenant(authorize_read_, *context, request->tenant(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(TenantSchemaSet set, schemas_->Load(request->tenant()));
    for (const LoadedSchema& loaded : set.schemas) {
      *response->add_schemas() = TenantSchemas::Visible(loaded.record);
    }
    response->set_version(set.version);
    return absl::OkStatus();
  });
}

grpc::Status SchemaServiceImpl::DeleteSchema(grpc::ServerContext* context,
                                             const v1::DeleteSchemaRequest* request,
                                             v1::DeleteSchemaResponse* response) {
  return AsTenant(authorize_, *context, request->tenant(), [&]() -> absl::Status {
    ASSIGN_OR_RETURN(uint64_t version,
                     schemas_->Delete(request->tenant(), request->urn(),
                                      audit::EventContextFromGrpc(*context)));
    response->set_version(version);
    return absl::OkStatus();
  });
}

}  // namespace scim::identity
