// The foundation scenario over real processes: scimd alone, and the four
// separate binaries talking gRPC, administered with scimctl.
#include <signal.h>

#include <algorithm>
#include <map>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include <future>

#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "common/redis_server_for_tests.h"
#include "tests/test_process.h"

namespace scim::testing {
namespace {

using json = nlohmann::json;

// grpc.health.v1 Check for the whole server, as a Kubernetes gRPC probe
// sends it. Debian ships no health stubs: the request is an empty message
// and SERVING is field 1 = 1 (bytes 08 01).
bool HealthServing(const std::string& address) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::ByteBuffer request, response;
  grpc::Slice empty("");
  request = grpc::ByteBuffer(&empty, 1);
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &request, &response,
                 [&](grpc::Status status) { done.set_value(status); });
  if (!done.get_future().get().ok()) return false;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return false;
  std::string bytes;
  for (const auto& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes == std::string("\x08\x01", 2);
}

// ScimCtl that expects every command to succeed.
struct Ctl : ScimCtl {
  std::string MustRun(const std::string& args) const {
    int code = 0;
    std::string out = Run(args, &code);
    EXPECT_EQ(code, 0) << "scimctl " << args;
    return out;
  }
};

std::string Line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

void ExpectScimError(const httplib::Result& res, int status) {
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, status) << res->body;
  json body = json::parse(res->body, nullptr, false);
  EXPECT_EQ(body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
  EXPECT_EQ(body["status"], std::to_string(status));
  EXPECT_FALSE(body.value("detail", "").empty());
}

// Everything the foundation promises, through HTTP and scimctl.
void RunScenario(int http_port, const Ctl& ctl) {
  EXPECT_EQ(Line(ctl.MustRun("tenant create acme")), "acme");
  EXPECT_EQ(Line(ctl.MustRun("tenant create beta")), "beta");
  int code = 0;
  ctl.Run("tenant create acme", &code);
  EXPECT_NE(code, 0);  // exists
  ctl.Run("tenant create Bad_Name", &code);
  EXPECT_NE(code, 0);
  std::string listed = ctl.MustRun("tenant list");
  EXPECT_TRUE(absl::StartsWith(listed, "acme ")) << listed;
  EXPECT_NE(listed.find("\nbeta "), std::string::npos) << listed;
  json tenant = json::parse(ctl.MustRun("tenant get acme"));
  EXPECT_EQ(tenant["id"], "acme");
  EXPECT_EQ(tenant["settings"]["deleteMode"], "hard");
  const std::string acme_key = Line(ctl.MustRun("key create --tenant=acme"));
  const std::string beta_key = Line(ctl.MustRun("key create --tenant=beta"));
  EXPECT_TRUE(absl::StartsWith(acme_key, "scim_"));
  std::string keys = ctl.MustRun("key list --tenant=acme");
  std::vector<std::string> fields = absl::StrSplit(Line(keys), ' ');
  ASSERT_EQ(fields.size(), 5u) << keys;
  EXPECT_TRUE(absl::StrContains(acme_key, fields[0]));
  EXPECT_EQ(fields[4], "active");
  EXPECT_FALSE(absl::StrContains(keys, acme_key.substr(22)));  // no secret

  httplib::Client http("127.0.0.1", http_port);
  http.set_url_encode(false);

  // The signing key: rotated, the new key is published beside the old one.
  const std::string kid = Line(ctl.MustRun("signing-key rotate"));
  EXPECT_FALSE(kid.empty());
  auto jwks = http.Get("/.well-known/jwks.json");
  ASSERT_TRUE(jwks);
  EXPECT_NE(jwks->body.find("\"" + kid + "\""), std::string::npos) << kid << " " << jwks->body;
  EXPECT_NE(Line(ctl.MustRun("signing-key rotate")), kid);

  // A setup link: scimctl prints its URL once; it opens a console session
  // for acme; revoked, it no longer does.
  const std::string link_url = Line(ctl.MustRun(
      absl::StrCat("setup-link create --tenant=acme --ttl=2h --console_url=http://127.0.0.1:",
                   http_port, "/")));
  const std::string link_prefix =
      absl::StrCat("http://127.0.0.1:", http_port, "/admin/#setup=scl_");
  ASSERT_TRUE(absl::StartsWith(link_url, link_prefix)) << link_url;
  const std::string link_secret = link_url.substr(link_url.find("scl_"));
  auto open_link = [&] {
    return http.Post("/admin/api/session", json{{"setupLink", link_secret}}.dump(),
                     "application/json");
  };
  auto opened = open_link();
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened->status, 200) << opened->body;
  EXPECT_EQ(json::parse(opened->body)["tenant"], "acme");
  const std::string links = ctl.MustRun("setup-link list --tenant=acme");
  std::vector<std::string> link_fields = absl::StrSplit(Line(links), ' ');
  ASSERT_EQ(link_fields.size(), 4u) << links;
  EXPECT_EQ(link_fields[3], "active");
  EXPECT_FALSE(absl::StrContains(links, link_secret.substr(25)));  // no secret
  ctl.MustRun("setup-link revoke --tenant=acme --link_id=" + link_fields[0]);
  EXPECT_EQ(open_link()->status, 401);

