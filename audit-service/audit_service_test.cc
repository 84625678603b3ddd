// AuditService over a real (in-process) gRPC server: admin checks, Follow
// streaming, and the retention pruner.
#include "audit-service/audit_service.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "audit-service/audit_component.h"
#include "common/server.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "absl/strings/str_format.h"
#include "common/metrics.h"
#include "gtest/gtest.h"

namespace scim::audit {
namespace {

using google::protobuf::util::TimeUtil;

class AuditServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::unique_ptr<KvStore> kv = NewMemoryKvStore(ColumnFamilies());
    kv_ = kv.get();
    component_ = std::make_unique<AuditComponent>(
        std::move(kv),
        *SigningKey::Generate(*RandomSource::Secure()), "admin-token",
        Runtime{&clock_, RandomSource::Secure()});
    int port = 0;
    auto server = StartGrpcServer("127.0.0.1:0", {component_->service()}, &port);
    ASSERT_TRUE(server.ok());
    server_ = std::move(*server);
    stub_ = v1::AuditService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override { server_->Shutdown(); }

  std::unique_ptr<grpc::ClientContext> Admin() {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", "Bearer admin-token");
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(10));
    return context;
  }
  v1::AuditEvent Event(const std::string& id, absl::Time time) {
    v1::AuditEvent e;
    e.set_id(id);
    e.set_tenant("acme");
    e.set_operation("user.create");
    *e.mutable_time() = TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(time));
    return e;
  }
  grpc::Status Append(std::vector<v1::AuditEvent> events) {
    v1::AppendRequest request;
    for (auto& e : events) *request.add_events() = e;
    v1::AppendResponse response;
    return stub_->Append(Admin().get(), request, &response);
  }

  FakeClock clock_;
  KvStore* kv_ = nullptr;  // the component's
  std::unique_ptr<AuditComponent> component_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::AuditService::Stub> stub_;
};

TEST_F(AuditServiceTest, EveryRpcRequiresTheAdminToken) {
  for (const char* token : {"", "Bearer wrong", "admin-token"}) {
    grpc::ClientContext context;
    if (*token) context.AddMetadata("authorization", token);
    v1::VerifyRequest request;
    request.set_tenant("acme");
    v1::VerifyResponse response;
    EXPECT_EQ(stub_->Verify(&context, request, &response).error_code(),
              grpc::StatusCode::UNAUTHENTICATED)
        << token;
    v1::AppendRequest append;
    *append.add_events() = Event("x", absl::Now());
    grpc::ClientContext context2;
    if (*token) context2.AddMetadata("authorization", token);
    v1::AppendResponse appended;
    EXPECT_EQ(stub_->Append(&context2, append, &appended).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_TRUE(component_->store().Tail("acme", 10)->empty());
}

TEST_F(AuditServiceTest, FollowStreamsNewEvents) {
  ASSERT_TRUE(Append({Event("old", absl::Now())}).ok());
  v1::FollowRequest request;
  request.set_tenant("acme");
  request.set_after_sequence(1);  // only what comes after "old"
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer admin-token");
  auto reader = stub_->Follow(&context, request);
  std::thread appender([&] {
    for (int i = 0; i < 3; ++i) {
      absl::SleepFor(absl::Milliseconds(30));
      ASSERT_TRUE(Append({Event(absl::StrCat("new", i), absl::Now())}).ok());
    }
  });
  std::vector<std::string> ids;
  v1::AuditEvent event;
  while (ids.size() < 3 && reader->Read(&event)) ids.push_back(event.id());
  appender.join();
  context.TryCancel();
  reader->Finish();
  EXPECT_EQ(ids, (std::vector<std::string>{"new0", "new1", "new2"}));
}

// The edge's credential records refused requests and nothing else.
TEST_F(AuditServiceTest, DenialRecorderTokenAppendsOnlyRefusals) {
  auto call = [&](const std::string& bearer, const std::string& operation) {
    v1::AppendRequest request;
    v1::AuditEvent* e = request.add_events();
    *e = Event(absl::StrCat("e-", operation, "-", bearer.size()), clock_.Now());
    e->set_operation(operation);
    v1::AppendResponse response;
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + bearer);
    return stub_->Append(&context, request, &response).error_code();
  };
  const std::string denials = DenialRecorderToken("admin-token");
  EXPECT_NE(denials.find("scimden_"), std::string::npos);
  EXPECT_EQ(denials.find("admin-token"), std::string::npos);
  EXPECT_EQ(call(denials, "request.denied"), grpc::StatusCode::OK);
  EXPECT_EQ(call(denials, "user.create"), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(call(DenialRecorderToken("other"), "request.denied"),
            grpc::StatusCode::UNAUTHENTICATED);
  // Nothing else opens with it.
  v1::TailRequest tail;
  tail.set_tenant("acme");
  v1::TailResponse tailed;
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + denials);
  EXPECT_EQ(stub_->Tail(&context, tail, &tailed).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AuditServiceTest, BadRequestsAreInvalidArgument) {
  v1::PruneRequest prune;
  prune.set_tenant("acme");  // no `before`
  v1::PruneResponse pruned;
  EXPECT_EQ(stub_->Prune(Admin().get(), prune, &pruned).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::VerifyRequest verify;  // no tenant
  v1::VerifyResponse verified;
  EXPECT_EQ(stub_->Verify(Admin().get(), verify, &verified).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Append({Event("", absl::Now())}).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AuditServiceTest, RetentionPrunesOldEventsAndKeepsTheChainVerifiable) {
  const absl::Time now = clock_.Now();
  ASSERT_TRUE(Append({Event("a", now - absl::Hours(50)),
                      Event("b", now - absl::Hours(49)),
                      Event("c", now - absl::Minutes(5))})
                  .ok());
  component_->StartRetention(absl::Hours(48), absl::Minutes(10));
  // The first pass runs at once, against the component's (fake) clock.
  ASSERT_TRUE(component_->retention_loop()->AwaitRuns(1, absl::Seconds(10)));
  auto kept = component_->store().Tail("acme", 10);
  ASSERT_EQ(kept->size(), 1u);
  EXPECT_EQ((*kept)[0].id(), "c");
  auto verified = component_->store().Verify("acme");
  EXPECT_TRUE(verified->ok()) << verified->detail();
  EXPECT_EQ(verified->events(), 1u);
}

// A broken chain found by Verify counts in the metric the alert reads.
TEST_F(AuditServiceTest, ABrokenChainCountsInItsMetric) {
  ASSERT_TRUE(Append({Event("a", clock_.Now()), Event("b", clock_.Now())}).ok());
  const std::string key = absl::StrFormat("%s/%020u", "acme", 1);
  auto stored = kv_->Get("events", key);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  std::string bytes = **stored;
  bytes[bytes.find("user.create")] = 'U';
  ASSERT_TRUE(RunInTransaction(*kv_, [&](KvTransaction& txn) {
                return txn.Put("events", key, bytes);
              }).ok());
  v1::VerifyRequest request;
  request.set_tenant("acme");
  v1::VerifyResponse response;
  ASSERT_TRUE(stub_->Verify(Admin().get(), request, &response).ok());
  EXPECT_FALSE(response.ok());
  EXPECT_NE(MetricsText().find("scim_audit_chain_verify_failures_total{tenant=\"acme\"} 1"),
            std::string::npos)
      << MetricsText();
}

}  // namespace
}  // namespace scim::audit
