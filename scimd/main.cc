// scimd: edge + identity + token + audit in one process, talking through the
// same gRPC service interfaces over in-process channels, except the edge's
// Users and Groups calls, which call identity-service's implementation
// directly. The embedded default for one machine and for development.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "absl/flags/flag.h"
#include "common/etag_cache.h"
#include "absl/strings/str_cat.h"
#include "audit-service/audit_component.h"
#include "backup/backup_service.h"
#include "audit-service/audit_flags.h"
#include "common/admin_token.h"
#include "common/flags.h"
#include "common/key_encryption.h"
#include "common/log.h"
#include "common/rpc_observer.h"
#include "common/server.h"
#include "common/tls.h"
#include "edge/edge_flags.h"
#include "edge/edge_component.h"
#include "edge/resource_rpcs.h"
#include "identity-service/identity_component.h"
#include "identity-service/identity_flags.h"
#include "token-service/token_component.h"

ABSL_FLAG(std::string, data_dir, "./data",
          "RocksDB directories and the admin token live here");
ABSL_FLAG(std::string, http_addr, "127.0.0.1:8080",
          "SCIM HTTP edge address (port 0 = any free port)");
ABSL_FLAG(std::string, grpc_addr, "127.0.0.1:50051",
          "public gRPC API: identity, token, audit, admin (port 0 = any)");
ABSL_FLAG(bool, direct_identity_calls, true,
          "the edge's Users and Groups requests call identity-service directly "
          "instead of through the in-process gRPC channel (false: as the separate "
          "binaries do; for comparisons and diagnosis)");
ABSL_FLAG(bool, demo, false,
          "create tenant 'demo' on first start; print its SCIM base URL and a "
          "fresh API key");
ABSL_FLAG(std::string, admin_token_file, "",
          "admin token file (default <data_dir>/admin.token)");

