// SIGTERM under load: scimd stops accepting, finishes what it has, flushes
// the audit outbox, closes RocksDB and exits 0 promptly; no request it
// acknowledged is lost and none gets a 5xx on the way down.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/test_process.h"

namespace scim::testing {
namespace {

std::string DemoKey(const TestProcess& scimd) {
  std::string out = scimd.Stdout();
  std::string key = out.substr(out.find("scim_"));
  return key.substr(0, key.find('\n'));
}

TEST(LifecycleTest, SigtermUnderLoadDrainsCleanly) {
  const std::string dir = MakeTempDir("lifecycle");
  const std::vector<std::string> args = {
      "--data_dir=" + dir + "/data", "--http_addr=127.0.0.1:0",
      "--grpc_addr=127.0.0.1:0", "--access_log=false", "--demo"};
  auto scimd = TestProcess::Start("scimd", args, dir);
  ASSERT_TRUE(scimd.ok()) << scimd.status();
  const std::string key = DemoKey(**scimd);
  const int port = std::stoi((*scimd)->Field("http_port"));

  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<int> server_errors{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 6; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client http("127.0.0.1", port);
      http.set_connection_timeout(1);
      for (int i = 0; !stop; ++i) {
        auto res = http.Post(
            "/t/demo/scim/v2/Users", {{"Authorization", "Bearer " + key}},
            absl::StrCat(R"({"userName":"l)", c, "-", i, R"("})"),
            "application/scim+json");
        if (!res) {  // refused or reset: the server has stopped accepting
          absl::SleepFor(absl::Milliseconds(5));
          continue;
        }
        if (res->status == 201) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.push_back(nlohmann::json::parse(res->body)["id"]);
        } else if (res->status >= 500) {
          ++server_errors;
        }
      }
    });
  }
  ASSERT_TRUE(WaitUntil([&] {
    std::lock_guard<std::mutex> lock(mu);
    return acknowledged.size() > 40 || server_errors > 0;
  }, absl::Seconds(30)));
  const absl::Time sent = absl::Now();
  (*scimd)->Signal(SIGTERM);
  const int exit_code = (*scimd)->Wait(absl::Seconds(15));
  const absl::Duration drain = absl::Now() - sent;
  stop = true;
  for (auto& t : clients) t.join();

  EXPECT_EQ(exit_code, 0);
  EXPECT_LT(drain, absl::Seconds(10)) << "drain must be bounded";
  EXPECT_EQ(server_errors.load(), 0);
  ASSERT_GT(acknowledged.size(), 20u);

  // Everything acknowledged is there after a restart, with its audit event.
  auto again = TestProcess::Start("scimd", args, dir);
  ASSERT_TRUE(again.ok()) << again.status();
  httplib::Client http("127.0.0.1", std::stoi((*again)->Field("http_port")));
  const httplib::Headers auth = {{"Authorization", "Bearer " + DemoKey(**again)}};
  int missing = 0;
  for (const auto& id : acknowledged) {
    auto res = http.Get(("/t/demo/scim/v2/Users/" + id).c_str(), auth);
    if (!res || res->status != 200) ++missing;
  }
  EXPECT_EQ(missing, 0) << "of " << acknowledged.size();
  const ScimCtl ctl{"127.0.0.1:" + (*again)->Field("grpc_port"), "",
                    dir + "/data/admin.token"};
  size_t events = 0;
  for (int attempt = 0; attempt < 100 && events < acknowledged.size(); ++attempt) {
    int code = 0;
    std::string out = ctl.Run("audit export --tenant=demo --operation=user.create", &code);
    ASSERT_EQ(code, 0);
    events = 0;
    for (absl::string_view line : absl::StrSplit(out, '\n')) events += !line.empty();
    if (events < acknowledged.size()) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(events, acknowledged.size());
}

