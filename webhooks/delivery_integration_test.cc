// Deliveries over real HTTP to a receiver on loopback (a free port): the
// real sender, the real guard (with --allow_private_webhooks), the store and
// the dispatcher; the feed is a fake and so is the clock, which only drives
// backoff.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/proto_util.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "webhooks/dispatcher.h"
#include "webhooks/httplib_sender.h"
#include "webhooks/signature.h"
#include "webhooks/test_fakes_for_tests.h"

namespace scim::webhooks {
namespace {

using Json = nlohmann::json;

// An HTTP receiver on 127.0.0.1 at a port the kernel picks.
class Receiver {
 public:
  struct Hit {
    std::string path, body;
    httplib::Headers headers;
  };
  // What a path answers: status, extra headers, body.
  struct Answer {
    int status = 200;
    httplib::Headers headers;
    std::string body;
  };
  using Script = std::function<Answer(const Hit&)>;

  Receiver() {
    server_.Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      Hit hit{req.path, req.body, req.headers};
      Script script;
      {
        absl::MutexLock lock(&mu_);
        auto it = scripts_.find(req.path);
        if (it != scripts_.end()) script = it->second;
      }
      const Answer answer = script ? script(hit) : Answer{};
      res.status = answer.status;
      for (const auto& [k, v] : answer.headers) res.set_header(k, v);
      if (!answer.body.empty()) res.set_content(answer.body, "text/plain");
      absl::MutexLock lock(&mu_);
      hits_.push_back(std::move(hit));
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    // Bound and listening already: connections queue until the loop runs.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() only stops a server whose loop runs.
    for (int i = 0; i < 10000 && !server_.is_running(); ++i) absl::SleepFor(absl::Milliseconds(1));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }
  int port() const { return port_; }
  void On(const std::string& path, Script script) {
    absl::MutexLock lock(&mu_);
    scripts_[path] = std::move(script);
  }
  std::vector<Hit> Hits(const std::string& path) {
    absl::MutexLock lock(&mu_);
    std::vector<Hit> out;
    for (const auto& h : hits_) {
      if (h.path == path) out.push_back(h);
    }
    return out;
  }
  bool AwaitHits(const std::string& path, size_t n, absl::Duration timeout = absl::Seconds(20)) {
    absl::MutexLock lock(&mu_);
    auto done = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      size_t count = 0;
      for (const auto& h : hits_) count += h.path == path;
      return count >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  absl::Mutex mu_;
  std::map<std::string, Script> scripts_ ABSL_GUARDED_BY(mu_);
  std::vector<Hit> hits_ ABSL_GUARDED_BY(mu_);
};

// Verifies a hit as a receiver would: every signature in the header is
// checked against `secret`; one must match.
bool SignedBy(const Receiver::Hit& hit, const std::string& secret) {
  auto header = [&](const char* name) {
    auto it = hit.headers.find(name);
    return it == hit.headers.end() ? std::string() : it->second;
  };
  int64_t timestamp = 0;
  if (!absl::SimpleAtoi(header("webhook-timestamp"), &timestamp)) return false;
  auto expected = Sign(secret, header("webhook-id"), timestamp, hit.body);
  if (!expected.ok()) return false;
  for (absl::string_view sig : absl::StrSplit(header("webhook-signature"), ' ')) {
    if (sig == *expected) return true;
  }
  return false;
}

class DeliveryIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = NewMemoryKvStore({kWebhooksColumnFamily});
    store_ = std::make_unique<WebhookStore>(kv_.get(), &feed_, &lenient_,
                                            Runtime{&clock_, RandomSource::Secure()});
  }
  void TearDown() override { dispatcher_.reset(); }
  void Start(const DestinationGuard* guard) {
    DispatcherOptions options;
    options.threads = 2;
    options.retry.jitter = 0;
    dispatcher_ = std::make_unique<Dispatcher>(store_.get(), &feed_, &sender_, guard, nullptr,
                                               Runtime{&clock_, RandomSource::Secure()},
                                               options);
    ASSERT_TRUE(dispatcher_->Start().ok());
  }
  AddedWebhook Add(const std::string& url) {
    v1::AddWebhookRequest request;
    request.set_tenant("acme");
    request.set_url(url);
    auto added = store_->Add(request);
    EXPECT_TRUE(added.ok()) << added.status();
    if (dispatcher_ && added.ok()) dispatcher_->Refresh("acme", added->webhook.id());
    return added.ok() ? *added : AddedWebhook{};
  }
  uint64_t Append(const std::string& type = "user.created") {
    return feed_.Append(UserEvent("acme", type, clock_.Now()));
  }
  v1::Webhook Stored(const std::string& id) {
    auto stored = store_->Get("acme", id);
    return stored.ok() ? stored->webhook() : v1::Webhook();
  }

