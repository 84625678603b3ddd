// Routing, discovery, health, readiness, request ids and metrics of the edge.
#include "edge/edge_test_fixture.h"

#include "absl/strings/match.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace scim::edge {
namespace {

using json = nlohmann::json;

TEST_F(EdgeTest, DiscoveryEndpoints) {
  const std::string base = "/t/acme/scim/v2";
  auto spc = client_->Get((base + "/ServiceProviderConfig").c_str(), Auth(acme_key_));
  ASSERT_EQ(spc->status, 200);
  json config = json::parse(spc->body);
  EXPECT_EQ(config["filter"]["maxResults"], 200);
  EXPECT_EQ(config["pagination"]["cursor"], true);
  EXPECT_EQ(config["pagination"]["maxPageSize"], 200);
  EXPECT_EQ(config["sort"]["supported"], true);
  EXPECT_EQ(config["bulk"]["maxPayloadSize"], 65536);  // the --max_body_bytes in force
  EXPECT_EQ(config["bulk"]["supported"], true);
  EXPECT_EQ(config["bulk"]["maxOperations"], 1000);
  EXPECT_EQ(config["authenticationSchemes"].size(), 2u);
  EXPECT_TRUE(absl::EndsWith(config["meta"]["location"].get<std::string>(),
                             "/t/acme/scim/v2/ServiceProviderConfig"));
  json types = json::parse(client_->Get((base + "/ResourceTypes").c_str(), Auth(acme_key_))->body);
  EXPECT_EQ(types["totalResults"], 2);
  EXPECT_EQ(types["Resources"][0]["endpoint"], "/Users");
  EXPECT_EQ(types["Resources"][0]["schemaExtensions"][0]["schema"],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
  json user_type = json::parse(client_->Get((base + "/ResourceTypes/User").c_str(), Auth(acme_key_))->body);
  EXPECT_EQ(user_type["schema"], "urn:ietf:params:scim:schemas:core:2.0:User");
  json schemas = json::parse(client_->Get((base + "/Schemas").c_str(), Auth(acme_key_))->body);
  EXPECT_EQ(schemas["totalResults"], 3);
  auto user_schema = client_->Get(
      (base + "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").c_str(), Auth(acme_key_));
  ASSERT_EQ(user_schema->status, 200);
  json us = json::parse(user_schema->body);
  EXPECT_EQ(us["attributes"][0]["name"], "userName");
  EXPECT_EQ(us["attributes"][0]["uniqueness"], "server");
  EXPECT_TRUE(absl::EndsWith(us["meta"]["location"].get<std::string>(),
                             "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"));
  ExpectError(client_->Get((base + "/Schemas/urn:nope").c_str(), Auth(acme_key_)), 404);
  ExpectError(client_->Get((base + "/ResourceTypes/Nope").c_str(), Auth(acme_key_)), 404);
  ExpectError(client_->Get((base + "/Schemas").c_str()), 401);
}

TEST_F(EdgeTest, RoutingErrors) {
  ExpectError(client_->Get("/nope"), 404);
  ExpectError(client_->Get("/t/acme/scim/v2/Nope", Auth(acme_key_)), 404);
  ExpectError(client_->Get("/t/ACME!/scim/v2/Users", Auth(acme_key_)), 404);
  auto put = client_->Put(users_.c_str(), Auth(acme_key_), "{}",
                          "application/json");
  ExpectError(put, 405);
  EXPECT_EQ(put->get_header_value("Allow"), "GET, POST");
  ExpectError(client_->Post((users_ + "/x").c_str(), Auth(acme_key_), "{}",
                            "application/json"),
              405);
  ExpectError(client_->Get("/t/acme/scim/v2/Me", Auth(acme_key_)), 501);
  ExpectError(client_->Patch((users_ + "/x").c_str(), Auth(acme_key_), "{}",
                             "application/json"),
              400, "invalidSyntax");
  ExpectError(client_->Post("/t/acme/scim/v2/Bulk", Auth(acme_key_),
                            "{}", "application/json"),
              400, "invalidSyntax");
  ExpectError(client_->Get("/t/acme/scim/v2/Bulk", Auth(acme_key_)), 405);
}

TEST_F(EdgeTest, HealthAndRequestIds) {
  auto health = client_->Get("/healthz");
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(client_->Get("/readyz")->status, 200);
  auto res = client_->Get(users_.c_str(), {{"Authorization", "Bearer " + acme_key_},
                                           {"X-Request-Id", "trace-123"}});
  EXPECT_EQ(res->get_header_value("X-Request-Id"), "trace-123");
  // A refused request counts as tenant "unknown", whatever its path says.
  client_->Get("/t/made-up-by-client/scim/v2/Users", Auth("nope"));
  auto metrics = client_->Get("/metrics");
  ASSERT_EQ(metrics->status, 200);
  EXPECT_EQ(metrics->body.find("made-up-by-client"), std::string::npos);
  for (const char* series : {
           "scim_audit_outbox_depth{outbox=\"identity\"}",
           "scim_http_requests_total{method=\"GET\",route=\"/t/{tenant}/scim/v2/Users\",status=\"200\"}",
           "scim_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\"",
           "scim_grpc_server_handled_total{code=\"0\",method=\"/scim.v1.IdentityService/ListUsers\"}",
           "scim_grpc_server_handling_seconds_count{method=\"/scim.v1.TokenService/VerifyApiKey\"}",
           "scim_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"60\"}",
           "scim_http_tenant_requests_total{status_class=\"2xx\",tenant=\"acme\"}",
           "scim_http_tenant_requests_total{status_class=\"4xx\",tenant=\"unknown\"}"}) {
    EXPECT_NE(metrics->body.find(series), std::string::npos)
        << series << "\n" << metrics->body;
  }
  edge_->SetReady(false);
  ExpectError(client_->Get("/readyz"), 503);
}

// Degraded, not down (readiness on a fake clock).
class EdgeReadinessTest : public EdgeTest {
 protected:
  void Customize(EdgeOptions& options, EdgeDeps& deps) override {
    options.dependency_grace = absl::Seconds(30);
    deps.clock = &clock_;
  }
  static std::shared_ptr<grpc::Channel> Nowhere() {
    return grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials());
  }
  FakeClock clock_;
};

TEST_F(EdgeReadinessTest, OneServiceAwayLeavesTheEdgeReadyButDegraded) {
  edge_->AddDependency("token-service",
                       grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port_),
                                           grpc::InsecureChannelCredentials()));
  edge_->AddDependency("identity-service", Nowhere());
  auto degraded = client_->Get("/readyz");
  ASSERT_EQ(degraded->status, 200) << degraded->body;
  EXPECT_EQ(json::parse(degraded->body)["status"], "degraded");
  EXPECT_NE(degraded->body.find("identity-service"), std::string::npos);
  clock_.Advance(absl::Minutes(5));
  EXPECT_EQ(client_->Get("/readyz")->status, 200) << "one service still answers";
}

