// kill -9 at an arbitrary moment loses no acknowledged write.
#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/test_process.h"

namespace scim::testing {
namespace {

TEST(DurabilityTest, AcknowledgedCreatesSurviveSigkill) {
  const std::string dir = MakeTempDir("durability");
  const std::vector<std::string> args = {
      "--data_dir=" + dir + "/data", "--http_addr=127.0.0.1:0",
      "--grpc_addr=127.0.0.1:0", "--access_log=false", "--demo"};
  auto scimd = TestProcess::Start("scimd", args, dir);
  ASSERT_TRUE(scimd.ok()) << scimd.status();
  std::string out = (*scimd)->Stdout();
  std::string key = out.substr(out.find("scim_"));
  key = key.substr(0, key.find('\n'));
  const int port = std::stoi((*scimd)->Field("http_port"));

  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 6; ++c) {
    clients.emplace_back([&, c] {
      httplib::Client http("127.0.0.1", port);
      http.set_connection_timeout(2);
      http.set_read_timeout(5);
      for (int i = 0; !stop; ++i) {
        auto res = http.Post(
            "/t/demo/scim/v2/Users", {{"Authorization", "Bearer " + key}},
            absl::StrCat(R"({"userName":"c)", c, "-", i, R"("})"),
            "application/scim+json");
        if (!res) break;  // the server is gone
        if (res->status == 201) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.push_back(nlohmann::json::parse(res->body)["id"]);
        }
      }
    });
  }
  absl::SleepFor(absl::Seconds(2));
  (*scimd)->Signal(SIGKILL);  // mid-load, no warning
  stop = true;
  for (auto& t : clients) t.join();
  (*scimd)->Wait();
  ASSERT_GT(acknowledged.size(), 20u) << "too little load to mean anything";

  auto again = TestProcess::Start(
      "scimd", {"--data_dir=" + dir + "/data", "--http_addr=127.0.0.1:0",
                "--grpc_addr=127.0.0.1:0", "--access_log=false", "--demo"},
      dir);
  ASSERT_TRUE(again.ok()) << again.status();
  out = (*again)->Stdout();
  key = out.substr(out.find("scim_"));
  key = key.substr(0, key.find('\n'));
  httplib::Client http("127.0.0.1", std::stoi((*again)->Field("http_port")));
  int missing = 0;
  for (const auto& id : acknowledged) {
    auto res = http.Get(("/t/demo/scim/v2/Users/" + id).c_str(),
                        {{"Authorization", "Bearer " + key}});
    if (!res || res->status != 200) ++missing;
  }
  EXPECT_EQ(missing, 0) << "of " << acknowledged.size() << " acknowledged";
  auto list = http.Get("/t/demo/scim/v2/Users?count=0",
                       {{"Authorization", "Bearer " + key}});
  ASSERT_TRUE(list);
  EXPECT_GE(nlohmann::json::parse(list->body)["totalResults"].get<size_t>(),
            acknowledged.size());
}

}  // namespace
}  // namespace scim::testing
