// Hostile connections: slow and idle clients do not starve the others, one
// client's connections are capped, a request's headers have one total
// deadline, and X-Forwarded-* are believed from trusted proxies only.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/loopback_client_for_tests.h"
#include "edge/edge_test_fixture.h"

namespace scim::edge {
namespace {

bool Send(int fd, const std::string& data) {
  return send(fd, data.data(), data.size(), MSG_NOSIGNAL) ==
         static_cast<ssize_t>(data.size());
}

// What `fd` receives within `timeout` (until EOF, or until `enough` is
// seen); `eof` says whether the peer closed.
std::string Receive(int fd, absl::Duration timeout, bool* eof = nullptr,
                    const std::string& enough = "") {
  std::string out;
  const absl::Time end = absl::Now() + timeout;
  if (eof != nullptr) *eof = false;
  while (absl::Now() < end) {
    pollfd p{fd, POLLIN, 0};
    int ms = static_cast<int>(absl::ToInt64Milliseconds(end - absl::Now()));
    if (poll(&p, 1, std::max(ms, 1)) <= 0) continue;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      if (eof != nullptr) *eof = true;
      break;
    }
    out.append(buf, n);
    if (!enough.empty() && absl::StrContains(out, enough)) break;
  }
  return out;
}

class EdgeConnectionsTest : public EdgeTest {
 protected:
  // Milliseconds for a fresh connection from 127.0.0.1 to get `path`
  // answered 200; -1 if it was not.
  double TimeGet(const std::string& path, const httplib::Headers& headers = {}) {
    httplib::Client c("127.0.0.1", http_port_);
    c.set_connection_timeout(5);
    c.set_read_timeout(5);
    const absl::Time start = absl::Now();
    auto res = c.Get(path.c_str(), headers);
    const double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
    if (!res || res->status != 200) return -1;
    return ms;
  }

  // A gauge of /metrics (-1 if absent); the scrape is itself in flight.
  double Gauge(const std::string& name) {
    auto res = client_->Get("/metrics");
    if (!res) return -1;
    for (absl::string_view line : absl::StrSplit(res->body, '\n')) {
      if (!absl::StartsWith(line, name + "{")) continue;
      double value = -1;
      if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) return value;
    }
    return -1;
  }

