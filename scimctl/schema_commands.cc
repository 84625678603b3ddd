// scimctl's schema commands: a tenant's extension schemas (SchemaService,
// served by identity-service).
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "nlohmann/json.hpp"
#include "scim/v1/schemas.grpc.pb.h"
#include "scimctl/cli.h"
#include "scimctl/commands.h"

ABSL_DECLARE_FLAG(std::string, identity_server);

namespace scimctl {
namespace {

// The most a schema document may hold (the server's bound too).
constexpr std::size_t kMaxSchemaFileBytes = 64 * 1024;

std::unique_ptr<scim::v1::SchemaService::Stub> Schemas(const Session& session) {
  return scim::v1::SchemaService::NewStub(IdentityChannel(session, RequireTenant()));
}

// 3 when the server could not be reached (a status gRPC made up on this
// side carries no scim.v1.Error), else 1.
int RpcFail(const grpc::Status& status) {
  const bool local = status.error_details().empty() &&
                     (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED);
  const int code = Fail(status);
  return local ? 3 : code;
}

int Put(const Session& session, const std::vector<std::string>& args) {
  const std::string tenant = RequireTenant();
  std::ifstream in(args[2], std::ios::binary);
  if (!in) {
    std::cerr << "scimctl: cannot read " << args[2] << "\n";
    return 2;
  }
  std::string text;
  text.resize(kMaxSchemaFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxSchemaFileBytes) {
    std::cerr << "scimctl: " << args[2] << " is larger than " << kMaxSchemaFileBytes
              << " bytes, the most a schema document may be\n";
    return 2;
  }
  scim::v1::PutSchemaRequest request;
  request.set_tenant(tenant);
  request.set_schema_json(text);
  scim::v1::PutSchemaResponse response;
  grpc::Status s = Schemas(session)->PutSchema(AdminContext(session.token).get(), request,
                                               &response);
  return s.ok() ? 0 : RpcFail(s);
}

int List(const Session& session, const std::vector<std::string>&) {
  scim::v1::ListSchemasRequest request;
  request.set_tenant(RequireTenant());
  JsonOutput();  // a bad --output exits 2 before the call
  scim::v1::ListSchemasResponse response;
  grpc::Status s = Schemas(session)->ListSchemas(AdminContext(session.token).get(), request,
                                                 &response);
  if (!s.ok()) return RpcFail(s);
  PrintListing(response.schemas(), [](const scim::v1::TenantSchema& schema) {
    return schema.urn();
  });
  return 0;
}

int Get(const Session& session, const std::vector<std::string>& args) {
  scim::v1::GetSchemaRequest request;
  request.set_tenant(RequireTenant());
  request.set_urn(args[2]);
  scim::v1::TenantSchema response;
  grpc::Status s = Schemas(session)->GetSchema(AdminContext(session.token).get(), request,
                                               &response);
  if (!s.ok()) return RpcFail(s);
  // Indented: meant to be edited and put back.
  const auto document = nlohmann::ordered_json::parse(response.schema_json(), nullptr, false);
  std::cout << (document.is_discarded() ? response.schema_json() : document.dump(2))
            << std::endl;
  return 0;
}

int Delete(const Session& session, const std::vector<std::string>& args) {
  scim::v1::DeleteSchemaRequest request;
  request.set_tenant(RequireTenant());
  request.set_urn(args[2]);
  scim::v1::DeleteSchemaResponse response;
  grpc::Status s = Schemas(session)->DeleteSchema(AdminContext(session.token).get(), request,
                                                  &response);
  return s.ok() ? 0 : RpcFail(s);
}

}  // namespace

int RunSchemaCommand(const Session& session, const std::vector<std::string>& args) {
  static const std::vector<Command> kCommands = {
      {"put", 3, Put}, {"list", 2, List}, {"get", 3, Get}, {"delete", 3, Delete}};
  return Dispatch(kCommands, session, args);
}

}  // namespace scimctl