namespace {

// Tenant `demo` (created once) and a fresh key, printed for the README.
absl::Status PrintDemo(scim::token::TokenStore& tokens, const std::string& scheme,
                       const std::string& host, int port) {
  if (!tokens.GetTenant("demo").ok()) {
    auto created = tokens.CreateTenant("demo");
    if (!created.ok()) return created.status();
  }
  auto key = tokens.CreateApiKey("demo", "demo");
  if (!key.ok()) return key.status();
  std::string shown_host = host == "0.0.0.0" ? "127.0.0.1" : host;
  std::cout << "SCIM base URL: " << scheme << "://" << shown_host << ":" << port
            << "/t/demo/scim/v2\n"
            << "API key:       " << key->secret << "\n"
            << std::flush;
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  scim::BlockShutdownSignals();
  scim::ParseFlags(argc, argv,
                   "scimd: the SCIM 2.0 service, all parts in one process");
  const scim::Runtime runtime = scim::Runtime::Real();
  // One registry for the whole process: identity-service and the edge's
  // discovery serve the same schemas.
  const std::unique_ptr<const scim::SchemaRegistry> registry =
      scim::SchemaRegistry::Core();
  auto edge_options = scim::edge::EdgeOptionsFromFlags();
  if (!edge_options.ok()) {
    scim::LogError("bad edge flags", {{"error", edge_options.status().ToString()}});
    return 2;
  }
  const scim::TlsFiles tls = scim::TlsFilesFromFlags();
  auto server_credentials = scim::GrpcServerCredentials(tls);
  if (!server_credentials.ok()) {
    scim::LogError("bad TLS settings",
                   {{"error", server_credentials.status().ToString()}});
    return 2;
  }
  auto redis = scim::edge::RedisFromFlags(runtime.clock);
  if (!redis.ok()) {
    scim::LogError("bad --redis", {{"error", redis.status().ToString()}});
    return 2;
  }
  // One ETag cache: identity-service publishes writes, the edge reads.
  scim::EtagCache* etags = redis->etags.get();
  auto http = scim::ParseHostPort(absl::GetFlag(FLAGS_http_addr));
  if (!http.ok()) {
    scim::LogError("bad --http_addr", {{"error", http.status().ToString()}});
    return 2;
  }
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  auto kek = scim::KeyEncryption::FromFlags();
  if (!kek.ok()) {
    scim::LogError("bad key-encryption key", {{"error", kek.status().ToString()}});
    return 2;
  }
  // One process: the edge's access log line already names each request.
  scim::SetRpcLogging(false);
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  auto admin = scim::LoadOrCreateAdminToken(
      scim::AdminTokenPath(data_dir, absl::GetFlag(FLAGS_admin_token_file)),
      *runtime.random);
  if (!admin.ok()) {
    scim::LogError("cannot load the admin token",
                   {{"error", admin.status().ToString()}});
    return 1;
  }
  auto identity =
      scim::identity::IdentityComponent::Open(data_dir + "/identity", registry.get(),
                                              runtime, [&] {
                                                auto options =
                                                    scim::identity::IdentityOptionsFromFlags();
                                                options.kek = kek->get();
                                                return options;
                                              }());
  auto token =
      scim::token::TokenComponent::Open(data_dir + "/token", *admin, runtime,
                                        kek->get());
  auto audit =
      scim::audit::AuditComponent::Open(data_dir + "/audit", *admin, runtime,
                                        kek->get());
  for (const absl::Status& s :
       {identity.status(), token.status(), audit.status()}) {
    if (!s.ok()) {
      scim::LogError("cannot open storage", {{"error", s.ToString()}});
      return 1;
    }
  }
  // `scimctl backup create` copies all three databases from this one process.
  scim::backup::BackupServiceImpl backups(
      *admin, {scim::backup::SourceOf("identity", (*identity)->kv(),
                                      scim::identity::IdentityComponent::data_format(),
                                      data_dir + "/identity"),
               scim::backup::SourceOf("token", (*token)->kv(),
                                      scim::token::TokenComponent::data_format(),
                                      data_dir + "/token"),
               scim::backup::SourceOf("audit", (*audit)->kv(),
                                      scim::audit::AuditComponent::data_format(),
                                      data_dir + "/audit", /*shard=*/-1,
                                      {std::string(scim::audit::AuditComponent::kSigningKeyFile)})});
  std::vector<grpc::Service*> services = (*identity)->services();
  services.push_back((*token)->service());
  services.push_back((*audit)->service());
  services.push_back(&backups);
  int grpc_port = 0;
  auto server = scim::StartGrpcServer(
      absl::GetFlag(FLAGS_grpc_addr),
      services,
      &grpc_port, *server_credentials, absl::GetFlag(FLAGS_grpc_reflection));
  if (!server.ok()) {
    scim::LogError("cannot serve gRPC", {{"error", server.status().ToString()}});
    return 1;
  }
  std::shared_ptr<grpc::Channel> channel =
      (*server)->InProcessChannel(grpc::ChannelArguments());
  if (etags != nullptr) (*identity)->store().set_etag_cache(etags);
  (*identity)->store().set_list_scan_limit(absl::GetFlag(FLAGS_list_scan_limit));
  (*identity)->Start({scim::v1::TokenService::NewStub(channel),
                      scim::v1::AuditService::NewStub(channel), *admin},
                     absl::GetFlag(FLAGS_tombstone_retention));
  (*token)->StartShipping(scim::v1::AuditService::NewStub(channel), *admin);
  (*audit)->StartRetention(absl::GetFlag(FLAGS_audit_retention));
  (*audit)->EnableTenantReaders(scim::v1::TokenService::NewStub(channel));
  edge_options->http.tls = tls;
  // The edge's Users and Groups calls go straight to identity-service, the
  // hot path without a gRPC call (its serialisation, completion queues and
  // thread hand-off were a quarter of a GET); the rest goes over `channel`.
  scim::identity::IdentityServiceImpl* identity_service = &(*identity)->identity_service();
  const bool direct = absl::GetFlag(FLAGS_direct_identity_calls);
  scim::edge::EdgeComponent edge_component(
      {scim::v1::IdentityService::NewStub(channel),
       scim::v1::TokenService::NewStub(channel),
       scim::v1::AuditService::NewStub(channel),
       scim::DenialRecorderToken(*admin),
       scim::v1::SchemaService::NewStub(channel),
       scim::v1::AuditService::NewStub(channel),
       /*identity_router=*/nullptr,
       direct ? scim::edge::UserRpcs(identity_service) : nullptr,
       direct ? scim::edge::GroupRpcs(identity_service) : nullptr},
      redis->client, etags, registry.get(), *edge_options, runtime);
  scim::edge::EdgeServer& edge = edge_component.server();
  auto http_port = edge.Start(http->host, http->port);
  if (!http_port.ok()) {
    scim::LogError("cannot serve HTTP", {{"error", http_port.status().ToString()}});
    return 1;
  }
  if (absl::GetFlag(FLAGS_demo)) {
    if (absl::Status s = PrintDemo((*token)->store(), tls.serving_tls() ? "https" : "http",
                                  http->host, *http_port);
        !s.ok()) {
      scim::LogError("cannot create the demo tenant", {{"error", s.ToString()}});
    }
  }
  scim::LogServing("scimd", {{"http_port", absl::StrCat(*http_port)},
                             {"grpc_port", absl::StrCat(grpc_port)}});
  scim::LogInfo("shutting down", {{"signal", scim::WaitForShutdownSignal()}});
  // Requests in flight finish before the services behind them stop.
  edge.Stop(edge_options->drain_timeout);
  // Flush the outbox while the in-process channel still reaches audit.
  (*identity)->Stop();
  (*token)->StopShipping();
  (*server)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  return 0;
}