  // Until a request besides the scrape is in flight (bounded).
  bool AwaitInFlight(double n) {
    for (int i = 0; i < 500; ++i) {
      if (Gauge("scim_http_in_flight_requests") == n) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }
};

TEST_F(EdgeConnectionsTest, SlowAndIdleConnectionsDoNotStarveOthers) {
  // One client trickles the headers of 300 requests, a header line per
  // round; another keeps 60 idle keep-alive connections. The fixture's pool
  // keeps only 8 threads warm.
  std::vector<int> slow, idle;
  for (int i = 0; i < 300; ++i) {
    int fd = ConnectFrom("127.0.0.2", http_port_);
    ASSERT_GE(fd, 0) << i;
    Send(fd, "GET /healthz HTTP/1.1\r\nHost: slow\r\n");
    slow.push_back(fd);
  }
  for (int i = 0; i < 60; ++i) {
    int fd = ConnectFrom("127.0.0.3", http_port_);
    ASSERT_GE(fd, 0) << i;
    ASSERT_TRUE(Send(fd, "GET /healthz HTTP/1.1\r\nHost: idle\r\n\r\n"));
    ASSERT_TRUE(absl::StrContains(
        Receive(fd, absl::Seconds(5), nullptr, "ok"), "200 OK")) << i;
    idle.push_back(fd);
  }
  // Over its cap of 64, the slow client is told so and closed at once.
  int refused = 0;
  const absl::Time end = absl::Now() + absl::Seconds(10);
  while (refused < 300 - 64 && absl::Now() < end) {
    std::vector<pollfd> polls;
    for (int fd : slow) polls.push_back({fd, POLLIN, 0});
    if (poll(polls.data(), polls.size(), 100) <= 0) continue;
    std::vector<int> still;
    for (size_t i = 0; i < polls.size(); ++i) {
      if (polls[i].revents == 0) {
        still.push_back(slow[i]);
        continue;
      }
      std::string answer = Receive(slow[i], absl::Seconds(1));
      EXPECT_TRUE(absl::StartsWith(answer, "HTTP/1.1 429")) << answer;
      ++refused;
      close(slow[i]);
    }
    slow.swap(still);
  }
  EXPECT_EQ(refused, 300 - 64);
  ASSERT_EQ(slow.size(), 64u);
  double worst = 0;
  for (int round = 0; round < 4; ++round) {
    for (int fd : slow) Send(fd, absl::StrCat("X-Round: ", round, "\r\n"));
    double health = TimeGet("/healthz");
    double users = TimeGet(users_, Auth(acme_key_));
    EXPECT_GE(health, 0) << "round " << round;
    EXPECT_GE(users, 0) << "round " << round;
    EXPECT_LT(health, 1000) << "round " << round;
    EXPECT_LT(users, 1000) << "round " << round;
    worst = std::max({worst, health, users});
    absl::SleepFor(absl::Milliseconds(500));  // the slow client's pace
  }
  std::printf("300 slow (64 held) + 60 idle connections: worst latency %.1f ms\n",
              worst);
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_TRUE(absl::StrContains(metrics->body, "scim_http_open_connections"));
  EXPECT_TRUE(absl::StrContains(metrics->body, "scim_http_pool_threads_busy"));
  EXPECT_TRUE(absl::StrContains(metrics->body, "scim_http_in_flight_requests"));
  EXPECT_TRUE(absl::StrContains(metrics->body,
                                "scim_http_saturation_total{reason=\"client_cap\"}"))
      << metrics->body;
  EXPECT_GE(Gauge("scim_http_open_connections"), 64 + 60);
  for (int fd : slow) close(fd);
  for (int fd : idle) close(fd);
}

TEST_F(EdgeConnectionsTest, SixtyFifthConnectionFromOneAddressIsRefused) {
  std::vector<int> held;
  for (int i = 0; i < 65; ++i) {
    int fd = ConnectFrom("127.0.0.2", http_port_);
    ASSERT_GE(fd, 0);
    held.push_back(fd);
  }
  // Exactly one of them is answered 429 (with a SCIM body) and closed; the
  // 64 others wait for their request.
  int refused_index = -1;
  const absl::Time end = absl::Now() + absl::Seconds(5);
  while (refused_index < 0 && absl::Now() < end) {
    std::vector<pollfd> polls;
    for (int fd : held) polls.push_back({fd, POLLIN, 0});
    if (poll(polls.data(), polls.size(), 100) <= 0) continue;
    for (size_t i = 0; i < polls.size(); ++i) {
      if (polls[i].revents != 0) refused_index = static_cast<int>(i);
    }
  }
  ASSERT_GE(refused_index, 0) << "no connection was refused";
  bool eof = false;
  std::string refusal = Receive(held[refused_index], absl::Seconds(2), &eof);
  EXPECT_TRUE(absl::StartsWith(refusal, "HTTP/1.1 429")) << refusal;
  EXPECT_TRUE(absl::StrContains(refusal, "Connection: close"));
  EXPECT_TRUE(absl::StrContains(refusal, "urn:ietf:params:scim:api:messages:2.0:Error"));
  EXPECT_TRUE(eof);
  close(held[refused_index]);
  held.erase(held.begin() + refused_index);
  // Another address is served meanwhile.
  EXPECT_GE(TimeGet("/healthz"), 0);
  // The held ones are real connections: one of them is answered.
  ASSERT_TRUE(Send(held[0], "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(absl::StrContains(Receive(held[0], absl::Seconds(5), nullptr, "ok"),
                                "200 OK"));
  // Closing one frees a place for the same address.
  close(held.back());
  held.pop_back();
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    int fd = ConnectFrom("127.0.0.2", http_port_);
    ASSERT_GE(fd, 0);
    Send(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    served = absl::StrContains(Receive(fd, absl::Seconds(2)), "200 OK");
    close(fd);  // refused while the server has not yet seen the close
  }
  EXPECT_TRUE(served);
  for (int fd : held) close(fd);
}

TEST_F(EdgeConnectionsTest, PipelinedRequestsOnOneConnectionAreAllAnswered) {
  int fd = ConnectFrom("127.0.0.1", http_port_);
  ASSERT_GE(fd, 0);
  // Three requests in one segment: the edge reads ahead into its buffer,
  // so the second and third must be answered from there, not waited for.
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(Send(fd, get + get + get));
  std::string answers;
  const absl::Time end = absl::Now() + absl::Seconds(5);
  auto count = [&] {
    size_t n = 0;
    for (size_t at = answers.find("HTTP/1.1 200"); at != std::string::npos;
         at = answers.find("HTTP/1.1 200", at + 1)) {
      ++n;
    }
    return n;
  };
  while (count() < 3 && absl::Now() < end) {
    answers += Receive(fd, absl::Milliseconds(100));
  }
  EXPECT_EQ(count(), 3u) << answers;
  close(fd);
}

TEST_F(EdgeConnectionsTest, AClientWaitingFor100ContinueGetsItBeforeItSendsTheBody) {
  int fd = ConnectFrom("127.0.0.1", http_port_);
  ASSERT_GE(fd, 0);
  const std::string body = "grant_type=client_credentials";
  ASSERT_TRUE(Send(fd, absl::StrCat("POST /oauth/token HTTP/1.1\r\nHost: x\r\n"
                                    "Content-Type: application/x-www-form-urlencoded\r\n"
                                    "Expect: 100-continue\r\nContent-Length: ",
                                    body.size(), "\r\n\r\n")));
  // The edge writes its 100 and then waits for the body: a 100 held back
  // in the stream's write buffer would leave both sides waiting.
  const std::string interim =
      Receive(fd, absl::Seconds(5), nullptr, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(absl::StartsWith(interim, "HTTP/1.1 100 Continue\r\n\r\n")) << interim;
  ASSERT_TRUE(Send(fd, body));
  const std::string answer = Receive(fd, absl::Seconds(5), nullptr, "}");
  EXPECT_TRUE(absl::StartsWith(answer, "HTTP/1.1 4")) << answer;
  close(fd);
}

// The deadlines on a fake clock: no waiting for ten real seconds.
class EdgeDeadlineTest : public EdgeConnectionsTest {
 protected:
  void Customize(EdgeOptions& options, EdgeDeps& deps) override {
    options.http.request_read_timeout = absl::Seconds(10);
    options.http.keep_alive_timeout = absl::Seconds(30);
    deps.clock = &clock_;
  }
  FakeClock clock_;
};

TEST_F(EdgeDeadlineTest, HeadersTricklingPastTheDeadlineAreAnswered408AndClosed) {
  int fd = ConnectFrom("127.0.0.1", http_port_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(Send(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  // The request's clock starts when the edge sees its first byte.
  ASSERT_TRUE(AwaitInFlight(2));
  // Each line arrives well within any per-read timeout; together they take
  // longer than the request's deadline.
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(absl::Seconds(3));
    Send(fd, absl::StrCat("X-Line-", i, ": trickle\r\n"));
  }
  bool eof = false;
  std::string answer = Receive(fd, absl::Seconds(5), &eof);
  EXPECT_TRUE(absl::StartsWith(answer, "HTTP/1.1 408")) << answer;
  EXPECT_TRUE(absl::StrContains(answer, "urn:ietf:params:scim:api:messages:2.0:Error"));
  EXPECT_TRUE(eof);
  close(fd);
}

TEST_F(EdgeDeadlineTest, DeadlineIsPerRequestAndIdleConnectionsTimeOut) {
  int fd = ConnectFrom("127.0.0.1", http_port_);
  ASSERT_GE(fd, 0);
  // Two requests, 8 s of headers each: 16 s in all, yet each within its own
  // 10 s deadline.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(Send(fd, "GET /healthz HTTP/1.1\r\n"));
    clock_.Advance(absl::Seconds(8));
    ASSERT_TRUE(Send(fd, "Host: x\r\n\r\n"));
    EXPECT_TRUE(absl::StrContains(Receive(fd, absl::Seconds(5), nullptr, "ok"),
                                  "HTTP/1.1 200")) << i;
  }
  // Idle past the keep-alive timeout: closed. (Advanced again should the
  // edge not yet have been back waiting when the clock first moved.)
  bool eof = false;
  for (int i = 0; i < 3 && !eof; ++i) {
    clock_.Advance(absl::Seconds(31));
    EXPECT_EQ(Receive(fd, absl::Seconds(2), &eof), "");
  }
  EXPECT_TRUE(eof);
  close(fd);
}

TEST_F(EdgeConnectionsTest, SpoofedForwardedHeadersFromUntrustedPeerAreIgnored) {
  httplib::Headers headers = Auth(acme_key_);
  headers.emplace("X-Forwarded-Host", "evil.example");
  headers.emplace("X-Forwarded-Proto", "https");
  headers.emplace("X-Forwarded-For", "6.6.6.6");
  auto res = client_->Post(users_.c_str(), headers, R"({"userName":"spoof"})",
                           "application/scim+json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  const std::string origin = absl::StrCat("http://127.0.0.1:", http_port_);
  EXPECT_TRUE(absl::StartsWith(res->get_header_value("Location"), origin + "/"))
      << res->get_header_value("Location");
  auto body = nlohmann::json::parse(res->body);
  EXPECT_TRUE(absl::StartsWith(body["meta"]["location"].get<std::string>(),
                               origin + "/"));
}

class EdgeTrustedProxyTest : public EdgeConnectionsTest {
 protected:
  void Customize(EdgeOptions& options, EdgeDeps&) override {
    options.http.trusted_proxies = *CidrSet::Parse("127.0.0.0/8");
  }
};

TEST_F(EdgeTrustedProxyTest, ForwardedHeadersFromTrustedProxyAreBelieved) {
  httplib::Headers headers = Auth(acme_key_);
  headers.emplace("X-Forwarded-Host", "scim.example.com");
  headers.emplace("X-Forwarded-Proto", "https");
  headers.emplace("X-Forwarded-For", "6.6.6.6, 198.51.100.7");
  auto res = client_->Post(users_.c_str(), headers, R"({"userName":"proxied"})",
                           "application/scim+json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  EXPECT_TRUE(absl::StartsWith(res->get_header_value("Location"),
                               "https://scim.example.com/t/acme/scim/v2/Users/"))
      << res->get_header_value("Location");
}

}  // namespace
}  // namespace scim::edge