  // Real time: the receiver and the Standard Webhooks verifiers check
  // webhook-timestamp against their own clocks.
  FakeClock clock_{absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()))};
  FakeEventFeed feed_;
  DestinationGuard lenient_{/*allow_private=*/true};
  DestinationGuard strict_{/*allow_private=*/false};
  HttplibSender sender_{[] {
    HttplibSenderOptions options;
    options.timeout = absl::Seconds(2);
    return options;
  }()};
  Receiver receiver_;
  std::unique_ptr<KvStore> kv_;
  std::unique_ptr<WebhookStore> store_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(DeliveryIntegrationTest, EventsArriveInOrderWithValidSignatures) {
  Start(&lenient_);
  const AddedWebhook hook = Add(receiver_.Url("/in"));
  const char* types[] = {"user.created", "group.created", "group.member_added", "user.updated",
                         "user.deleted"};
  for (int i = 0; i < 25; ++i) Append(types[i % 5]);
  ASSERT_TRUE(receiver_.AwaitHits("/in", 25));
  const auto hits = receiver_.Hits("/in");
  for (size_t i = 0; i < hits.size(); ++i) {
    const Json body = Json::parse(hits[i].body);
    EXPECT_EQ(body["data"]["sequence"], i + 1);
    EXPECT_EQ(body["type"], types[i % 5]);
    EXPECT_EQ(body["data"]["tenant"], "acme");
    EXPECT_TRUE(SignedBy(hits[i], hook.secret)) << i;
    EXPECT_EQ(hits[i].headers.find("webhook-id")->second, body["data"]["id"]);
    EXPECT_EQ(hits[i].headers.find("Content-Type")->second, "application/json");
    EXPECT_TRUE(absl::StartsWith(hits[i].headers.find("User-Agent")->second, "scim-webhooks/"));
  }
  ASSERT_TRUE(Eventually([&] { return Stored(hook.webhook.id()).delivered_sequence() == 25; }));
}

TEST_F(DeliveryIntegrationTest, A500ThenA200IsRetriedWithTheSameId) {
  int calls = 0;
  receiver_.On("/flaky", [&](const Receiver::Hit&) {
    return ++calls == 1 ? Receiver::Answer{500, {}, "down"} : Receiver::Answer{204, {}, ""};
  });
  Start(&lenient_);
  const AddedWebhook hook = Add(receiver_.Url("/flaky"));
  Append();
  Append();
  ASSERT_TRUE(Eventually([&] { return Stored(hook.webhook.id()).state() == kRetrying; }));
  EXPECT_EQ(Stored(hook.webhook.id()).last_error(), "HTTP 500");
  clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(receiver_.AwaitHits("/flaky", 3));
  const auto hits = receiver_.Hits("/flaky");
  EXPECT_EQ(hits[0].headers.find("webhook-id")->second, hits[1].headers.find("webhook-id")->second);
  EXPECT_NE(hits[1].headers.find("webhook-id")->second, hits[2].headers.find("webhook-id")->second);
  EXPECT_EQ(Json::parse(hits[2].body)["data"]["sequence"], 2);
  for (const auto& hit : hits) EXPECT_TRUE(SignedBy(hit, hook.secret));
  ASSERT_TRUE(Eventually([&] { return Stored(hook.webhook.id()).delivered_sequence() == 2; }));
  EXPECT_EQ(Stored(hook.webhook.id()).state(), kHealthy);
}

TEST_F(DeliveryIntegrationTest, RetryAfterIsHonoured) {
  int calls = 0;
  receiver_.On("/busy", [&](const Receiver::Hit&) {
    return ++calls == 1 ? Receiver::Answer{503, {{"Retry-After", "120"}}, ""}
                        : Receiver::Answer{200, {}, "ok"};
  });
  Start(&lenient_);
  const AddedWebhook hook = Add(receiver_.Url("/busy"));
  const absl::Time t0 = clock_.Now();
  Append();
  ASSERT_TRUE(Eventually([&] { return Stored(hook.webhook.id()).state() == kRetrying; }));
  EXPECT_EQ(FromTimestamp(Stored(hook.webhook.id()).next_attempt()), t0 + absl::Seconds(120));
  clock_.Advance(absl::Seconds(120));
  ASSERT_TRUE(Eventually([&] { return Stored(hook.webhook.id()).delivered_sequence() == 1; }));
  EXPECT_EQ(receiver_.Hits("/busy").size(), 2u);
}

TEST_F(DeliveryIntegrationTest, GoneDisables) {
  receiver_.On("/gone", [](const Receiver::Hit&) { return Receiver::Answer{410, {}, ""}; });
  Start(&lenient_);
  const AddedWebhook hook = Add(receiver_.Url("/gone"));
  Append();
  ASSERT_TRUE(Eventually([&] { return Stored(hook.webhook.id()).state() == kDisabled; }));
  EXPECT_TRUE(absl::StrContains(Stored(hook.webhook.id()).last_error(), "410"));
  EXPECT_EQ(receiver_.Hits("/gone").size(), 1u);
}