// A request whose body is still arriving: headers and half the body now,
// the rest by Finish(), which returns the raw answer.
class SlowUpload {
 public:
  SlowUpload(int port, const std::string& key, const std::string& body) : body_(body) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    Send(absl::StrCat("POST /t/demo/scim/v2/Users HTTP/1.1\r\nHost: x\r\n",
                      "Authorization: Bearer ", key, "\r\n",
                      "Content-Type: application/scim+json\r\nContent-Length: ", body_.size(),
                      "\r\n\r\n", body_.substr(0, body_.size() / 2)));
  }
  ~SlowUpload() { close(fd_); }
  std::string Finish() {
    Send(body_.substr(body_.size() / 2));
    std::string answer;
    char buf[4096];
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    for (ssize_t n; (n = recv(fd_, buf, sizeof(buf), 0)) > 0;) answer.append(buf, n);
    return answer;
  }
  bool connected() const { return connected_; }

 private:
  void Send(const std::string& data) {
    if (connected_) connected_ = send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == ssize_t(data.size());
  }
  std::string body_;
  int fd_ = -1;
  bool connected_ = false;
};

// A rollout as Kubernetes does it: the endpoint leaves the load balancer
// (preStop), then SIGTERM. Every request the edge received is answered:
// those in flight finish (even one whose body is still arriving), idle
// keep-alive connections close at once, and the process exits 0 quickly.
TEST(LifecycleTest, ARolloutDropsNoRequest) {
  const std::string dir = MakeTempDir("rollout");
  auto scimd = TestProcess::Start(
      "scimd",
      {"--data_dir=" + dir + "/data", "--http_addr=127.0.0.1:0", "--grpc_addr=127.0.0.1:0",
       "--access_log=false", "--demo", "--drain_timeout=20s", "--http_keep_alive_timeout=60s"},
      dir);
  ASSERT_TRUE(scimd.ok()) << scimd.status();
  const std::string key = DemoKey(**scimd);
  const int port = std::stoi((*scimd)->Field("http_port"));

  // Load on keep-alive connections while the balancer routes here.
  std::atomic<bool> routed{true};
  std::atomic<int> answered{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client http("127.0.0.1", port);
      http.set_keep_alive(true);
      http.set_tcp_nodelay(true);  // no 40 ms Nagle/delayed-ACK stall per request
      for (int i = 0; routed; ++i) {
        auto res = http.Post("/t/demo/scim/v2/Users", {{"Authorization", "Bearer " + key}},
                             absl::StrCat(R"({"userName":"r)", c, "-", i, R"("})"),
                             "application/scim+json");
        (res && res->status == 201 ? answered : failed)++;
      }
    });
  }
  WaitUntil([&] { return answered > 40 || failed > 0; }, absl::Seconds(30));
  // The endpoint leaves the balancer: no new request comes; the clients'
  // keep-alive connections stay open and idle.
  routed = false;
  for (auto& t : clients) t.join();
  std::vector<std::unique_ptr<SlowUpload>> uploads;
  for (int u = 0; u < 4; ++u) {
    uploads.push_back(std::make_unique<SlowUpload>(
        port, key, absl::StrCat(R"({"userName":"slow-)", u, R"(","displayName":"Slow"})")));
    ASSERT_TRUE(uploads.back()->connected());
  }
  absl::SleepFor(absl::Milliseconds(200));  // the edge is reading their bodies

  const absl::Time sent = absl::Now();
  (*scimd)->Signal(SIGTERM);
  absl::SleepFor(absl::Milliseconds(500));
  for (auto& upload : uploads) {
    const std::string answer = upload->Finish();
    EXPECT_TRUE(absl::StartsWith(answer, "HTTP/1.1 201")) << answer.substr(0, 300);
    EXPECT_TRUE(absl::StrContains(answer, "Connection: close")) << answer.substr(0, 300);
  }
  EXPECT_EQ((*scimd)->Wait(absl::Seconds(30)), 0);
  const absl::Duration drain = absl::Now() - sent;
  EXPECT_EQ(failed.load(), 0) << "of " << answered.load() + failed.load();
  EXPECT_GT(answered.load(), 20);
  // Idle keep-alive connections did not hold the exit for their 60 s.
  EXPECT_LT(drain, absl::Seconds(10));
  std::cout << answered.load() << " requests answered before the endpoint left, "
            << uploads.size() << " uploads in flight at SIGTERM answered; SIGTERM to exit "
            << absl::FormatDuration(drain) << "\n";
}

}  // namespace
}  // namespace scim::testing
