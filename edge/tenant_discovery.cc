#include "edge/tenant_discovery.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "scim/extension_schema.h"

namespace scim::edge {

absl::StatusOr<std::shared_ptr<const SchemaRegistry>> RegistryOf(
    const SchemaRegistry* core, const v1::ListSchemasResponse& listed) {
  if (listed.schemas().empty()) {
    return std::shared_ptr<const SchemaRegistry>(std::shared_ptr<const SchemaRegistry>(), core);
  }
  std::vector<ExtensionSchema> extensions;
  for (const v1::TenantSchema& s : listed.schemas()) {
    absl::StatusOr<ExtensionSchema> schema = ParseExtensionSchema(s.schema_json());
    if (!schema.ok()) {
      return absl::InternalError(absl::StrCat("the stored schema ", s.urn(),
                                              " does not parse: ", schema.status().message()));
    }
    schema->field_number = s.field_number();
    for (const v1::SchemaAttributeField& f : s.fields()) {
      schema->field_numbers.emplace_back(f.path(), f.number());
    }
    extensions.push_back(*std::move(schema));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<const SchemaRegistry> registry,
                   SchemaRegistry::WithExtensions(std::move(extensions)));
  return std::shared_ptr<const SchemaRegistry>(std::move(registry));
}

absl::StatusOr<std::shared_ptr<const SchemaRegistry>> TenantDiscovery::For(
    const Call& call) const {
  if (router_ == nullptr) return For(call.GrpcContext().get(), call.tenant);
  v1::ListSchemasRequest request;
  request.set_tenant(call.tenant);
  v1::ListSchemasResponse listed;
  RETURN_IF_ERROR(FromGrpcStatus(router_->RunSchemas(
      call.tenant, [&](v1::SchemaService::StubInterface& stub) {
        listed.Clear();
        return stub.ListSchemas(call.GrpcContext().get(), request, &listed);
      })));
  return RegistryOf(core_, listed);
}

absl::StatusOr<std::shared_ptr<const SchemaRegistry>> TenantDiscovery::For(
    grpc::ClientContext* context, const std::string& tenant) const {
  v1::ListSchemasResponse listed;
  v1::ListSchemasRequest request;
  request.set_tenant(tenant);
  if (router_ != nullptr) {
    RETURN_IF_ERROR(FromGrpcStatus(router_->RunSchemas(
        tenant,
        [&](v1::SchemaService::StubInterface& stub) {
          return stub.ListSchemas(context, request, &listed);
        },
        /*attempts=*/1)));
  } else if (schemas_ != nullptr) {
    RETURN_IF_ERROR(FromGrpcStatus(schemas_->ListSchemas(context, request, &listed)));
  }
  return RegistryOf(core_, listed);
}

}  // namespace scim::edge
