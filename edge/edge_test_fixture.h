// The fixture of the edge tests (edge_*_test.cc): the edge against the real
// services (in-memory stores) over an in-process gRPC server, driven over
// HTTP.
#ifndef SCIM_EDGE_EDGE_TEST_FIXTURE_H_
#define SCIM_EDGE_EDGE_TEST_FIXTURE_H_

#include <memory>
#include <string>

#include "audit-service/audit_component.h"
#include "common/server.h"
#include "edge/edge_server.h"
#include "edge/resource_rpcs.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "scim/core_registry_for_tests.h"
#include "identity-service/identity_component.h"
#include "identity-service/keys.h"
#include "nlohmann/json.hpp"
#include "token-service/token_component.h"

namespace scim::edge {

// Not in an anonymous namespace: the test files share one fixture class
// (gtest requires one per test suite within a binary).
class EdgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    identity_ = std::make_unique<identity::IdentityComponent>(
        NewMemoryKvStore(identity::ColumnFamilies()), &CoreRegistryForTests(),
        Runtime::Real());
    token_ = std::make_unique<token::TokenComponent>(
        NewMemoryKvStore(token::ColumnFamilies()), "admin", Runtime::Real());
    audit_ = std::make_unique<audit::AuditComponent>(
        NewMemoryKvStore(audit::ColumnFamilies()),
        *SigningKey::Generate(*RandomSource::Secure()), "admin", Runtime::Real());
    int port = 0;
    auto server = StartGrpcServer(
        "127.0.0.1:0",
        [&] {
          std::vector<grpc::Service*> services = identity_->services();
          services.push_back(token_->service());
          services.push_back(audit_->service());
          return services;
        }(),
        &port);
    ASSERT_TRUE(server.ok()) << server.status();
    grpc_ = std::move(*server);
    grpc_port_ = port;
    auto channel = grpc_->InProcessChannel(grpc::ChannelArguments());
    identity_->EnableAuthorization(v1::TokenService::NewStub(channel), "admin");
    identity_->StartShipping(v1::AuditService::NewStub(channel), "admin");
    audit_->EnableTenantReaders(v1::TokenService::NewStub(channel));
    auth_ = std::make_unique<token::Authenticator>(v1::TokenService::NewStub(channel),
                                            Clock::Real());
    EdgeOptions options;
    options.http.threads = 8;
    options.http.max_body_bytes = 64 * 1024;
    options.access_log = false;
    denials_ = std::make_unique<DenialRecorder>(
        audit::NewGrpcAuditSink(v1::AuditService::NewStub(channel), "admin"),
        Clock::Real(), RandomSource::Secure());
    limiter_ = std::make_unique<LocalRateLimiter>(Clock::Real());
    EdgeDeps deps{v1::IdentityService::NewStub(channel), auth_.get(),
                  &CoreRegistryForTests(), RandomSource::Secure(), denials_.get(),
                  limiter_.get(), Clock::Real(), v1::SchemaService::NewStub(channel)};
    if (direct_identity_) {
      deps.local_users = UserRpcs(&identity_->identity_service());
      deps.local_groups = GroupRpcs(&identity_->identity_service());
    }
    Customize(options, deps);
    edge_ = std::make_unique<EdgeServer>(std::move(deps), options);
    edge_->EnableOAuth(v1::TokenService::NewStub(channel));
    edge_->EnableAdmin(v1::TokenService::NewStub(channel), v1::AuditService::NewStub(channel));
    auto http_port = edge_->Start("127.0.0.1", 0);
    ASSERT_TRUE(http_port.ok());
    http_port_ = *http_port;
    client_ = std::make_unique<httplib::Client>("127.0.0.1", *http_port);
    // Send paths as written: the tests choose their own escaping ('+').
    client_->set_url_encode(false);
    for (const char* t : {"acme", "beta"}) {
      ASSERT_TRUE(token_->store().CreateTenant(t).ok());
    }
    acme_key_ = token_->store().CreateApiKey("acme", "")->secret;
    beta_key_ = token_->store().CreateApiKey("beta", "")->secret;
  }

  // A test suite's own edge settings (connection limits, trusted proxies,
  // a fake clock), applied before the edge is built.
  virtual void Customize(EdgeOptions& /*options*/, EdgeDeps& /*deps*/) {}

  void TearDown() override {
    // Destroyed here, not after a subclass's members (its fake clock) are.
    edge_.reset();
    denials_.reset();
    identity_->StopShipping();
    token_->StopShipping();
    grpc_->Shutdown();
  }

  httplib::Headers Auth(const std::string& key) {
    return {{"Authorization", "Bearer " + key}};
  }

  // Every error answer is an RFC 7644 §3.12 body with a non-empty detail.
  nlohmann::json ExpectError(const httplib::Result& res, int status,
                             const std::string& scim_type = "") {
    EXPECT_TRUE(res) << "no response";
    if (!res) return nlohmann::json();
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/scim+json");
    nlohmann::json body = nlohmann::json::parse(res->body, nullptr, false);
    EXPECT_EQ(body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error")
        << res->body;
    EXPECT_EQ(body["status"], std::to_string(status));
    EXPECT_FALSE(body.value("detail", "").empty());
    if (!scim_type.empty()) {
      EXPECT_EQ(body.value("scimType", ""), scim_type);
    }
    return body;
  }

  httplib::Result Post(const std::string& path, const std::string& body,
                       const std::string& type = "application/scim+json") {
    return client_->Post(path.c_str(), Auth(acme_key_), body, type.c_str());
  }

  // The edge's Users and Groups calls go to identity-service directly, as in
  // scimd, instead of over gRPC.
  bool direct_identity_ = false;
  const std::string users_ = "/t/acme/scim/v2/Users";
  std::unique_ptr<identity::IdentityComponent> identity_;
  std::unique_ptr<token::TokenComponent> token_;
  std::unique_ptr<audit::AuditComponent> audit_;
  std::unique_ptr<grpc::Server> grpc_;
  int grpc_port_ = 0;
  std::unique_ptr<token::Authenticator> auth_;
  std::unique_ptr<DenialRecorder> denials_;
  std::unique_ptr<LocalRateLimiter> limiter_;
  std::unique_ptr<EdgeServer> edge_;
  std::unique_ptr<httplib::Client> client_;
  int http_port_ = 0;
  std::string acme_key_, beta_key_;
};

// The SCIM request tests, over both ways the edge reaches identity-service:
// gRPC (the separate binaries) and direct calls (scimd). Instantiated once
// for the test binary, in edge_crud_test.cc.
class EdgeResourceTest : public EdgeTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    direct_identity_ = GetParam();
    EdgeTest::SetUp();
  }
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_EDGE_TEST_FIXTURE_H_