  const httplib::Headers acme = {{"Authorization", "Bearer " + acme_key}};
  const httplib::Headers beta = {{"Authorization", "Bearer " + beta_key}};
  const std::string users = "/t/acme/scim/v2/Users";

  auto created = http.Post(users.c_str(), acme,
                           R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],
                               "userName":"bjensen@example.com","active":true,
                               "emails":[{"value":"bjensen@example.com"}]})",
                           "application/scim+json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string id = json::parse(created->body)["id"];
  EXPECT_FALSE(created->get_header_value("Location").empty());
  EXPECT_EQ(created->get_header_value("ETag"), "W/\"1\"");

  auto got = http.Get((users + "/" + id).c_str(), acme);
  ASSERT_EQ(got->status, 200);
  auto found = http.Get(
      (users + "?filter=userName%20eq%20%22BJENSEN@EXAMPLE.COM%22").c_str(), acme);
  ASSERT_EQ(found->status, 200);
  EXPECT_EQ(json::parse(found->body)["Resources"][0]["id"], id);
  auto replaced = http.Put((users + "/" + id).c_str(), acme,
                           R"({"userName":"bjensen@example.com","title":"Guide"})",
                           "application/json");
  ASSERT_EQ(replaced->status, 200) << replaced->body;
  EXPECT_EQ(json::parse(replaced->body)["title"], "Guide");

  ExpectScimError(http.Post(users.c_str(), acme,
                            R"({"userName":"BJensen@Example.com"})",
                            "application/json"),
                  409);
  ExpectScimError(http.Post(users.c_str(), acme, "{not json", "application/json"),
                  400);
  ExpectScimError(http.Post(users.c_str(), acme, R"({"name":{"givenName":"x"}})",
                            "application/json"),
                  400);
  ExpectScimError(http.Get(users.c_str()), 401);
  ExpectScimError(http.Get(users.c_str(), {{"Authorization", "Bearer wrong"}}),
                  401);
  // Tenant B's key on tenant A's URL: refused, and no data in the answer.
  auto cross = http.Get((users + "/" + id).c_str(), beta);
  ExpectScimError(cross, 401);
  EXPECT_FALSE(absl::StrContains(cross->body, "bjensen"));
  ExpectScimError(http.Get(("/t/beta/scim/v2/Users/" + id).c_str(), beta), 404);

  auto deleted = http.Delete((users + "/" + id).c_str(), acme);
  EXPECT_EQ(deleted->status, 204);
  ExpectScimError(http.Get((users + "/" + id).c_str(), acme), 404);

  // Every change to acme reaches its audit log through the outboxes of
  // token-service and identity-service.
  const std::vector<std::string> expected = {
      "tenant.create", "key.create", "setup_link.create", "setup_link.revoke",
      "user.create", "user.replace", "user.delete"};
  std::vector<std::string> ops;
  for (int i = 0; i < 100 && ops.size() < expected.size(); ++i) {
    ops.clear();
    for (absl::string_view line :
         absl::StrSplit(ctl.MustRun("audit tail --tenant=acme --limit=10"), '\n')) {
      if (line.empty()) continue;
      json event = json::parse(line);
      if (event["operation"] == "request.denied") continue;  // checked below
      ops.push_back(event["operation"]);
      if (absl::StartsWith(ops.back(), "user.")) {
        EXPECT_EQ(event["resourceId"], id);
      }
      EXPECT_EQ(event.dump().find(acme_key.substr(22)), std::string::npos);
    }
    if (ops.size() < expected.size()) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(ops, expected);
  // The three refused requests against acme are on its record too.
  std::string denied = ctl.MustRun(
      "audit export --tenant=acme --operation=request.denied");
  EXPECT_EQ(std::count(denied.begin(), denied.end(), '\n'), 3) << denied;
  // The chain verifies, and export finds events by resource and operation.
  std::string verified = ctl.MustRun("audit verify --tenant=acme");
  EXPECT_TRUE(absl::StartsWith(verified, "ok ")) << verified;
  EXPECT_TRUE(absl::EndsWith(Line(verified), " events")) << verified;
  std::string exported = ctl.MustRun(
      "audit export --tenant=acme --operation=user.replace --resource_id=" + id);
  EXPECT_EQ(std::count(exported.begin(), exported.end(), '\n'), 1) << exported;
  // A full replace: the PUT set title and cleared active and emails.
  EXPECT_TRUE(absl::StrContains(
      exported, "\"changedAttributes\":[\"title\",\"active\",\"emails\"]"))
      << exported;
}

