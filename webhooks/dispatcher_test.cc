// The dispatcher over a fake feed, a fake sender and a fake clock: order,
// signing, type filters, retries and backoff, give-up, 410, replay,
// restarts, and that a hanging endpoint holds up nobody else.
#include "webhooks/dispatcher.h"

#include <functional>
#include <map>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "common/metrics.h"
#include "common/proto_util.h"
#include "events/event_json.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "scim/v1/resources.pb.h"
#include "storage/forwarding_kv_store.h"
#include "webhooks/signature.h"
#include "webhooks/test_fakes_for_tests.h"

namespace scim::webhooks {
namespace {

using Json = nlohmann::json;

constexpr char kHookA[] = "https://a.example/hook";
constexpr char kHookB[] = "https://b.example/hook";
constexpr char kHookC[] = "https://c.example/hook";

uint64_t SequenceOf(const FakeSender::Request& request) {
  return Json::parse(request.body)["data"]["sequence"].get<uint64_t>();
}

// A store whose next point read, once armed, returns what it read only
// when the test lets it: a turn held between reading an endpoint and
// finishing, so that a test can act in between.
class GatedKvStore : public ForwardingKvStore {
 public:
  explicit GatedKvStore(std::unique_ptr<KvStore> inner)
      : ForwardingKvStore(inner.get()), owned_(std::move(inner)) {}
  void Arm() {
    absl::MutexLock lock(&mu_);
    armed_ = true;
    held_ = released_ = false;
  }
  bool AwaitHeld() {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&held_), absl::Seconds(20));
  }
  void Release() {
    absl::MutexLock lock(&mu_);
    released_ = true;
  }

  absl::StatusOr<std::optional<std::string>> Get(absl::string_view cf,
                                                 absl::string_view key) override {
    auto read = ForwardingKvStore::Get(cf, key);
    absl::MutexLock lock(&mu_);
    if (armed_) {
      armed_ = false;
      held_ = true;
      mu_.Await(absl::Condition(&released_));
    }
    return read;
  }

