// EventService over a real (in-process) gRPC server: access, paging, the
// stream's replay-then-follow and resumption, tenant lifecycle records.
#include "events/event_service.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "common/admin_token.h"
#include "common/server.h"
#include "common/status.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "scim/v1/resources.pb.h"

namespace scim::events {
namespace {

class EventServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = NewMemoryKvStore({kPendingCf, kEventsCf});
    log_ = std::make_unique<EventLog>(kv_.get(), Clock::Real());
    service_ = std::make_unique<EventServiceImpl>(
        log_.get(),
        [](absl::string_view tenant, absl::string_view type, absl::string_view id)
            -> absl::StatusOr<std::optional<google::protobuf::Any>> {
          if (id == "gone") return std::nullopt;
          v1::User u;
          u.set_id(std::string(id));
          u.set_user_name(absl::StrCat(tenant, ":", type));
          google::protobuf::Any any;
          any.PackFrom(u);
          return any;
        },
        Clock::Real(), RandomSource::Secure(),
        EventServiceOptions{.watch_poll = absl::Milliseconds(20)});
    // The admin token, or "key-<tenant>" for that tenant.
    service_->EnableAuthorization(
        [](const grpc::ServerContext& context, const std::string& tenant) {
          const std::string bearer = BearerFromMetadata(context);
          if (bearer == "admin" || bearer == "key-" + tenant) return absl::OkStatus();
          return ScimError(absl::StatusCode::kPermissionDenied, "", "not this tenant");
        },
        [](const grpc::ServerContext& context) { return CheckAdmin(context, "admin"); });
    int port = 0;
    auto server = StartGrpcServer("127.0.0.1:0", {service_.get()}, &port);
    ASSERT_TRUE(server.ok());
    server_ = std::move(*server);
    stub_ = v1::EventService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
    log_->Start();
  }
  void TearDown() override {
    server_->Shutdown();
    log_->Stop();
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& bearer) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->AddMetadata("authorization", "Bearer " + bearer);
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return context;
  }

  void Write(const std::string& tenant, const std::string& type, const std::string& id) {
    EventLog::Batch batch(log_.get());
    auto txn = kv_->BeginTransaction();
    v1::Event e;
    e.set_id(absl::StrCat("evt-", ++written_));
    e.set_tenant(tenant);
    e.set_type(type);
    e.set_resource_type("User");
    e.set_resource_id(id);
    e.mutable_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    ASSERT_TRUE(batch.Stage(*txn, e).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }

  // Waits (bounded) until `tenant` has `n` events numbered.
  void AwaitNumbered(const std::string& tenant, uint64_t n) {
    ASSERT_TRUE(log_->AwaitNewer(tenant, n - 1, absl::Seconds(10)));
  }

  int written_ = 0;
  std::unique_ptr<KvStore> kv_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<EventServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::EventService::Stub> stub_;
};

