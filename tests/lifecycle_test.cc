// SIGTERM under load: scimd stops accepting, finishes what it has, flushes
// the audit outbox, closes RocksDB and exits 0 promptly; no request it
// acknowledged is lost and none gets a 5xx on the way down.
#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

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
  absl::SleepFor(absl::Seconds(1));
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

}  // namespace
}  // namespace scim::testing
