// scimd under hostile clients: one client holding 300 slow connections does
// not starve another, and a malformed --trusted_proxies is a usage error.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "common/loopback_client_for_tests.h"
#include "tests/test_process.h"

namespace scim::testing {
namespace {

TEST(HostileClientsTest, MalformedTrustedProxiesExit2) {
  for (const char* binary : {"scimd", "scim-edge"}) {
    for (const char* bad : {"10.0.0.1/8", "10.0.0.0/33", "not-an-ip", "fd00::/129"}) {
      int code = -1;
      const std::string scimd_only =
          std::string(binary) == "scimd"
              ? " --grpc_addr=127.0.0.1:0 --data_dir=/nonexistent/never"
              : "";
      RunCommand(absl::StrCat(BinaryPath(binary), " --trusted_proxies=", bad,
                              " --http_addr=127.0.0.1:0", scimd_only,
                              " 2>/dev/null"),
                 &code);
      EXPECT_EQ(code, 2) << binary << " --trusted_proxies=" << bad;
    }
  }
}

TEST(HostileClientsTest, SlowConnectionsFromOneClientDoNotStarveAnother) {
  const std::string dir = MakeTempDir("hostile");
  auto scimd = TestProcess::Start(
      "scimd",
      {"--data_dir=" + dir + "/data", "--http_addr=127.0.0.1:0",
       "--grpc_addr=127.0.0.1:0", "--access_log=false", "--demo"},
      dir);
  ASSERT_TRUE(scimd.ok()) << scimd.status();
  const int port = std::stoi((*scimd)->Field("http_port"));
  std::string out = (*scimd)->Stdout();
  std::string key = out.substr(out.find("scim_"));
  key = key.substr(0, key.find('\n'));

  std::vector<int> slow;
  for (int i = 0; i < 300; ++i) {
    int fd = ConnectFrom("127.0.0.2", port);
    ASSERT_GE(fd, 0) << i;
    send(fd, "GET /healthz HTTP/1.1\r\nHost: slow\r\n", 35, MSG_NOSIGNAL);
    slow.push_back(fd);
  }
  double worst = 0;
  for (int round = 0; round < 4; ++round) {
    for (int fd : slow) send(fd, "X-Slow: 1\r\n", 11, MSG_NOSIGNAL);
    for (const std::string path : {"/healthz", "/t/demo/scim/v2/Users"}) {
      httplib::Client c("127.0.0.1", port);
      c.set_connection_timeout(5);
      c.set_read_timeout(5);
      const absl::Time start = absl::Now();
      auto res = c.Get(path.c_str(), {{"Authorization", "Bearer " + key}});
      const double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
      ASSERT_TRUE(res) << path << " round " << round;
      EXPECT_EQ(res->status, 200) << path;
      EXPECT_LT(ms, 1000) << path << " round " << round;
      worst = std::max(worst, ms);
    }
    absl::SleepFor(absl::Milliseconds(500));  // the slow client's pace
  }
  std::printf("scimd, 300 slow connections from one client: worst latency %.1f ms\n",
              worst);
  for (int fd : slow) close(fd);
}

}  // namespace
}  // namespace scim::testing