// scimd on free ports, its data under `dir`.
absl::StatusOr<std::unique_ptr<TestProcess>> StartScimd(const std::string& dir) {
  return TestProcess::Start("scimd",
                            {"--data_dir=" + dir + "/data", "--http_addr=127.0.0.1:0",
                             "--grpc_addr=127.0.0.1:0", "--access_log=false"},
                            dir);
}

TEST(EndToEndTest, Scimd) {
  const std::string dir = MakeTempDir("scimd_e2e");
  auto scimd = StartScimd(dir);
  ASSERT_TRUE(scimd.ok()) << scimd.status();
  Ctl ctl{{"127.0.0.1:" + (*scimd)->Field("grpc_port"), "",
           dir + "/data/admin.token"}};
  EXPECT_TRUE(HealthServing(ctl.server));
  RunScenario(std::stoi((*scimd)->Field("http_port")), ctl);
  {
    // scimd's edge calls identity-service directly for Users and Groups: the
    // scenario's SCIM requests are no gRPC calls, while the edge's others
    // (token-service's key checks) are.
    auto scraped = httplib::Client("127.0.0.1", std::stoi((*scimd)->Field("http_port")))
                       .Get("/metrics");
    ASSERT_TRUE(scraped);
    EXPECT_TRUE(absl::StrContains(scraped->body, "/scim.v1.TokenService/")) << scraped->body;
    for (const char* rpc : {"CreateUser", "GetUser", "ReplaceUser", "PatchUser", "DeleteUser",
                            "ListUsers"}) {
      EXPECT_FALSE(absl::StrContains(scraped->body,
                                     absl::StrCat("/scim.v1.IdentityService/", rpc, "\""))) << rpc;
    }
  }
  // Disabling a tenant shuts its integration within the documented 5 s;
  // enabling it restores it. Settings show in `tenant get`.
  const std::string beta_key = Line(ctl.MustRun("key create --tenant=beta"));
  httplib::Client http("127.0.0.1", std::stoi((*scimd)->Field("http_port")));
  const httplib::Headers beta = {{"Authorization", "Bearer " + beta_key}};
  ASSERT_EQ(http.Get("/t/beta/scim/v2/Users", beta)->status, 200);
  ctl.MustRun("tenant disable beta");
  int status = 0;
  const absl::Time disabled_at = absl::Now();
  while (absl::Now() - disabled_at < absl::Seconds(7)) {
    status = http.Get("/t/beta/scim/v2/Users", beta)->status;
    if (status == 403) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(status, 403);
  EXPECT_LE(absl::Now() - disabled_at, absl::Seconds(6));
  auto refused = http.Get("/t/beta/scim/v2/Users", beta);
  EXPECT_TRUE(absl::StrContains(refused->body, "disabled")) << refused->body;
  ctl.MustRun("tenant enable beta");
  for (int i = 0; i < 35 && status != 200; ++i) {
    absl::SleepFor(absl::Milliseconds(200));
    status = http.Get("/t/beta/scim/v2/Users", beta)->status;
  }
  EXPECT_EQ(status, 200);
  ctl.MustRun("tenant set beta --rate_limit=50 --rate_burst=80 --delete_mode=soft");
  json settings = json::parse(ctl.MustRun("tenant get beta"))["settings"];
  EXPECT_EQ(settings["rateLimit"], 50);
  EXPECT_EQ(settings["rateBurst"], 80);
  EXPECT_EQ(settings["deleteMode"], "soft");
  EXPECT_EQ(settings["groupsAsRoles"], false);  // the default, printed
  ctl.MustRun("tenant set beta --groups_as_roles=true");
  settings = json::parse(ctl.MustRun("tenant get beta"))["settings"];
  EXPECT_EQ(settings["groupsAsRoles"], true);
  EXPECT_EQ(settings["deleteMode"], "soft");  // untouched
  int bad = 0;
  ctl.Run("tenant set beta --delete_mode=sometimes", &bad);
  EXPECT_NE(bad, 0);
  bad = 0;
  ctl.Run("tenant set beta --groups_as_roles=maybe", &bad);
  EXPECT_NE(bad, 0);
  ctl.MustRun("tenant set beta --groups_as_roles=false");
  EXPECT_EQ(json::parse(ctl.MustRun("tenant get beta"))["settings"]["groupsAsRoles"], false);
  // Rotation hands out a working key; revocation reaches the edge (which has
  // the key cached) within the documented 5 s.
  const std::string key_id = beta_key.substr(5, 16);
  const std::string rotated =
      Line(ctl.MustRun("key rotate --tenant=beta --key_id=" + key_id +
                       " --grace=1h"));
  EXPECT_EQ(http.Get("/t/beta/scim/v2/Users",
                     {{"Authorization", "Bearer " + rotated}})->status, 200);
  EXPECT_EQ(http.Get("/t/beta/scim/v2/Users", beta)->status, 200);  // grace
  ctl.MustRun("key revoke --tenant=beta --key_id=" + key_id);
  const absl::Time revoked_at = absl::Now();
  while (absl::Now() - revoked_at < absl::Seconds(7)) {
    status = http.Get("/t/beta/scim/v2/Users", beta)->status;
    if (status == 401) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(status, 401);
  EXPECT_LE(absl::Now() - revoked_at, absl::Seconds(6));
  std::string keys = ctl.MustRun("key list --tenant=beta");
  EXPECT_TRUE(absl::StrContains(keys, key_id)) << keys;
  EXPECT_TRUE(absl::StrContains(keys, " revoked")) << keys;
  // Deleting a tenant takes its users and keys, asks for confirmation, and
  // leaves nothing behind for a new tenant of the same name.
  ctl.MustRun("tenant create gamma");
  const std::string gamma_key = Line(ctl.MustRun("key create --tenant=gamma"));
  const httplib::Headers gamma = {{"Authorization", "Bearer " + gamma_key}};
  ASSERT_EQ(http.Post("/t/gamma/scim/v2/Users", gamma, R"({"userName":"g1"})",
                      "application/json")->status, 201);
  int refused_code = 0;
  ctl.Run("tenant delete gamma", &refused_code);
  EXPECT_NE(refused_code, 0);
  ctl.Run("tenant delete gamma --confirm=beta", &refused_code);
  EXPECT_NE(refused_code, 0);
  ctl.MustRun("tenant delete gamma --confirm=gamma");
  ctl.Run("tenant get gamma", &refused_code);
  EXPECT_NE(refused_code, 0);
  ctl.MustRun("tenant create gamma");
  const std::string new_key = Line(ctl.MustRun("key create --tenant=gamma"));
  auto fresh = http.Get("/t/gamma/scim/v2/Users",
                        {{"Authorization", "Bearer " + new_key}});
  EXPECT_EQ(json::parse(fresh->body)["totalResults"], 0) << fresh->body;
  for (int i = 0; i < 35; ++i) {  // the old key dies with its tenant
    status = http.Get("/t/gamma/scim/v2/Users", gamma)->status;
    if (status == 401) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(status, 401);
  // OAuth: scimctl prints the client id and secret; the token endpoint turns
  // them into a JWT that works on the tenant's SCIM URL.
  std::vector<std::string> client =
      absl::StrSplit(Line(ctl.MustRun("client create --tenant=beta")), '\n');
  ASSERT_EQ(client.size(), 2u);
  auto issued = http.Post(
      "/oauth/token",
      absl::StrCat("grant_type=client_credentials&client_id=", client[0],
                   "&client_secret=", client[1]),
      "application/x-www-form-urlencoded");
  ASSERT_EQ(issued->status, 200) << issued->body;
  const std::string jwt = json::parse(issued->body)["access_token"];
  EXPECT_EQ(http.Get("/t/beta/scim/v2/Users",
                     {{"Authorization", "Bearer " + jwt}})->status, 200);
  ctl.MustRun("client revoke --tenant=beta --client_id=" + client[0]);
  // Admin RPCs without the admin token are refused.
  int code = 0;
  RunCommand(absl::StrCat("SCIM_ADMIN_TOKEN=wrong ", BinaryPath("scimctl"),
                          " --server=", ctl.server,
                          " tenant list 2>/dev/null"),
             &code);
  EXPECT_NE(code, 0);
  (*scimd)->Signal(SIGTERM);
  EXPECT_EQ((*scimd)->Wait(), 0);
}

// scimctl schema put|list|get|delete against scimd, with the CONTRACT's
// outputs and exit codes.
TEST(EndToEndTest, SchemaCommands) {
  const std::string dir = MakeTempDir("schema_e2e");
  auto scimd = StartScimd(dir);
  ASSERT_TRUE(scimd.ok()) << scimd.status();
  Ctl ctl{{"127.0.0.1:" + (*scimd)->Field("grpc_port"), "", dir + "/data/admin.token"}};
  ctl.MustRun("tenant create acme");
  const std::string urn = "urn:ietf:params:scim:schemas:extension:Acme:2.0:User";
  const std::string file = dir + "/acme.json";
  std::ofstream(file) << R"({"id":")" << urn << R"(","name":"Acme","resourceType":"User",
      "attributes":[{"name":"costCenter","type":"string","indexed":true}]})";
  EXPECT_EQ(ctl.MustRun("schema put --tenant=acme " + file), "");
  EXPECT_EQ(ctl.MustRun("schema list --tenant=acme"), urn + "\n");
  json listed = json::parse(ctl.MustRun("schema list --tenant=acme --output=json"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["urn"], urn);
  json got = json::parse(ctl.MustRun("schema get --tenant=acme " + urn));
  EXPECT_EQ(got["id"], urn);
  EXPECT_EQ(got["attributes"][0]["name"], "costCenter");
  // What get prints can be put back as it is.
  const std::string served = dir + "/served.json";
  std::ofstream(served) << got.dump();
  EXPECT_EQ(ctl.MustRun("schema put --tenant=acme " + served), "");
  EXPECT_EQ(ctl.MustRun("schema list --tenant=beta"), "");  // acme's only

  int code = 0;
  ctl.Run("schema list", &code);  // no --tenant
  EXPECT_EQ(code, 2);
  ctl.Run("schema put --tenant=acme " + dir + "/missing.json", &code);
  EXPECT_EQ(code, 2);
  const std::string bad = dir + "/bad.json";
  std::ofstream(bad) << R"({"id":")" << urn << R"(","resourceType":"User",
      "attributes":[{"name":"costCenter","type":"integer"},{"name":"x y","type":"string"}]})";
  ctl.Run("schema put --tenant=acme " + bad, &code);
  EXPECT_EQ(code, 1);
  ctl.Run("schema get --tenant=acme urn:acme:none", &code);
  EXPECT_EQ(code, 1);
  Ctl unreachable{{"127.0.0.1:1", "", dir + "/data/admin.token"}};
  unreachable.Run("schema list --tenant=acme", &code);
  EXPECT_EQ(code, 3);

  EXPECT_EQ(ctl.MustRun("schema delete --tenant=acme " + urn), "");
  EXPECT_EQ(ctl.MustRun("schema list --tenant=acme"), "");
  ctl.Run("schema delete --tenant=acme " + urn, &code);
  EXPECT_EQ(code, 1);
  // Each change is in the tenant's audit log.
  int seen = 0;
  for (int i = 0; i < 100 && seen < 2; ++i) {
    const std::string log = ctl.MustRun("audit export --tenant=acme --operation=schema.");
    seen = static_cast<int>(std::count(log.begin(), log.end(), '\n'));
    if (seen < 2) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(seen, 2);  // create, delete (the identical put changed nothing)
  (*scimd)->Signal(SIGTERM);
  EXPECT_EQ((*scimd)->Wait(), 0);
}

TEST(EndToEndTest, SeparateBinaries) {
  const std::string dir = MakeTempDir("split_e2e");
  auto split = StartSplitDeployment(dir);
  ASSERT_TRUE(split.ok()) << split.status();
  httplib::Client metrics("127.0.0.1",
                          std::stoi(split->identity->Field("metrics_port")));
  auto scraped = metrics.Get("/metrics");
  ASSERT_TRUE(scraped);
  for (const char* series :
       {"scim_audit_outbox_depth{outbox=\"identity\"}",
        "scim_rocksdb_live_data_bytes{store=\"identity\"}",
        "scim_rocksdb_pending_compaction_bytes{store=\"identity\"}",
        "scim_rocksdb_write_stopped{store=\"identity\"} 0"}) {
    EXPECT_TRUE(absl::StrContains(scraped->body, series))
        << series << "\n" << scraped->body;
  }
  Ctl ctl{split->ctl};
  for (const auto* p : {split->audit.get(), split->token.get(),
                        split->identity.get()}) {
    EXPECT_TRUE(HealthServing("127.0.0.1:" + p->Field("grpc_port")));
  }
  EXPECT_FALSE(HealthServing("127.0.0.1:1"));  // nothing there
  RunScenario(split->http_port, ctl);
  // A request id given to the edge reaches identity-service's log.
  httplib::Client http("127.0.0.1", split->http_port);
  std::string key = Line(ctl.MustRun("key create --tenant=beta"));
  auto traced = http.Get("/t/beta/scim/v2/Users",
                         {{"Authorization", "Bearer " + key},
                          {"X-Request-Id", "trace-e2e-42"}});
  ASSERT_TRUE(traced);
  EXPECT_EQ(traced->get_header_value("X-Request-Id"), "trace-e2e-42");
  bool logged = false;
  for (absl::string_view line : absl::StrSplit(split->identity->Stderr(), '\n')) {
    json entry = json::parse(line, nullptr, false);
    if (entry.is_object() && entry.value("request_id", "") == "trace-e2e-42" &&
        entry.value("method", "") == "/scim.v1.IdentityService/ListUsers") {
      logged = true;
    }
  }
  EXPECT_TRUE(logged) << split->identity->Stderr();
  for (auto* p : {split->edge.get(), split->identity.get(), split->token.get(),
                  split->audit.get()}) {
    p->Signal(SIGTERM);
    EXPECT_EQ(p->Wait(), 0);
  }
}

// The console behind a load balancer: two edges share their sessions
// through Redis, and a setup link's console reads its tenant's activity from
// audit-service, which checks the link with token-service.
TEST(EndToEndTest, ConsoleSessionsAcrossEdgesAndASetupLinksActivity) {
  ASSERT_TRUE(RedisServerForTests::Installed())
      << "redis-server is missing: ./scripts/test.sh installs it";
  RedisServerForTests redis(FreePort());
  const std::string dir = MakeTempDir("console_e2e");
  auto split = StartSplitDeployment(dir);
  ASSERT_TRUE(split.ok()) << split.status();
  std::vector<std::unique_ptr<TestProcess>> edges;
  std::vector<std::unique_ptr<httplib::Client>> http;
  for (int i = 0; i < 2; ++i) {
    auto edge = TestProcess::Start(
        "scim-edge",
        {"--http_addr=127.0.0.1:0", "--access_log=false",
         "--identity_addr=127.0.0.1:" + split->identity->Field("grpc_port"),
         "--token_addr=" + split->token_addr, "--audit_addr=" + split->audit_addr,
         "--denial_token_file=" + dir + "/denial.token",
         absl::StrCat("--redis=redis://127.0.0.1:", redis.port())},
        dir);
    ASSERT_TRUE(edge.ok()) << edge.status();
    http.push_back(std::make_unique<httplib::Client>(
        "127.0.0.1", std::stoi((*edge)->Field("http_port"))));
    edges.push_back(std::move(*edge));
  }
  Ctl ctl{split->ctl};
  ctl.MustRun("tenant create shop");
  std::string admin_token;
  std::getline(std::ifstream(dir + "/admin.token"), admin_token);
  auto sign_in = [&](httplib::Client& edge, const json& body, std::string* csrf) {
    auto res = edge.Post("/admin/api/session", body.dump(), "application/json");
    EXPECT_TRUE(res && res->status == 200) << (res ? res->body : "no answer");
    if (!res || res->status != 200) return std::string();
    *csrf = json::parse(res->body)["csrfToken"];
    const std::string set_cookie = res->get_header_value("Set-Cookie");
    return set_cookie.substr(0, set_cookie.find(';'));
  };

  // Signed in on one edge, served by the other; signed out there, gone here.
  std::string csrf;
  const std::string admin = sign_in(*http[0], {{"token", admin_token}}, &csrf);
  auto listed = http[1]->Get("/admin/api/tenants", {{"Cookie", admin}});
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200) << listed->body;
  auto out = http[1]->Delete("/admin/api/session", {{"Cookie", admin}, {"X-CSRF-Token", csrf}});
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 204);
  EXPECT_EQ(http[0]->Get("/admin/api/tenants", {{"Cookie", admin}})->status, 401);

  // A setup link opened on one edge: Test connection and the activity on
  // the other, read with the link's credential by the separate services.
  const std::string url = Line(ctl.MustRun("setup-link create --tenant=shop"));
  const std::string secret = url.substr(url.find("scl_"));
  const std::string link = sign_in(*http[1], {{"setupLink", secret}}, &csrf);
  auto made = http[0]->Post("/admin/api/tenants/shop/keys", {{"Cookie", link}, {"X-CSRF-Token", csrf}},
                            "{}", "application/json");
  ASSERT_TRUE(made);
  ASSERT_EQ(made->status, 201) << made->body;
  auto tested = http[0]->Post("/admin/api/tenants/shop/test",
                              {{"Cookie", link}, {"X-CSRF-Token", csrf}}, "{}", "application/json");
  ASSERT_TRUE(tested);
  EXPECT_TRUE(json::parse(tested->body)["ok"].get<bool>()) << tested->body;
  json events;
  for (int i = 0; i < 200 && events.empty(); ++i) {
    auto page = http[1]->Get("/admin/api/tenants/shop/activity?operation=key.", {{"Cookie", link}});
    ASSERT_TRUE(page);
    ASSERT_EQ(page->status, 200) << page->body;
    events = json::parse(page->body)["events"];
    if (events.empty()) absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0]["operation"], "key.create");
  auto chain = http[0]->Get("/admin/api/tenants/shop/activity/verify", {{"Cookie", link}});
  ASSERT_TRUE(chain);
  EXPECT_TRUE(json::parse(chain->body)["ok"].get<bool>()) << chain->body;
  EXPECT_EQ(http[0]->Get("/admin/api/tenants/beta/activity", {{"Cookie", link}})->status, 403);
  for (auto& edge : edges) {
    edge->Signal(SIGTERM);
    EXPECT_EQ(edge->Wait(), 0);
  }
}