 private:
  const std::unique_ptr<KvStore> owned_;
  absl::Mutex mu_;
  bool armed_ ABSL_GUARDED_BY(mu_) = false;
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
};

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto gated = std::make_unique<GatedKvStore>(NewMemoryKvStore({kWebhooksColumnFamily}));
    gated_ = gated.get();
    kv_ = std::move(gated);
    store_ = std::make_unique<WebhookStore>(kv_.get(), &feed_, &guard_,
                                            Runtime{&clock_, &random_});
  }
  void TearDown() override {
    if (!release_.HasBeenNotified()) release_.Notify();
    gated_->Release();
    dispatcher_.reset();
  }

  static DispatcherOptions TestOptions() {
    DispatcherOptions options;
    options.threads = 2;
    options.retry.jitter = 0;
    return options;
  }
  void StartDispatcher(DispatcherOptions options = TestOptions(),
                       events::ResourceReader reader = nullptr) {
    dispatcher_ = std::make_unique<Dispatcher>(store_.get(), &feed_, &sender_, &guard_,
                                               std::move(reader), Runtime{&clock_, &random_},
                                               options);
    ASSERT_TRUE(dispatcher_->Start().ok());
  }
  std::string Add(const std::string& tenant, const std::string& url,
                  std::vector<std::string> types = {}, bool include_resource = false) {
    v1::AddWebhookRequest request;
    request.set_tenant(tenant);
    request.set_url(url);
    for (const auto& t : types) request.add_event_types(t);
    request.set_include_resource(include_resource);
    auto added = store_->Add(request);
    EXPECT_TRUE(added.ok()) << added.status();
    if (!added.ok()) return "";
    secrets_[added->webhook.id()] = added->secret;
    if (dispatcher_) dispatcher_->Refresh(tenant, added->webhook.id());
    return added->webhook.id();
  }
  uint64_t Append(const std::string& tenant, const std::string& type = "user.created") {
    return feed_.Append(UserEvent(tenant, type, clock_.Now() - absl::Seconds(1)));
  }
  v1::Webhook Stored(const std::string& tenant, const std::string& id) {
    auto stored = store_->Get(tenant, id);
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? stored->webhook() : v1::Webhook();
  }
  bool DeliveredThrough(const std::string& tenant, const std::string& id, uint64_t sequence) {
    return Eventually([&] { return Stored(tenant, id).delivered_sequence() >= sequence; });
  }
  bool InState(const std::string& tenant, const std::string& id, const std::string& state) {
    return Eventually([&] { return Stored(tenant, id).state() == state; });
  }
  // Checks one request's Standard Webhooks headers against `secrets`.
  void ExpectSigned(const FakeSender::Request& r, const std::vector<std::string>& secrets) {
    const std::string id = r.Header("webhook-id");
    int64_t timestamp = 0;
    ASSERT_TRUE(absl::SimpleAtoi(r.Header("webhook-timestamp"), &timestamp));
    EXPECT_EQ(id, Json::parse(r.body)["data"]["id"]);
    const std::vector<std::string> sent = absl::StrSplit(r.Header("webhook-signature"), ' ');
    ASSERT_EQ(sent.size(), secrets.size());
    for (size_t i = 0; i < secrets.size(); ++i) {
      EXPECT_EQ(sent[i], *Sign(secrets[i], id, timestamp, r.body));
    }
  }

  FakeClock clock_;
  FakeRandom random_;
  FakeEventFeed feed_;
  FakeSender sender_;
  absl::Mutex dns_mu_;
  // Every test host resolves to a public address unless a test says else.
  std::map<std::string, std::string> dns_ ABSL_GUARDED_BY(dns_mu_);
  DestinationGuard guard_{false, [this](const std::string& host)
                                     -> absl::StatusOr<std::vector<std::string>> {
                            absl::MutexLock lock(&dns_mu_);
                            auto it = dns_.find(host);
                            return std::vector<std::string>{
                                it == dns_.end() ? "93.184.216.34" : it->second};
                          }};
  GatedKvStore* gated_ = nullptr;
  std::unique_ptr<KvStore> kv_;
  std::unique_ptr<WebhookStore> store_;
  std::map<std::string, std::string> secrets_;
  absl::Notification release_;  // lets hanging responders return
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, DeliversEveryEventInOrderOnePerPostSigned) {
  Append("acme");  // before the endpoint: not delivered
  StartDispatcher();
  EXPECT_EQ(feed_.listeners(), 1);
  const std::string id = Add("acme", kHookA);
  for (int i = 0; i < 120; ++i) Append("acme", i % 2 ? "user.updated" : "group.member_added");
  ASSERT_TRUE(sender_.AwaitRequests(kHookA, 120));
  ASSERT_TRUE(DeliveredThrough("acme", id, 121));
  const auto requests = sender_.requests(kHookA);
  ASSERT_EQ(requests.size(), 120u);
  auto page = feed_.Read("acme", 1, 200, {});
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    EXPECT_EQ(SequenceOf(r), i + 2);
    EXPECT_EQ(r.body, events::WebhookBody(page->events[i]));
    EXPECT_EQ(r.Header("webhook-id"), page->events[i].id());
    EXPECT_EQ(r.Header("webhook-timestamp"), absl::StrCat(absl::ToUnixSeconds(clock_.Now())));
    EXPECT_EQ(r.ip, "93.184.216.34");
    ExpectSigned(r, {secrets_[id]});
  }
  const v1::Webhook w = Stored("acme", id);
  EXPECT_EQ(w.state(), kHealthy);
  EXPECT_EQ(w.attempts(), 0);
  dispatcher_->Stop();
  EXPECT_EQ(feed_.listeners(), 0);
}