TEST_F(DeliveryIntegrationTest, ARedirectIsNotFollowed) {
  receiver_.On("/moved", [&](const Receiver::Hit&) {
    return Receiver::Answer{307, {{"Location", receiver_.Url("/elsewhere")}}, ""};
  });
  Start(&lenient_);
  const AddedWebhook hook = Add(receiver_.Url("/moved"));
  Append();
  ASSERT_TRUE(Eventually([&] { return Stored(hook.webhook.id()).state() == kRetrying; }));
  const std::string error = Stored(hook.webhook.id()).last_error();
  EXPECT_TRUE(absl::StrContains(error, "HTTP 307")) << error;
  EXPECT_TRUE(absl::StrContains(error, "redirects are not followed")) << error;
  EXPECT_TRUE(absl::StrContains(error, "/elsewhere")) << error;
  EXPECT_TRUE(receiver_.Hits("/elsewhere").empty());
  EXPECT_EQ(Stored(hook.webhook.id()).delivered_sequence(), 0u);
}

TEST_F(DeliveryIntegrationTest, APrivateDestinationIsRefusedWithoutTheFlag) {
  WebhookStore strict_store(kv_.get(), &feed_, &strict_, Runtime{&clock_, RandomSource::Secure()});
  v1::AddWebhookRequest request;
  request.set_tenant("acme");
  request.set_url(receiver_.Url("/private"));
  auto refused = strict_store.Add(request);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "loopback")) << refused.status();

  // An endpoint stored while the flag was on is still refused at delivery
  // once it is off.
  Start(&strict_);
  const AddedWebhook hook = Add(receiver_.Url("/private"));
  Append();
  ASSERT_TRUE(Eventually([&] { return Stored(hook.webhook.id()).state() == kRetrying; }));
  EXPECT_TRUE(absl::StrContains(Stored(hook.webhook.id()).last_error(), "loopback"));
  EXPECT_TRUE(receiver_.Hits("/private").empty());
}

TEST(HttplibSenderTest, ConnectsToTheVettedAddressAndSendsTheHostName) {
  Receiver receiver;
  HttplibSender sender;
  // No DNS knows this name: only the vetted address can reach the receiver.
  const std::string url = absl::StrCat("http://webhooks.invalid:", receiver.port(), "/p?q=a+b");
  const SendResult result = sender.Post(url, "127.0.0.1", {{"webhook-id", "x"}}, "{}");
  EXPECT_EQ(result.status, 200) << result.error;
  EXPECT_TRUE(result.ok());
  const auto hits = receiver.Hits("/p");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].headers.find("Host")->second,
            absl::StrCat("webhooks.invalid:", receiver.port()));
  EXPECT_EQ(hits[0].headers.find("webhook-id")->second, "x");
}

TEST(HttplibSenderTest, ResponseBodiesAreCappedAndRetryAfterKept) {
  Receiver receiver;
  receiver.On("/big", [](const Receiver::Hit&) {
    return Receiver::Answer{503, {{"Retry-After", "7"}}, std::string(8 << 20, 'x')};
  });
  HttplibSenderOptions options;
  options.max_response_bytes = 1024;
  HttplibSender sender(options);
  const SendResult result = sender.Post(receiver.Url("/big"), "127.0.0.1", {}, "{}");
  EXPECT_EQ(result.status, 503) << result.error;
  EXPECT_EQ(result.retry_after, "7");
  EXPECT_EQ(result.error, "HTTP 503");
}

TEST(HttplibSenderTest, TimeoutsAndRefusedConnectionsAreTransportErrors) {
  Receiver receiver;
  absl::Notification release;
  receiver.On("/slow", [&](const Receiver::Hit&) {
    release.WaitForNotificationWithTimeout(absl::Seconds(10));
    return Receiver::Answer{};
  });
  HttplibSenderOptions options;
  options.timeout = absl::Milliseconds(300);
  HttplibSender sender(options);
  const absl::Time start = absl::Now();
  const SendResult slow = sender.Post(receiver.Url("/slow"), "127.0.0.1", {}, "{}");
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  release.Notify();
  EXPECT_EQ(slow.status, 0);
  EXPECT_TRUE(absl::StrContains(slow.error, "transport error")) << slow.error;

  // A port nobody listens on: bound (so it was free), never listened on.
  const int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int closed_port = ntohs(address.sin_port);
  const SendResult refused = sender.Post(absl::StrCat("http://127.0.0.1:", closed_port, "/"),
                                         "127.0.0.1", {}, "{}");
  close(probe);
  EXPECT_EQ(refused.status, 0);
  EXPECT_TRUE(absl::StrContains(refused.error, "Connection")) << refused.error;

  const SendResult bad_url = sender.Post("ftp://127.0.0.1/", "127.0.0.1", {}, "{}");
  EXPECT_EQ(bad_url.status, 0);
  EXPECT_TRUE(absl::StrContains(bad_url.error, "http or https"));
}

TEST(HttplibSenderTest, HttpsVerifiesTheCertificate) {
  // A plain-HTTP listener cannot complete a TLS handshake: the sender must
  // report it, not fall back to http.
  Receiver receiver;
  HttplibSender sender;
  const SendResult result = sender.Post(absl::StrCat("https://localhost:", receiver.port(), "/"),
                                        "127.0.0.1", {}, "{}");
  EXPECT_EQ(result.status, 0);
  EXPECT_TRUE(absl::StrContains(result.error, "SSL")) << result.error;
  EXPECT_TRUE(receiver.Hits("/").empty());
}

}  // namespace
}  // namespace scim::webhooks