TEST(EndToEndTest, EveryBinaryHasHelpWithEnvNames) {
  for (const char* binary : {"scimd", "scim-edge", "identity-service",
                             "token-service", "audit-service", "scimctl"}) {
    int code = -1;
    std::string out =
        RunCommand(absl::StrCat(BinaryPath(binary), " --help"), &code);
    EXPECT_EQ(code, 0) << binary;
    EXPECT_TRUE(absl::StrContains(out, "SCIM_")) << binary << ": " << out;
  }
  int code = -1;
  std::string out = RunCommand(
      absl::StrCat(BinaryPath("scimd"), " --help"), &code);
  for (const char* flag : {"--data_dir", "--http_addr", "--grpc_addr", "--redis",
                           "--demo", "--tls_cert", "--tls_key"}) {
    EXPECT_TRUE(absl::StrContains(out, flag)) << flag;
  }
  EXPECT_TRUE(absl::StrContains(out, "SCIM_DATA_DIR"));
}

// Every binary prints one semantic version, and scimd's metrics report the
// same one as scim_build_info.
TEST(EndToEndTest, EveryBinaryPrintsTheSameVersionAsItsBuildInfoMetric) {
  std::string version;
  for (const char* binary : {"scimd", "scim-edge", "identity-service",
                             "token-service", "audit-service", "scimctl"}) {
    int code = -1;
    std::string out = Line(RunCommand(absl::StrCat(BinaryPath(binary), " --version"), &code));
    EXPECT_EQ(code, 0) << binary;
    std::vector<std::string> words = absl::StrSplit(out, ' ');
    ASSERT_EQ(words.size(), 2u) << out;
    EXPECT_EQ(words[0], binary);
    std::vector<std::string> parts = absl::StrSplit(words[1], '.');
    ASSERT_EQ(parts.size(), 3u) << "not MAJOR.MINOR.PATCH: " << words[1];
    for (const std::string& p : parts) {
      EXPECT_FALSE(p.empty() || !std::all_of(p.begin(), p.end(), ::isdigit)) << words[1];
    }
    if (version.empty()) version = words[1];
    EXPECT_EQ(words[1], version) << binary;
  }
  const std::string dir = MakeTempDir("scimd_version");
  auto demo = StartDemo(dir);
  ASSERT_TRUE(demo.ok()) << demo.status();
  auto metrics = httplib::Client("127.0.0.1", demo->port).Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_TRUE(absl::StrContains(metrics->body,
                                absl::StrCat("scim_build_info{version=\"", version, "\"} 1")))
      << metrics->body.substr(0, 2000);
  // One HELP and TYPE per family, though three stores export the RocksDB ones.
  std::map<std::string, int> types;
  for (absl::string_view line : absl::StrSplit(metrics->body, '\n')) {
    if (absl::StartsWith(line, "# TYPE ")) ++types[std::string(line)];
  }
  for (const auto& [line, count] : types) EXPECT_EQ(count, 1) << line;
  EXPECT_GT(types.count("# TYPE scim_rocksdb_live_data_bytes gauge"), 0u);
}

