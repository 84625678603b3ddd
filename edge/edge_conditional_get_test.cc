// Conditional GET through the edge with the ETag cache in Redis.
#include "edge/edge_test_fixture.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/etag_cache.h"
#include "common/metrics.h"
#include "common/redis_server_for_tests.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace scim::edge {
namespace {

using json = nlohmann::json;

// The sum of a Prometheus counter's series whose labels contain `label`.
double CounterSum(const std::string& name, const std::string& label) {
  double sum = 0;
  for (absl::string_view line : absl::StrSplit(MetricsText(), '\n')) {
    if (!absl::StartsWith(line, name + "{") || !absl::StrContains(line, label)) continue;
    double v = 0;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &v)) sum += v;
  }
  return sum;
}

TEST_F(EdgeTest, EtagCacheInRedisAnswers304WithoutIdentityService) {
  ASSERT_TRUE(RedisServerForTests::Installed())
      << "redis-server is missing: ./scripts/test.sh installs it";
  const int port = FreePort();
  RedisServerForTests redis(port);
  auto client = RedisClient::Create(absl::StrCat("redis://127.0.0.1:", port), Clock::Real());
  ASSERT_TRUE(client.ok());
  EtagCache cache(std::move(*client), Clock::Real());
  identity_->store().set_etag_cache(&cache);
  edge_->EnableEtagCache(&cache);

  auto created = Post(users_, R"({"userName":"ivy"})");
  const std::string id = json::parse(created->body)["id"];
  const std::string path = users_ + "/" + id;
  auto get = [&](const std::string& etag) {
    httplib::Headers h = Auth(acme_key_);
    h.emplace("If-None-Match", etag);
    return client_->Get(path.c_str(), h);
  };
  auto identity_gets = [] {
    return CounterSum("scim_grpc_server_handled_total", "IdentityService/GetUser\"");
  };
  const double gets = identity_gets();
  const double hits = CounterSum("scim_etag_cache_total", "hit");
  auto res = get("W/\"1\"");
  EXPECT_EQ(res->status, 304);
  EXPECT_EQ(res->get_header_value("ETag"), "W/\"1\"");
  EXPECT_EQ(identity_gets(), gets) << "answered from Redis";
  EXPECT_EQ(CounterSum("scim_etag_cache_total", "hit"), hits + 1);

  // A write through the edge updates the entry before it is acknowledged.
  auto patch = [&](const std::string& title) {
    return client_->Patch(
        path.c_str(), Auth(acme_key_),
        R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations":[{"op":"replace","path":"title","value":")" + title + R"("}]})",
        "application/scim+json");
  };
  ASSERT_EQ(patch("a")->status, 200);
  res = get("W/\"1\"");
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("ETag"), "W/\"2\"");
  EXPECT_EQ(get("W/\"2\"")->status, 304);

  // So does a write by an internal gRPC caller that never passes the edge.
  auto stub = v1::IdentityService::NewStub(grpc_->InProcessChannel(grpc::ChannelArguments()));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + acme_key_);
  v1::PatchRequest request;
  request.set_tenant("acme");
  request.set_id(id);
  v1::PatchOperation* op = request.add_operations();
  op->set_op("replace");
  op->set_path("title");
  op->mutable_value()->set_string_value("b");
  v1::User patched;
  ASSERT_TRUE(stub->PatchUser(&ctx, request, &patched).ok());
  EXPECT_EQ(get("W/\"2\"")->status, 200) << "never a stale 304";
  EXPECT_EQ(get("W/\"3\"")->status, 304);

  // Deleted: 404, not 304.
  ASSERT_EQ(client_->Delete(path.c_str(), Auth(acme_key_))->status, 204);
  ExpectError(get("W/\"3\""), 404);

  // Redis gone: conditional GETs still work, answered by identity-service.
  auto other = Post(users_, R"({"userName":"jay"})");
  const std::string other_path = users_ + "/" + json::parse(other->body)["id"].get<std::string>();
  redis.Stop();
  httplib::Headers h = Auth(acme_key_);
  h.emplace("If-None-Match", "W/\"1\"");
  EXPECT_EQ(client_->Get(other_path.c_str(), h)->status, 304);
  ASSERT_EQ(client_->Patch(other_path.c_str(), Auth(acme_key_),
                           R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                               "Operations":[{"op":"add","path":"title","value":"x"}]})",
                           "application/scim+json")->status,
            200);
  EXPECT_EQ(client_->Get(other_path.c_str(), h)->status, 200);
  identity_->store().set_etag_cache(nullptr);
  edge_->EnableEtagCache(nullptr);
}

}  // namespace
}  // namespace scim::edge
