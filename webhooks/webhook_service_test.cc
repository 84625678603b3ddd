// WebhookService over a real in-process gRPC server: authorization, secrets
// shown once, lag, and errors as SCIM statuses.
#include "webhooks/webhook_service.h"

#include "absl/strings/match.h"
#include "common/admin_token.h"
#include "common/server.h"
#include "common/status.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "webhooks/signature.h"
#include "webhooks/test_fakes_for_tests.h"

namespace scim::webhooks {
namespace {

// The admin token acts on any tenant; "acme-key" on acme only.
absl::Status TestAuthorizer(const grpc::ServerContext& context, const std::string& tenant) {
  const std::string bearer = BearerFromMetadata(context);
  if (bearer == "admin") return absl::OkStatus();
  if (bearer == "acme-key") {
    if (tenant == "acme") return absl::OkStatus();
    return absl::PermissionDeniedError("this credential belongs to another tenant");
  }
  return absl::UnauthenticatedError("a credential is required");
}

class WebhookServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = NewMemoryKvStore({kWebhooksColumnFamily});
    store_ = std::make_unique<WebhookStore>(kv_.get(), &feed_, &guard_,
                                            Runtime{&clock_, &random_});
    DispatcherOptions options;
    options.threads = 1;
    dispatcher_ = std::make_unique<Dispatcher>(store_.get(), &feed_, &sender_, &guard_,
                                               nullptr, Runtime{&clock_, &random_}, options);
    ASSERT_TRUE(dispatcher_->Start().ok());
    service_ = std::make_unique<WebhookServiceImpl>(store_.get(), dispatcher_.get(),
                                                    TestAuthorizer);
    int port = 0;
    auto server = StartGrpcServer("127.0.0.1:0", {service_.get()}, &port);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = v1::WebhookService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override {
    server_->Shutdown();
    dispatcher_->Stop();
  }
  std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }
  grpc::Status Add(const std::string& token, const std::string& tenant, const std::string& url,
                   v1::AddWebhookResponse* response) {
    v1::AddWebhookRequest request;
    request.set_tenant(tenant);
    request.set_url(url);
    return stub_->AddWebhook(As(token).get(), request, response);
  }

  FakeClock clock_;
  FakeRandom random_;
  FakeEventFeed feed_;
  FakeSender sender_;
  DestinationGuard guard_{false, [](const std::string&) {
                            return absl::StatusOr<std::vector<std::string>>(
                                std::vector<std::string>{"93.184.216.34"});
                          }};
  std::unique_ptr<KvStore> kv_;
  std::unique_ptr<WebhookStore> store_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<WebhookServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::WebhookService::Stub> stub_;
};

TEST_F(WebhookServiceTest, EveryRpcAsksTheAuthorizerForTheNamedTenant) {
  v1::AddWebhookResponse added;
  ASSERT_TRUE(Add("admin", "beta", "https://hooks.example/", &added).ok());
  const std::string id = added.webhook().id();
  struct Case {
    std::string token;
    grpc::StatusCode code;
  };
  for (const Case& c : {Case{"", grpc::StatusCode::UNAUTHENTICATED},
                        Case{"wrong", grpc::StatusCode::UNAUTHENTICATED},
                        Case{"acme-key", grpc::StatusCode::PERMISSION_DENIED}}) {
    v1::AddWebhookResponse add;
    EXPECT_EQ(Add(c.token, "beta", "https://hooks.example/", &add).error_code(), c.code);
    v1::ListWebhooksRequest list;
    list.set_tenant("beta");
    v1::ListWebhooksResponse listed;
    EXPECT_EQ(stub_->ListWebhooks(As(c.token).get(), list, &listed).error_code(), c.code);
    v1::WebhookRef ref;
    ref.set_tenant("beta");
    ref.set_id(id);
    v1::Webhook got;
    EXPECT_EQ(stub_->GetWebhook(As(c.token).get(), ref, &got).error_code(), c.code);
    google::protobuf::Empty empty;
    EXPECT_EQ(stub_->RemoveWebhook(As(c.token).get(), ref, &empty).error_code(), c.code);
    v1::RotateWebhookSecretRequest rotate;
    rotate.set_tenant("beta");
    rotate.set_id(id);
    v1::RotateWebhookSecretResponse rotated;
    EXPECT_EQ(stub_->RotateWebhookSecret(As(c.token).get(), rotate, &rotated).error_code(),
              c.code);
    v1::ReplayWebhookRequest replay;
    replay.set_tenant("beta");
    replay.set_id(id);
    EXPECT_EQ(stub_->ReplayWebhook(As(c.token).get(), replay, &got).error_code(), c.code);
  }
  EXPECT_EQ(store_->List("beta")->size(), 1u);
  EXPECT_TRUE(store_->Get("beta", id).ok());
  // The tenant's own credential works for its own tenant.
  v1::AddWebhookResponse own;
  EXPECT_TRUE(Add("acme-key", "acme", "https://hooks.example/", &own).ok());
}

