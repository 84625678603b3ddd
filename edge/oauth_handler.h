// POST /oauth/token (RFC 6749 client credentials) and
// GET /.well-known/jwks.json, both answered by token-service.
#ifndef SCIM_EDGE_OAUTH_HANDLER_H_
#define SCIM_EDGE_OAUTH_HANDLER_H_

#include <memory>

#include "edge/call.h"
#include "scim/v1/token.grpc.pb.h"

namespace scim::edge {

class OAuthHandler {
 public:
  // Off until a token-service is set: the routes then do not exist (404).
  void set_token_service(std::shared_ptr<v1::TokenService::StubInterface> token) {
    token_ = std::move(token);
  }
  bool enabled() const { return token_ != nullptr; }

  void HandleToken(Call& call);
  void HandleJwks(Call& call);

 private:
  std::shared_ptr<v1::TokenService::StubInterface> token_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_OAUTH_HANDLER_H_