TEST_F(DispatcherTest, TypeFilterSkipsWithoutAPost) {
  StartDispatcher();
  const std::string filtered = Add("acme", kHookA, {"group.created"});
  const std::string all = Add("acme", kHookB);
  Append("acme", "user.created");
  Append("acme", "user.created");
  const uint64_t wanted = Append("acme", "group.created");
  Append("acme", "user.deleted");
  const uint64_t last = Append("acme", "user.updated");
  ASSERT_TRUE(sender_.AwaitRequests(kHookB, 5));
  ASSERT_TRUE(DeliveredThrough("acme", filtered, last));
  const auto requests = sender_.requests(kHookA);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(SequenceOf(requests[0]), wanted);
  EXPECT_TRUE(DeliveredThrough("acme", all, last));
}

TEST_F(DispatcherTest, TenantsAreApart) {
  StartDispatcher();
  const std::string a = Add("acme", kHookA);
  const std::string b = Add("beta", kHookB);
  Append("acme");
  Append("beta");
  Append("beta");
  ASSERT_TRUE(sender_.AwaitRequests(kHookB, 2));
  ASSERT_TRUE(sender_.AwaitRequests(kHookA, 1));
  ASSERT_TRUE(DeliveredThrough("beta", b, 2));
  ASSERT_TRUE(DeliveredThrough("acme", a, 1));
  for (const auto& r : sender_.requests(kHookA)) EXPECT_EQ(Json::parse(r.body)["data"]["tenant"], "acme");
  for (const auto& r : sender_.requests(kHookB)) EXPECT_EQ(Json::parse(r.body)["data"]["tenant"], "beta");
  EXPECT_EQ(sender_.requests(kHookA).size(), 1u);
}

TEST_F(DispatcherTest, AFailureIsRetriedWithTheSameIdAfterTheBackoffAndHoldsBackTheNext) {
  int calls = 0;
  sender_.On(kHookA, [&](const FakeSender::Request&) {
    return ++calls == 1 ? SendResult{500, "", "HTTP 500"} : SendResult{200, "", ""};
  });
  StartDispatcher();
  const std::string id = Add("acme", kHookA);
  const absl::Time t0 = clock_.Now();
  Append("acme");
  Append("acme");
  ASSERT_TRUE(InState("acme", id, kRetrying));
  v1::Webhook w = Stored("acme", id);
  EXPECT_EQ(w.attempts(), 1);
  EXPECT_EQ(w.last_error(), "HTTP 500");
  EXPECT_EQ(w.delivered_sequence(), 0u);
  EXPECT_EQ(FromTimestamp(w.next_attempt()), t0 + absl::Seconds(5));
  EXPECT_EQ(sender_.requests(kHookA).size(), 1u);

  clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(sender_.AwaitRequests(kHookA, 3));
  ASSERT_TRUE(DeliveredThrough("acme", id, 2));
  const auto requests = sender_.requests(kHookA);
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(SequenceOf(requests[0]), 1u);
  EXPECT_EQ(SequenceOf(requests[1]), 1u);
  EXPECT_EQ(SequenceOf(requests[2]), 2u);
  EXPECT_EQ(requests[0].Header("webhook-id"), requests[1].Header("webhook-id"));
  EXPECT_EQ(requests[0].body, requests[1].body);
  // A fresh timestamp (and so signature) per attempt.
  EXPECT_EQ(requests[1].Header("webhook-timestamp"), absl::StrCat(absl::ToUnixSeconds(t0) + 5));
  ExpectSigned(requests[1], {secrets_[id]});
  w = Stored("acme", id);
  EXPECT_EQ(w.state(), kHealthy);
  EXPECT_EQ(w.attempts(), 0);
  EXPECT_TRUE(w.last_error().empty());
  EXPECT_FALSE(w.has_next_attempt());
}

