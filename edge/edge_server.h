// The SCIM HTTP edge: routes /t/{tenant}/scim/v2/..., authenticates bearer
// credentials, translates SCIM JSON <-> protobuf and calls identity-service.
// It decides nothing about what a resource means.
#ifndef SCIM_EDGE_EDGE_SERVER_H_
#define SCIM_EDGE_EDGE_SERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "common/etag_cache.h"
#include "common/tls.h"
#include "clients/token/authenticator.h"
#include "edge/denial_recorder.h"
#include "edge/rate_limiter.h"
#include "edge/resource_rpcs.h"
#include "grpcpp/impl/codegen/channel_interface.h"
#include "scim/v1/identity.grpc.pb.h"
#include "scim/v1/token.grpc.pb.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace scim::edge {

struct EdgeOptions {
  // Bodies above this get 413 (RFC 7644 §3.12 body).
  size_t max_body_bytes = 1 << 20;
  // Each pool thread serves one keep-alive connection at a time: size it to
  // the expected concurrent connections.
  int threads = 64;
  bool access_log = true;
  // HTTPS when tls.cert is set; client certificates required when
  // tls.client_ca is.
  TlsFiles tls;
};

class EdgeServer {
 public:
  // `denials` (optional) records refused requests in the audit log;
  // `rate_limiter` (optional) enforces the tenants' rate limits.
  EdgeServer(std::shared_ptr<v1::IdentityService::StubInterface> identity,
             token::Authenticator* authenticator, EdgeOptions options,
             DenialRecorder* denials = nullptr,
             RateLimiter* rate_limiter = nullptr);
  ~EdgeServer();

  // Binds `host:port` (0 = any free port), serves in a background thread and
  // returns the bound port.
  absl::StatusOr<int> Start(const std::string& host, int port);
  // Stops accepting and waits for the serving thread.
  void Stop();
  void SetReady(bool ready) { ready_ = ready; }
  // Serves POST /oauth/token (client credentials) and
  // GET /.well-known/jwks.json from token-service.
  void EnableOAuth(std::shared_ptr<v1::TokenService::StubInterface> token) {
    oauth_ = std::move(token);
  }
  // GET If-None-Match is answered 304 from `cache` when it knows the
  // resource's current version: no identity-service call.
  void EnableEtagCache(EtagCache* cache) { etags_ = cache; }
  // /readyz answers 503 while `channel` (a service the edge calls) cannot
  // connect.
  void AddDependency(std::string name,
                     std::shared_ptr<grpc::ChannelInterface> channel);

 private:
  struct Call;
  void Handle(const httplib::Request& req, httplib::Response& res);
  void Dispatch(Call& call);
  // /Users[/{id}] and /Groups[/{id}]: every SCIM method.
  void HandleResource(Call& call, ResourceRpcs& rpcs, const std::string& id);
  // Reads a PATCH body's operations into `request`; false when it answered
  // a 4xx.
  bool ParsePatchBody(Call& call, v1::PatchRequest* request);
  // POST /Bulk (RFC 7644 §3.7): translated into one identity-service call.
  void HandleBulk(Call& call);
  // POST /.search and /{Users,Groups}/.search (RFC 7644 §3.4.3).
  void HandleSearch(Call& call, ResourceRpcs& rpcs);
  void List(Call& call, ResourceRpcs& rpcs, const v1::ListRequest& query);
  // Answers a single resource (200/201) with its ETag, or 304 for a GET
  // whose If-None-Match holds the current version.
  void Respond(Call& call, int status, const google::protobuf::Message& resource);
  // /ServiceProviderConfig, /ResourceTypes[/{id}], /Schemas[/{id}].
  void HandleDiscovery(Call& call, const std::string& what, const std::string& id);
  void HandleOAuthToken(Call& call);
  void HandleJwks(Call& call);
  // Applies the tenant's rate limit; false (answered 429) when over it.
  bool AdmitRate(Call& call);
  // Answers a refused request and records it (401, 403, 429).
  void Deny(Call& call, int status, const std::string& detail);

  std::shared_ptr<v1::IdentityService::StubInterface> identity_;
  std::unique_ptr<ResourceRpcs> users_;
  std::unique_ptr<ResourceRpcs> groups_;
  token::Authenticator* authenticator_;
  EdgeOptions options_;
  DenialRecorder* denials_;
  RateLimiter* rate_limiter_;
  std::shared_ptr<v1::TokenService::StubInterface> oauth_;
  EtagCache* etags_ = nullptr;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> ready_{false};
  bool https_ = false;
  std::vector<std::pair<std::string, std::shared_ptr<grpc::ChannelInterface>>>
      dependencies_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_EDGE_SERVER_H_
