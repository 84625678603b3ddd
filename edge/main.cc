// scim-edge: the SCIM HTTP edge as its own process, calling identity-service
// and token-service over gRPC.
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/flags.h"
#include "common/log.h"
#include "common/server.h"
#include "edge/edge_flags.h"
#include "edge/edge_server.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

ABSL_FLAG(std::string, http_addr, "127.0.0.1:8080",
          "SCIM HTTP listen address (port 0 = any free port)");
ABSL_FLAG(std::string, identity_addr, "127.0.0.1:50052",
          "identity-service gRPC address");
ABSL_FLAG(std::string, token_addr, "127.0.0.1:50053",
          "token-service gRPC address");

int main(int argc, char** argv) {
  scim::BlockShutdownSignals();
  scim::ParseFlags(argc, argv, "scim-edge: the SCIM 2.0 HTTP edge");
  auto http = scim::ParseHostPort(absl::GetFlag(FLAGS_http_addr));
  if (!http.ok()) {
    scim::LogError("bad --http_addr", {{"error", http.status().ToString()}});
    return 2;
  }
  auto creds = grpc::InsecureChannelCredentials();
  std::shared_ptr<scim::v1::TokenService::StubInterface> token =
      scim::v1::TokenService::NewStub(
          grpc::CreateChannel(absl::GetFlag(FLAGS_token_addr), creds));
  std::shared_ptr<scim::v1::IdentityService::StubInterface> identity =
      scim::v1::IdentityService::NewStub(
          grpc::CreateChannel(absl::GetFlag(FLAGS_identity_addr), creds));
  scim::edge::Authenticator authenticator(token, scim::Clock::Real());
  scim::edge::EdgeServer edge(identity, &authenticator,
                              scim::edge::EdgeOptionsFromFlags());
  auto port = edge.Start(http->host, http->port);
  if (!port.ok()) {
    scim::LogError("cannot serve", {{"error", port.status().ToString()}});
    return 1;
  }
  scim::LogServing("scim-edge", {{"http_port", absl::StrCat(*port)}});
  scim::LogInfo("shutting down", {{"signal", scim::WaitForShutdownSignal()}});
  edge.Stop();
  return 0;
}