TEST_F(DispatcherTest, RetryAfterIsHonoured) {
  int calls = 0;
  sender_.On(kHookA, [&](const FakeSender::Request&) {
    return ++calls == 1 ? SendResult{503, "60", "HTTP 503"} : SendResult{200, "", ""};
  });
  StartDispatcher();
  const std::string id = Add("acme", kHookA);
  const absl::Time t0 = clock_.Now();
  Append("acme");
  ASSERT_TRUE(InState("acme", id, kRetrying));
  EXPECT_EQ(FromTimestamp(Stored("acme", id).next_attempt()), t0 + absl::Seconds(60));
  // Another endpoint's delivery shows the dispatcher has run since.
  Add("acme", kHookB);
  clock_.Advance(absl::Seconds(30));
  Append("acme");
  ASSERT_TRUE(sender_.AwaitRequests(kHookB, 1));
  EXPECT_EQ(sender_.requests(kHookA).size(), 1u);
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(DeliveredThrough("acme", id, 2));
  EXPECT_EQ(sender_.requests(kHookA).size(), 3u);
}

TEST_F(DispatcherTest, GoneDisablesAtOnceAndReplayReenables) {
  bool gone = true;
  absl::Mutex mu;
  sender_.On(kHookA, [&](const FakeSender::Request&) {
    absl::MutexLock lock(&mu);
    return gone ? SendResult{410, "", "HTTP 410"} : SendResult{200, "", ""};
  });
  StartDispatcher();
  const std::string id = Add("acme", kHookA);
  const std::string witness = Add("acme", kHookB);
  Append("acme");
  ASSERT_TRUE(InState("acme", id, kDisabled));
  EXPECT_TRUE(absl::StrContains(Stored("acme", id).last_error(), "410"));
  EXPECT_FALSE(Stored("acme", id).has_next_attempt());
  // Disabled: later events and time do not reach it.
  clock_.Advance(absl::Hours(1));
  Append("acme");
  ASSERT_TRUE(DeliveredThrough("acme", witness, 2));
  EXPECT_EQ(sender_.requests(kHookA).size(), 1u);

  {
    absl::MutexLock lock(&mu);
    gone = false;
  }
  ASSERT_TRUE(store_->Replay("acme", id, 0).ok());
  dispatcher_->Refresh("acme", id);
  ASSERT_TRUE(DeliveredThrough("acme", id, 2));
  const auto requests = sender_.requests(kHookA);
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(SequenceOf(requests[1]), 1u);
  EXPECT_EQ(SequenceOf(requests[2]), 2u);
  EXPECT_EQ(Stored("acme", id).state(), kHealthy);
}

TEST_F(DispatcherTest, AReplayDuringATurnThatFoundItDisabledStillReenables) {
  sender_.On(kHookA, [](const FakeSender::Request&) { return SendResult{410, "", "HTTP 410"}; });
  StartDispatcher();
  const std::string id = Add("acme", kHookA);
  Append("acme");
  ASSERT_TRUE(InState("acme", id, kDisabled));
  sender_.On(kHookA, [](const FakeSender::Request&) { return SendResult{200, "", ""}; });
  Append("acme");
  // A refresh (as an edit of the endpoint makes) starts a turn that reads
  // the endpoint, still disabled, and is held there while the operator
  // replays it.
  gated_->Arm();
  dispatcher_->Refresh("acme", id);
  ASSERT_TRUE(gated_->AwaitHeld());
  ASSERT_TRUE(store_->Replay("acme", id, 0).ok());
  dispatcher_->Refresh("acme", id);
  gated_->Release();
  ASSERT_TRUE(DeliveredThrough("acme", id, 2));
  EXPECT_EQ(Stored("acme", id).state(), kHealthy);
}

TEST_F(DispatcherTest, GivesUpAboutThreeDaysAfterTheFirstFailure) {
  sender_.On(kHookA, [](const FakeSender::Request&) { return SendResult{0, "", "transport error: Connection"}; });
  StartDispatcher();
  const std::string id = Add("acme", kHookA);
  const absl::Time t0 = clock_.Now();
  Append("acme");
  for (int i = 1; i < 60; ++i) {
    ASSERT_TRUE(Eventually([&] {
      const v1::Webhook w = Stored("acme", id);
      return w.attempts() == i || w.state() == kDisabled;
    })) << i;
    const v1::Webhook w = Stored("acme", id);
    if (w.state() == kDisabled) break;
    clock_.Advance(FromTimestamp(w.next_attempt()) - clock_.Now());
  }
  const v1::Webhook w = Stored("acme", id);
  ASSERT_EQ(w.state(), kDisabled);
  EXPECT_EQ(clock_.Now() - t0, absl::Hours(72));
  EXPECT_TRUE(absl::StrContains(w.last_error(), "given up")) << w.last_error();
  EXPECT_TRUE(absl::StrContains(w.last_error(), "transport error")) << w.last_error();
  EXPECT_EQ(static_cast<int>(sender_.requests(kHookA).size()), w.attempts());
  for (const auto& r : sender_.requests(kHookA)) EXPECT_EQ(SequenceOf(r), 1u);
}