TEST_F(WebhookServiceTest, SecretsAreShownOnceAndNeverInAWebhook) {
  for (int i = 0; i < 4; ++i) feed_.Append(UserEvent("acme", "user.created", clock_.Now()));
  v1::AddWebhookResponse added;
  ASSERT_TRUE(Add("acme-key", "acme", "https://hooks.example/in", &added).ok());
  EXPECT_TRUE(SecretKey(added.secret()).ok());
  EXPECT_EQ(added.webhook().delivered_sequence(), 4u);
  EXPECT_FALSE(absl::StrContains(added.webhook().SerializeAsString(), "whsec_"));

  v1::RotateWebhookSecretRequest rotate;
  rotate.set_tenant("acme");
  rotate.set_id(added.webhook().id());
  v1::RotateWebhookSecretResponse rotated;
  ASSERT_TRUE(stub_->RotateWebhookSecret(As("acme-key").get(), rotate, &rotated).ok());
  EXPECT_TRUE(SecretKey(rotated.secret()).ok());
  EXPECT_NE(rotated.secret(), added.secret());

  v1::ListWebhooksRequest list;
  list.set_tenant("acme");
  v1::ListWebhooksResponse listed;
  ASSERT_TRUE(stub_->ListWebhooks(As("acme-key").get(), list, &listed).ok());
  ASSERT_EQ(listed.webhooks_size(), 1);
  EXPECT_FALSE(absl::StrContains(listed.SerializeAsString(), "whsec_"));
  EXPECT_FALSE(absl::StrContains(listed.SerializeAsString(), rotated.secret().substr(6)));
  EXPECT_EQ(listed.webhooks(0).url(), "https://hooks.example/in");
  EXPECT_EQ(listed.webhooks(0).state(), "healthy");

  rotate.set_grace_seconds(-1);
  grpc::Status negative = stub_->RotateWebhookSecret(As("acme-key").get(), rotate, &rotated);
  EXPECT_EQ(negative.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(WebhookServiceTest, ErrorsCarryTheScimType) {
  v1::AddWebhookResponse added;
  grpc::Status bad = Add("admin", "acme", "http://user:pw@hooks.example/", &added);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ScimTypeOf(FromGrpcStatus(bad)), scim_type::kInvalidValue);
  EXPECT_TRUE(absl::StrContains(bad.error_message(), "credentials"));

  v1::WebhookRef ref;
  ref.set_tenant("acme");
  ref.set_id("missing");
  v1::Webhook got;
  EXPECT_EQ(stub_->GetWebhook(As("admin").get(), ref, &got).error_code(),
            grpc::StatusCode::NOT_FOUND);
  google::protobuf::Empty empty;
  EXPECT_EQ(stub_->RemoveWebhook(As("admin").get(), ref, &empty).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(WebhookServiceTest, ReplayAndLag) {
  sender_.On("https://hooks.example/", [](const FakeSender::Request&) {
    return SendResult{410, "", "HTTP 410"};
  });
  v1::AddWebhookResponse added;
  ASSERT_TRUE(Add("admin", "acme", "https://hooks.example/", &added).ok());
  const absl::Time first = clock_.Now();
  for (int i = 0; i < 3; ++i) feed_.Append(UserEvent("acme", "user.created", first));
  v1::WebhookRef ref;
  ref.set_tenant("acme");
  ref.set_id(added.webhook().id());
  v1::Webhook got;
  for (int i = 0; i < 20000 && got.state() != "disabled"; ++i) {
    ASSERT_TRUE(stub_->GetWebhook(As("admin").get(), ref, &got).ok());
  }
  ASSERT_EQ(got.state(), "disabled");
  clock_.Advance(absl::Seconds(90));
  ASSERT_TRUE(stub_->GetWebhook(As("admin").get(), ref, &got).ok());
  EXPECT_EQ(got.lag_events(), 3u);
  EXPECT_DOUBLE_EQ(got.lag_seconds(), 90);
  EXPECT_TRUE(absl::StrContains(got.last_error(), "410"));

  v1::ReplayWebhookRequest replay;
  replay.set_tenant("acme");
  replay.set_id(added.webhook().id());
  replay.set_after(2);
  ASSERT_TRUE(stub_->ReplayWebhook(As("admin").get(), replay, &got).ok());
  EXPECT_EQ(got.delivered_sequence(), 2u);
  EXPECT_EQ(got.lag_events(), 1u);
  replay.set_after(99);
  grpc::Status beyond = stub_->ReplayWebhook(As("admin").get(), replay, &got);
  EXPECT_EQ(beyond.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  feed_.DropThrough("acme", 2);
  replay.set_after(0);
  grpc::Status expired = stub_->ReplayWebhook(As("admin").get(), replay, &got);
  EXPECT_EQ(expired.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_TRUE(absl::StrContains(expired.error_message(), "oldest"));
}

}  // namespace
}  // namespace scim::webhooks