TEST_F(EventServiceTest, ListsToTheTenantOrTheAdminOnly) {
  Write("a", "user.created", "u1");
  AwaitNumbered("a", 1);
  for (const char* bearer : {"admin", "key-a"}) {
    v1::ListEventsRequest request;
    request.set_tenant("a");
    v1::ListEventsResponse response;
    ASSERT_TRUE(stub_->ListEvents(As(bearer).get(), request, &response).ok()) << bearer;
    ASSERT_EQ(response.events_size(), 1);
    EXPECT_EQ(response.events(0).sequence(), 1u);
    EXPECT_FALSE(response.events(0).has_resource());
    EXPECT_EQ(response.latest_sequence(), 1u);
  }
  v1::ListEventsRequest request;
  request.set_tenant("a");
  v1::ListEventsResponse response;
  EXPECT_EQ(stub_->ListEvents(As("key-b").get(), request, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(EventServiceTest, RefusesBadRequestsClearly) {
  v1::ListEventsRequest request;
  request.set_tenant("a");
  request.add_types("user.exploded");
  v1::ListEventsResponse response;
  grpc::Status s = stub_->ListEvents(As("admin").get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("user.exploded"), std::string::npos);
  request.clear_types();
  request.set_after(5);
  s = stub_->ListEvents(As("admin").get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE) << s.error_message();
  request.set_after(0);
  request.set_limit(-1);
  EXPECT_EQ(stub_->ListEvents(As("admin").get(), request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(EventServiceTest, CarriesTheResourceOnlyWhenAsked) {
  Write("a", "user.updated", "u1");
  Write("a", "user.deleted", "gone");
  AwaitNumbered("a", 2);
  v1::ListEventsRequest request;
  request.set_tenant("a");
  request.set_include_resource(true);
  v1::ListEventsResponse response;
  ASSERT_TRUE(stub_->ListEvents(As("key-a").get(), request, &response).ok());
  ASSERT_EQ(response.events_size(), 2);
  v1::User user;
  ASSERT_TRUE(response.events(0).resource().UnpackTo(&user));
  EXPECT_EQ(user.user_name(), "a:User");
  EXPECT_TRUE(response.events(0).has_resource_read_at());
  EXPECT_FALSE(response.events(1).has_resource()) << "a deleted resource has none";
}

TEST_F(EventServiceTest, WatchReplaysThenFollowsAndResumesWithoutGaps) {
  Write("a", "user.created", "u1");
  Write("b", "user.created", "other-tenant");
  AwaitNumbered("a", 1);
  std::vector<uint64_t> seen;
  {
    v1::WatchEventsRequest request;
    request.set_tenant("a");
    auto context = As("key-a");
    auto reader = stub_->WatchEvents(context.get(), request);
    v1::Event e;
    ASSERT_TRUE(reader->Read(&e));  // replayed
    seen.push_back(e.sequence());
    std::thread writer([&] {
      for (int i = 0; i < 5; ++i) Write("a", "user.updated", "u1");
    });
    while (seen.size() < 4 && reader->Read(&e)) seen.push_back(e.sequence());
    writer.join();
    context->TryCancel();  // a disconnect, mid-stream
  }
  // Resume after the last one seen.
  v1::WatchEventsRequest request;
  request.set_tenant("a");
  request.set_after(seen.back());
  auto context = As("key-a");
  auto reader = stub_->WatchEvents(context.get(), request);
  v1::Event e;
  while (seen.size() < 6 && reader->Read(&e)) {
    EXPECT_EQ(e.tenant(), "a");
    seen.push_back(e.sequence());
  }
  context->TryCancel();
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
}

TEST_F(EventServiceTest, WatchFiltersByType) {
  Write("a", "user.created", "u1");
  Write("a", "user.updated", "u1");
  Write("a", "user.deleted", "u1");
  v1::WatchEventsRequest request;
  request.set_tenant("a");
  request.add_types("user.deleted");
  auto context = As("admin");
  auto reader = stub_->WatchEvents(context.get(), request);
  v1::Event e;
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_EQ(e.type(), "user.deleted");
  EXPECT_EQ(e.sequence(), 3u);
  context->TryCancel();
}

TEST_F(EventServiceTest, TenantStateIsAdminOnlyAndRecordedOnChange) {
  v1::RecordTenantStateRequest request;
  request.set_tenant("a");
  request.set_disabled(true);
  v1::RecordTenantStateResponse response;
  EXPECT_FALSE(stub_->RecordTenantState(As("key-a").get(), request, &response).ok());
  ASSERT_TRUE(stub_->RecordTenantState(As("admin").get(), request, &response).ok());
  EXPECT_TRUE(response.recorded());
  ASSERT_TRUE(stub_->RecordTenantState(As("admin").get(), request, &response).ok());
  EXPECT_FALSE(response.recorded());
  AwaitNumbered("a", 1);
  v1::ListEventsRequest list;
  list.set_tenant("a");
  v1::ListEventsResponse events;
  ASSERT_TRUE(stub_->ListEvents(As("admin").get(), list, &events).ok());
  ASSERT_EQ(events.events_size(), 1);
  EXPECT_EQ(events.events(0).type(), "tenant.disabled");
  EXPECT_EQ(events.events(0).resource_type(), "Tenant");
}

}  // namespace
}  // namespace scim::events

namespace scim::events {
namespace {

// 100 subscribers of one tenant through a 10 000-write burst: every one
// gets every event, in order. (SCIM_WATCH_FANOUT_EVENTS changes the burst.)
TEST_F(EventServiceTest, AHundredWatchersEachGetEveryEventOfABurstInOrder) {
  const char* env = std::getenv("SCIM_WATCH_FANOUT_EVENTS");
  const uint64_t kEvents = env != nullptr ? std::strtoull(env, nullptr, 10) : 10000;
  constexpr int kWatchers = 100;
  // Every shared vector is sized before the first thread starts: a push_back
  // that reallocates under a running watcher hands it a freed context (CI
  // crashed in Channel::CreateCallInternal so), and vector<bool> packs bits,
  // so its elements are not separately writable from different threads.
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  for (int w = 0; w < kWatchers; ++w) {
    contexts.push_back(As("key-a"));
    // An unoptimized build (Bazel's fastbuild) needs more than As()'s 10 s.
    contexts.back()->set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(3));
  }
  std::vector<std::thread> watchers;
  std::vector<uint64_t> received(kWatchers, 0);
  std::vector<char> in_order(kWatchers, 1);
  std::atomic<int> ready{0};
  for (int w = 0; w < kWatchers; ++w) {
    watchers.emplace_back([&, w] {
      v1::WatchEventsRequest request;
      request.set_tenant("a");
      auto reader = stub_->WatchEvents(contexts[w].get(), request);
      ready.fetch_add(1);
      v1::Event e;
      while (received[w] < kEvents && reader->Read(&e)) {
        if (e.sequence() != received[w] + 1) in_order[w] = 0;
        ++received[w];
      }
      contexts[w]->TryCancel();
    });
  }
  while (ready.load() < kWatchers) absl::SleepFor(absl::Milliseconds(1));
  // The burst: writes of 100 events each, as fast as the store takes them.
  for (uint64_t i = 0; i < kEvents; i += 100) {
    EventLog::Batch batch(log_.get());
    auto txn = kv_->BeginTransaction();
    for (uint64_t j = i; j < std::min(kEvents, i + 100); ++j) {
      v1::Event e;
      e.set_id(absl::StrCat("burst-", j));
      e.set_tenant("a");
      e.set_type("user.updated");
      e.mutable_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
      ASSERT_TRUE(batch.Stage(*txn, e).ok());
    }
    ASSERT_TRUE(txn->Commit().ok());
  }
  for (auto& t : watchers) t.join();
  for (int w = 0; w < kWatchers; ++w) {
    EXPECT_EQ(received[w], kEvents) << "watcher " << w;
    EXPECT_TRUE(in_order[w]) << "watcher " << w;
  }
}

}  // namespace
}  // namespace scim::events