TEST_F(DispatcherTest, AHangingEndpointDoesNotDelayAnother) {
  sender_.On(kHookA, [&](const FakeSender::Request&) {
    release_.WaitForNotification();
    return SendResult{0, "", "transport error: Read"};
  });
  StartDispatcher();
  Add("acme", kHookA);
  const std::string other_tenant = Add("beta", kHookB);
  const std::string same_tenant = Add("acme", kHookC);
  Append("acme");
  // A is stuck in its first POST.
  ASSERT_TRUE(Eventually([&] { return sender_.requests(kHookC).size() == 1; }));
  for (int i = 0; i < 10; ++i) Append("beta");
  for (int i = 0; i < 10; ++i) Append("acme");
  ASSERT_TRUE(DeliveredThrough("beta", other_tenant, 10));
  ASSERT_TRUE(DeliveredThrough("acme", same_tenant, 11));
  EXPECT_TRUE(sender_.requests(kHookA).empty());  // still hanging
  release_.Notify();
}

TEST_F(DispatcherTest, RetryingEndpointsNeverTakeTheLastThread) {
  // Two endpoints that fail once, then hang on every retry.
  absl::Mutex mu;
  std::map<std::string, int> entered;
  auto failing_then_hanging = [&](const FakeSender::Request& r) {
    {
      absl::MutexLock lock(&mu);
      if (++entered[r.url] == 1) return SendResult{500, "", "HTTP 500"};
    }
    release_.WaitForNotification();
    return SendResult{0, "", "transport error: Read"};
  };
  auto total_entered = [&] {
    absl::MutexLock lock(&mu);
    return entered[kHookA] + entered[kHookC];
  };
  sender_.On(kHookA, failing_then_hanging);
  sender_.On(kHookC, failing_then_hanging);
  StartDispatcher();  // two threads: retrying endpoints may hold one
  const std::string a = Add("acme", kHookA);
  const std::string c = Add("acme", kHookC);
  Append("acme");
  ASSERT_TRUE(InState("acme", a, kRetrying));
  ASSERT_TRUE(InState("acme", c, kRetrying));
  const std::string b = Add("beta", kHookB);
  clock_.Advance(absl::Seconds(5));  // both retries due: one hangs, the other waits
  ASSERT_TRUE(Eventually([&] { return total_entered() == 3; }));
  for (int i = 0; i < 5; ++i) Append("beta");
  ASSERT_TRUE(DeliveredThrough("beta", b, 5));
  EXPECT_EQ(total_entered(), 3);  // the second retrying endpoint still waits
  release_.Notify();
}

TEST_F(DispatcherTest, ProgressSurvivesARestart) {
  StartDispatcher();
  const std::string id = Add("acme", kHookA);
  for (int i = 0; i < 3; ++i) Append("acme");
  ASSERT_TRUE(DeliveredThrough("acme", id, 3));
  dispatcher_.reset();  // a new process over the same store
  for (int i = 0; i < 2; ++i) Append("acme");
  StartDispatcher();
  ASSERT_TRUE(DeliveredThrough("acme", id, 5));
  const auto requests = sender_.requests(kHookA);
  ASSERT_EQ(requests.size(), 5u);
  for (size_t i = 0; i < requests.size(); ++i) EXPECT_EQ(SequenceOf(requests[i]), i + 1);
}

