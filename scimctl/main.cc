// scimctl: the admin command line over gRPC (CONTRACT.md).
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/flags.h"
#include "common/status.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "scim/v1/audit.grpc.pb.h"
#include "scim/v1/token.grpc.pb.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051",
          "gRPC address of scimd (or of token-service)");
ABSL_FLAG(std::string, audit_server, "",
          "gRPC address of audit-service when it runs apart (default --server)");
ABSL_FLAG(std::string, admin_token_file, "./data/admin.token",
          "file holding the admin token (env SCIM_ADMIN_TOKEN holds the token "
          "itself and wins)");
ABSL_FLAG(std::string, tenant, "", "tenant id for key and audit commands");
ABSL_FLAG(int32_t, limit, 20, "number of events for audit tail");

namespace {

constexpr char kUsage[] = R"(scimctl: administer the SCIM service over gRPC

usage: scimctl [--server=HOST:PORT] [--admin_token_file=PATH] COMMAND

commands:
  tenant create NAME        print the new tenant id
  tenant list               one line per tenant, id first
  tenant get NAME           the tenant and its settings as JSON
  key create --tenant=NAME  print the new API key (shown only this once)
  key list --tenant=NAME    one line per key: id created last_used expiry state
  audit tail --tenant=NAME [--limit=N]   one JSON event per line)";

int Fail(const std::string& message) {
  std::cerr << "scimctl: " << message << "\n";
  return 1;
}

int Fail(const grpc::Status& status) {
  return Fail(scim::FromGrpcStatus(status).ToString());
}

std::string AdminToken() {
  if (const char* env = std::getenv("SCIM_ADMIN_TOKEN"); env && *env) return env;
  std::ifstream in(absl::GetFlag(FLAGS_admin_token_file));
  std::stringstream content;
  content << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(content.str()));
}

std::unique_ptr<grpc::ClientContext> AdminContext(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", "Bearer " + token);
  context->AddMetadata("x-scim-actor", "admin");
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  return context;
}

std::string Time(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "-";
  return google::protobuf::util::TimeUtil::ToString(ts);
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

std::string RequireTenant() {
  std::string tenant = absl::GetFlag(FLAGS_tenant);
  if (tenant.empty()) {
    std::cerr << "scimctl: --tenant=NAME is required\n";
    std::exit(2);
  }
  return tenant;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args = scim::ParseFlags(argc, argv, kUsage);
  args.erase(args.begin());
  if (args.size() < 2) {
    std::cerr << kUsage << "\n";
    return 2;
  }
  const std::string token = AdminToken();
  if (token.empty()) {
    return Fail("no admin token: set SCIM_ADMIN_TOKEN or --admin_token_file");
  }
  auto creds = grpc::InsecureChannelCredentials();
  auto channel = grpc::CreateChannel(absl::GetFlag(FLAGS_server), creds);
  auto tokens = scim::v1::TokenService::NewStub(channel);
  const std::string& noun = args[0];
  const std::string& verb = args[1];

  if (noun == "tenant" && verb == "create" && args.size() == 3) {
    scim::v1::CreateTenantRequest request;
    request.set_id(args[2]);
    scim::v1::Tenant tenant;
    grpc::Status s = tokens->CreateTenant(AdminContext(token).get(), request, &tenant);
    if (!s.ok()) return Fail(s);
    std::cout << tenant.id() << "\n";
    return 0;
  }
  if (noun == "tenant" && verb == "list" && args.size() == 2) {
    scim::v1::ListTenantsResponse response;
    grpc::Status s = tokens->ListTenants(AdminContext(token).get(), {}, &response);
    if (!s.ok()) return Fail(s);
    for (const auto& t : response.tenants()) {
      std::cout << t.id() << " " << Time(t.created()) << " "
                << (t.disabled() ? "disabled" : "enabled") << "\n";
    }
    return 0;
  }
  if (noun == "tenant" && verb == "get" && args.size() == 3) {
    scim::v1::GetTenantRequest request;
    request.set_id(args[2]);
    scim::v1::Tenant tenant;
    grpc::Status s = tokens->GetTenant(AdminContext(token).get(), request, &tenant);
    if (!s.ok()) return Fail(s);
    std::cout << ToJson(tenant) << "\n";
    return 0;
  }
  if (noun == "key" && verb == "create" && args.size() == 2) {
    scim::v1::CreateApiKeyRequest request;
    request.set_tenant(RequireTenant());
    scim::v1::CreateApiKeyResponse response;
    grpc::Status s =
        tokens->CreateApiKey(AdminContext(token).get(), request, &response);
    if (!s.ok()) return Fail(s);
    std::cout << response.secret() << "\n";
    return 0;
  }
  if (noun == "key" && verb == "list" && args.size() == 2) {
    scim::v1::ListApiKeysRequest request;
    request.set_tenant(RequireTenant());
    scim::v1::ListApiKeysResponse response;
    grpc::Status s =
        tokens->ListApiKeys(AdminContext(token).get(), request, &response);
    if (!s.ok()) return Fail(s);
    for (const auto& k : response.keys()) {
      std::cout << k.id() << " " << Time(k.created()) << " "
                << Time(k.last_used()) << " " << Time(k.expires()) << " "
                << k.state() << "\n";
    }
    return 0;
  }
  if (noun == "audit" && verb == "tail" && args.size() == 2) {
    std::string audit_addr = absl::GetFlag(FLAGS_audit_server);
    auto audit = scim::v1::AuditService::NewStub(
        audit_addr.empty() ? channel : grpc::CreateChannel(audit_addr, creds));
    scim::v1::TailRequest request;
    request.set_tenant(RequireTenant());
    request.set_limit(absl::GetFlag(FLAGS_limit));
    scim::v1::TailResponse response;
    grpc::Status s = audit->Tail(AdminContext(token).get(), request, &response);
    if (!s.ok()) return Fail(s);
    for (const auto& e : response.events()) std::cout << ToJson(e) << "\n";
    return 0;
  }
  std::cerr << "scimctl: unknown command: " << absl::StrJoin(args, " ") << "\n\n"
            << kUsage << "\n";
  return 2;
}
