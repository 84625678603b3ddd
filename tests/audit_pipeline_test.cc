// audit-service stopped in the middle of a write load and restarted: every
// acknowledged write still gets exactly one event, the chain verifies, and no
// secret reaches the log.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/test_process.h"

namespace scim::testing {
namespace {

using json = nlohmann::json;

TEST(AuditPipelineTest, AuditDownDuringWritesLosesNothing) {
  const std::string dir = MakeTempDir("audit_pipeline");
  auto split = StartSplitDeployment(dir);
  ASSERT_TRUE(split.ok()) << split.status();
  auto ctl = [&](const std::string& args, int* code) {
    return split->ctl.Run(args, code);
  };
  int code = 0;
  ctl("tenant create acme", &code);
  ASSERT_EQ(code, 0);
  std::string key = ctl("key create --tenant=acme", &code);
  ASSERT_EQ(code, 0);
  key = key.substr(0, key.find('\n'));

  // Writers: each create carries a password that must never be logged.
  std::mutex mu;
  std::vector<std::string> acknowledged;
  std::atomic<int> failed{0};
  std::atomic<bool> stop{false};
  const int port = split->http_port;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      httplib::Client http("127.0.0.1", port);
      http.set_tcp_nodelay(true);  // no 40 ms Nagle/delayed-ACK stall per request
      for (int i = 0; !stop; ++i) {
        auto res = http.Post(
            "/t/acme/scim/v2/Users", {{"Authorization", "Bearer " + key}},
            absl::StrCat(R"({"userName":"w)", w, "-", i,
                         R"(","password":"pw-SECRET-)", w, "-", i, R"("})"),
            "application/scim+json");
        if (res && res->status == 201) {
          std::lock_guard<std::mutex> lock(mu);
          acknowledged.push_back(json::parse(res->body)["id"]);
        } else {
          ++failed;
        }
      }
    });
  }
  auto acknowledged_count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return acknowledged.size();
  };
  const absl::Time load_start = absl::Now();
  ASSERT_TRUE(WaitUntil([&] { return acknowledged_count() >= 20 || failed > 0; },
                        absl::Seconds(30)));
  std::cout << acknowledged_count() << " writes acknowledged in the first "
            << absl::FormatDuration(absl::Now() - load_start) << "\n";
  split->audit->Signal(SIGTERM);  // audit-service goes away mid-load
  ASSERT_EQ(split->audit->Wait(), 0);
  const size_t before_outage = acknowledged_count();
  // Writes go on while audit is away.
  const absl::Time outage_start = absl::Now();
  WaitUntil([&] { return acknowledged_count() - before_outage > 40 || failed > 0; },
            absl::Seconds(30));
  const size_t during_outage = acknowledged_count() - before_outage;
  std::cout << during_outage << " writes acknowledged in "
            << absl::FormatDuration(absl::Now() - outage_start) << " of audit outage\n";
  // Back, on the same address, with the same store.
  auto restarted = TestProcess::Start("audit-service", split->audit_args, dir);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  absl::SleepFor(absl::Milliseconds(300));
  stop = true;
  for (auto& t : writers) t.join();

  EXPECT_EQ(failed.load(), 0) << "writes must not fail while audit is down";
  EXPECT_GT(during_outage, 10u) << "the outage saw too few writes to matter";

  // Every acknowledged create has exactly one event, once the outbox drains.
  std::map<std::string, int> seen;
  std::string exported;
  for (int attempt = 0; attempt < 150; ++attempt) {
    exported = ctl("audit export --tenant=acme --operation=user.create", &code);
    ASSERT_EQ(code, 0) << exported;
    seen.clear();
    for (absl::string_view line : absl::StrSplit(exported, '\n')) {
      if (!line.empty()) seen[json::parse(line)["resourceId"]]++;
    }
    if (seen.size() >= acknowledged.size()) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_EQ(seen.size(), acknowledged.size());
  for (const auto& id : acknowledged) {
    EXPECT_EQ(seen[id], 1) << id;
  }
  std::string verified = ctl("audit verify --tenant=acme", &code);
  EXPECT_EQ(code, 0) << verified;
  EXPECT_TRUE(absl::StartsWith(verified, "ok ")) << verified;

  std::string everything = ctl("audit export --tenant=acme", &code);
  EXPECT_FALSE(absl::StrContains(everything, "pw-SECRET"));
  EXPECT_FALSE(absl::StrContains(everything, key.substr(22)));
  EXPECT_TRUE(absl::StrContains(everything, "\"password\""))
      << "a password change is recorded by name";
}

}  // namespace
}  // namespace scim::testing