TEST_F(DispatcherTest, ABackoffRecordedBeforeARestartStillHolds) {
  sender_.On(kHookA, [](const FakeSender::Request&) { return SendResult{500, "", "HTTP 500"}; });
  StartDispatcher();
  const std::string id = Add("acme", kHookA);
  Append("acme");
  ASSERT_TRUE(InState("acme", id, kRetrying));
  dispatcher_.reset();
  StartDispatcher();
  const std::string witness = Add("acme", kHookB);
  Append("acme");
  ASSERT_TRUE(DeliveredThrough("acme", witness, 2));
  EXPECT_EQ(sender_.requests(kHookA).size(), 1u);
  clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(Eventually([&] { return Stored("acme", id).attempts() == 2; }));
  EXPECT_EQ(sender_.requests(kHookA).size(), 2u);
}

TEST_F(DispatcherTest, RemovedEndpointsGetNothingMore) {
  sender_.On(kHookA, [](const FakeSender::Request&) { return SendResult{500, "", "HTTP 500"}; });
  StartDispatcher();
  const std::string id = Add("acme", kHookA);
  Append("acme");
  ASSERT_TRUE(InState("acme", id, kRetrying));
  ASSERT_TRUE(store_->Remove("acme", id).ok());
  dispatcher_->Refresh("acme", id);
  const std::string witness = Add("acme", kHookB);
  clock_.Advance(absl::Minutes(10));
  Append("acme");
  ASSERT_TRUE(DeliveredThrough("acme", witness, 2));
  EXPECT_EQ(sender_.requests(kHookA).size(), 1u);
  EXPECT_TRUE(Eventually([&] {
    return !absl::StrContains(MetricsText(), absl::StrCat("webhook=\"", id, "\""));
  }));
}

TEST_F(DispatcherTest, DuringRotationBothSecretsSign) {
  StartDispatcher();
  const std::string id = Add("acme", kHookA);
  const std::string old_secret = secrets_[id];
  auto rotated = store_->RotateSecret("acme", id, absl::Hours(1));
  ASSERT_TRUE(rotated.ok());
  dispatcher_->Refresh("acme", id);
  Append("acme");
  ASSERT_TRUE(sender_.AwaitRequests(kHookA, 1));
  ExpectSigned(sender_.requests(kHookA)[0], {*rotated, old_secret});
  clock_.Advance(absl::Hours(1));
  Append("acme");
  ASSERT_TRUE(sender_.AwaitRequests(kHookA, 2));
  ExpectSigned(sender_.requests(kHookA)[1], {*rotated});
}

TEST_F(DispatcherTest, ResourcesAreReadAtDelivery) {
  std::map<std::string, int> reads;
  absl::Mutex mu;
  events::ResourceReader reader =
      [&](absl::string_view tenant, absl::string_view type,
          absl::string_view id) -> absl::StatusOr<std::optional<google::protobuf::Any>> {
    absl::MutexLock lock(&mu);
    ++reads[std::string(id)];
    if (id == "gone") return std::nullopt;
    if (id == "broken") {
      if (reads[std::string(id)] == 1) return absl::UnavailableError("store busy");
      return std::nullopt;
    }
    v1::User user;
    user.set_id(std::string(id));
    user.set_user_name(absl::StrCat("user-of-", tenant));
    google::protobuf::Any any;
    any.PackFrom(user);
    return std::optional<google::protobuf::Any>(any);
  };
  StartDispatcher(TestOptions(), reader);
  const std::string id = Add("acme", kHookA, {}, /*include_resource=*/true);
  const std::string thin = Add("acme", kHookB);
  feed_.Append(UserEvent("acme", "user.updated", clock_.Now(), "u7"));
  feed_.Append(UserEvent("acme", "user.deleted", clock_.Now(), "gone"));
  feed_.Append(UserEvent("acme", "user.updated", clock_.Now(), "broken"));
  ASSERT_TRUE(InState("acme", id, kRetrying));  // the reader failed on the third
  EXPECT_TRUE(absl::StrContains(Stored("acme", id).last_error(), "store busy"));
  clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(DeliveredThrough("acme", id, 3));
  const auto requests = sender_.requests(kHookA);
  ASSERT_EQ(requests.size(), 3u);
  const Json first = Json::parse(requests[0].body)["data"];
  EXPECT_EQ(first["resource"]["userName"], "user-of-acme");
  EXPECT_EQ(first["resourceReadAt"], events::Rfc3339(clock_.Now() - absl::Seconds(5)));
  EXPECT_FALSE(Json::parse(requests[1].body)["data"].contains("resource"));
  ASSERT_TRUE(DeliveredThrough("acme", thin, 3));
  for (const auto& r : sender_.requests(kHookB)) {
    EXPECT_FALSE(Json::parse(r.body)["data"].contains("resource"));
  }
}