// scimctl's exit codes (0 ok, 1 refused, 2 usage, 3 unreachable) and
// --output=json on every listing.
TEST(EndToEndTest, ScimctlExitCodesAndJsonListings) {
  const std::string scimctl = BinaryPath("scimctl");
  auto run = [&](const std::string& args, int* code) {
    return RunCommand(absl::StrCat("env -u SCIM_ADMIN_TOKEN ", scimctl, " ", args, " 2>&1"),
                      code);
  };
  int code = -1;
  // Usage errors come before any credential is read: there is none here.
  const std::string none = "--admin_token_file=/nonexistent/admin.token ";
  for (const char* args : {"nope verb", "tenant", "key list", "key rotate --tenant=t",
                           "--output=xml tenant list", "audit tail --tenant=t --follow --output=json",
                           "webhook add --tenant=t"}) {
    std::string out = run(none + args, &code);
    EXPECT_EQ(code, 2) << args << ": " << out;
    EXPECT_EQ(out.find("no admin token"), std::string::npos) << args << ": " << out;
  }
  run(none + "tenant list", &code);
  EXPECT_EQ(code, 2) << "no admin token at all";

  const std::string dir = MakeTempDir("scimctl_codes");
  auto demo = StartDemo(dir);
  ASSERT_TRUE(demo.ok()) << demo.status();
  const std::string with = absl::StrCat("--admin_token_file=", dir, "/data/admin.token ");
  run(with + "--server=127.0.0.1:1 tenant list", &code);
  EXPECT_EQ(code, 3) << "unreachable";
  const std::string server = absl::StrCat("--server=127.0.0.1:", demo->grpc_port, " ");
  run(with + server + "tenant get nosuch", &code);
  EXPECT_EQ(code, 1) << "refused";
  run("--admin_token_file=/dev/null --server=127.0.0.1:1 tenant list", &code);
  EXPECT_EQ(code, 2) << "an empty token file";
  ASSERT_TRUE(Line(run(with + server + "key create --tenant=demo", &code)).rfind("scim_", 0) == 0);
  run(with + server + "setup-link create --tenant=demo", &code);
  for (const char* listing : {"tenant list", "key list --tenant=demo", "setup-link list --tenant=demo",
                              "webhook list --tenant=demo", "schema list --tenant=demo",
                              "audit tail --tenant=demo", "audit export --tenant=demo",
                              "events tail --tenant=demo"}) {
    std::string out = run(with + server + "--output=json " + listing, &code);
    EXPECT_EQ(code, 0) << listing << ": " << out;
    json parsed = json::parse(out, nullptr, false);
    EXPECT_TRUE(parsed.is_array()) << listing << ": " << out;
  }
  json tenants = json::parse(run(with + server + "--output=json tenant list", &code));
  ASSERT_FALSE(tenants.empty());
  EXPECT_EQ(tenants[0]["id"], "demo");
  json events = json::parse(run(with + server + "--output=json audit tail --tenant=demo", &code));
  EXPECT_FALSE(events.empty()) << "the key and link creation were audited";
}

TEST(EndToEndTest, FlagsComeFromTheEnvironment) {
  const std::string dir = MakeTempDir("scimd_env");
  setenv("SCIM_DATA_DIR", (dir + "/envdata").c_str(), 1);
  auto scimd = TestProcess::Start(
      "scimd", {"--http_addr=127.0.0.1:0", "--grpc_addr=127.0.0.1:0", "--demo"},
      dir);
  unsetenv("SCIM_DATA_DIR");
  ASSERT_TRUE(scimd.ok()) << scimd.status();
  struct stat st;
  ASSERT_EQ(stat((dir + "/envdata/admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // --demo printed a base URL and a key that work.
  std::string out = (*scimd)->Stdout();
  EXPECT_TRUE(absl::StrContains(out, "/t/demo/scim/v2")) << out;
  std::string key = out.substr(out.find("scim_"));
  key = key.substr(0, key.find('\n'));
  httplib::Client http("127.0.0.1", std::stoi((*scimd)->Field("http_port")));
  auto res = http.Get("/t/demo/scim/v2/Users",
                      {{"Authorization", "Bearer " + key}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

}  // namespace
}  // namespace scim::testing