TEST_F(EdgeReadinessTest, NothingReachablePastTheGraceIsUnready) {
  edge_->AddDependency("token-service", Nowhere());
  edge_->AddDependency("identity-service", Nowhere());
  EXPECT_EQ(client_->Get("/readyz")->status, 200) << "within the grace period";
  clock_.Advance(absl::Seconds(29));
  EXPECT_EQ(client_->Get("/readyz")->status, 200);
  clock_.Advance(absl::Seconds(2));
  json body = ExpectError(client_->Get("/readyz"), 503);
  EXPECT_NE(body.value("detail", "").find("token-service, identity-service"), std::string::npos)
      << body;
}

// What a client gets while identity-service is away: a SCIM 503 with
// Retry-After, not a hang, an HTML page or a 500.
class EdgeWithoutIdentityTest : public EdgeTest {
 protected:
  void Customize(EdgeOptions&, EdgeDeps& deps) override {
    deps.identity = v1::IdentityService::NewStub(
        grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()));
  }
};

TEST_F(EdgeWithoutIdentityTest, AnswersScim503WithRetryAfter) {
  auto res = client_->Get(users_.c_str(), Auth(acme_key_));
  ExpectError(res, 503);
  EXPECT_EQ(res->get_header_value("Retry-After"), "5");
}

}  // namespace
}  // namespace scim::edge