TEST_F(DispatcherTest, ADestinationThatTurnsPrivateIsRefusedAtDelivery) {
  StartDispatcher();
  const std::string id = Add("acme", kHookA);
  {
    absl::MutexLock lock(&dns_mu_);
    dns_["a.example"] = "169.254.169.254";  // rebinding after the add
  }
  Append("acme");
  ASSERT_TRUE(InState("acme", id, kRetrying));
  EXPECT_TRUE(absl::StrContains(Stored("acme", id).last_error(), "link-local"));
  EXPECT_TRUE(sender_.requests(kHookA).empty());
  {
    absl::MutexLock lock(&dns_mu_);
    dns_.erase("a.example");
  }
  clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(DeliveredThrough("acme", id, 1));
}

TEST_F(DispatcherTest, ACursorPastTheRetentionDisablesWithAReason) {
  StartDispatcher();
  const std::string id = Add("acme", kHookA);
  sender_.On(kHookA, [](const FakeSender::Request&) { return SendResult{500, "", "HTTP 500"}; });
  Append("acme");
  Append("acme");
  ASSERT_TRUE(InState("acme", id, kRetrying));
  feed_.DropThrough("acme", 1);
  clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(InState("acme", id, kDisabled));
  EXPECT_TRUE(absl::StrContains(Stored("acme", id).last_error(), "retention"));
  EXPECT_TRUE(absl::StrContains(Stored("acme", id).last_error(), "replay"));
}

TEST_F(DispatcherTest, LagIsVisibleOverTheApiAndInMetrics) {
  sender_.On(kHookA, [](const FakeSender::Request&) { return SendResult{500, "", "HTTP 500"}; });
  StartDispatcher();
  const std::string id = Add("acme", kHookA);
  const absl::Time first = clock_.Now() - absl::Seconds(1);
  for (int i = 0; i < 3; ++i) Append("acme");
  ASSERT_TRUE(InState("acme", id, kRetrying));
  const std::string labels = absl::StrCat("{tenant=\"acme\",webhook=\"", id, "\"}");
  // The gauges as of the failure (1 s after the first event), refreshed by
  // the scheduler; the API computes lag when asked.
  EXPECT_TRUE(Eventually([&] {
    const std::string text = MetricsText();
    return absl::StrContains(text, absl::StrCat("scim_webhook_lag_events", labels, " 3")) &&
           absl::StrContains(text, absl::StrCat("scim_webhook_state", labels, " 1")) &&
           absl::StrContains(text, absl::StrCat("scim_webhook_lag_seconds", labels, " 1"));
  })) << MetricsText();
  clock_.Advance(absl::Seconds(2));
  v1::Webhook w = Stored("acme", id);
  ASSERT_TRUE(dispatcher_->FillLag(&w).ok());
  EXPECT_EQ(w.lag_events(), 3u);
  EXPECT_DOUBLE_EQ(w.lag_seconds(), absl::ToDoubleSeconds(clock_.Now() - first));
  EXPECT_TRUE(absl::StrContains(MetricsText(), "scim_webhook_deliveries_total{outcome=\"server_error\"}"));
}

}  // namespace
}  // namespace scim::webhooks
