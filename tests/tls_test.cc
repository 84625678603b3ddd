// TLS with a throwaway CA made here: HTTPS and gRPC TLS on scimd, and the
// separate services under mutual TLS.
#include <signal.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/test_process.h"

namespace scim::testing {
namespace {

// A CA, a certificate for this host signed by it (server and client use),
// and a second CA nobody trusts.
void MakeCertificates(const std::string& dir) {
  const std::string script = R"(set -e
ec='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'
openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca
openssl req -x509 $ec -keyout rogue-ca.key -out rogue-ca.pem -days 2 -subj /CN=rogue
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' > ext.cnf
for who in node:ca rogue:rogue-ca; do
  n=${who%%:*}; c=${who#*:}
  openssl req $ec -keyout $n.key -out $n.csr -subj /CN=localhost
  openssl x509 -req -in $n.csr -CA $c.pem -CAkey $c.key -CAcreateserial \
    -out $n.pem -days 2 -extfile ext.cnf
done
)";
  {
    std::ofstream(dir + "/make-certs.sh") << script;
  }
  int code = 0;
  std::string out = RunCommand(
      absl::StrCat("cd ", dir, " && bash make-certs.sh 2>&1"), &code);
  ASSERT_EQ(code, 0) << out;
}

TEST(TlsTest, ScimdServesHttpsAndGrpcTls) {
  const std::string dir = MakeTempDir("tls_scimd");
  MakeCertificates(dir);
  auto scimd = TestProcess::Start(
      "scimd",
      {"--data_dir=" + dir + "/data", "--http_addr=127.0.0.1:0",
       "--grpc_addr=127.0.0.1:0", "--access_log=false", "--demo",
       "--tls_cert=" + dir + "/node.pem", "--tls_key=" + dir + "/node.key"},
      dir);
  ASSERT_TRUE(scimd.ok()) << scimd.status();
  std::string out = (*scimd)->Stdout();
  EXPECT_TRUE(absl::StrContains(out, "SCIM base URL: https://")) << out;
  std::string key = out.substr(out.find("scim_"));
  key = key.substr(0, key.find('\n'));
  const int port = std::stoi((*scimd)->Field("http_port"));

  httplib::SSLClient https("127.0.0.1", port);
  https.set_ca_cert_path(dir + "/ca.pem");
  https.enable_server_certificate_verification(true);
  auto res = https.Get("/t/demo/scim/v2/Users", {{"Authorization", "Bearer " + key}});
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  auto created = https.Post("/t/demo/scim/v2/Users",
                            {{"Authorization", "Bearer " + key}},
                            R"({"userName":"tls-user"})", "application/scim+json");
  ASSERT_TRUE(created);
  EXPECT_TRUE(absl::StartsWith(created->get_header_value("Location"), "https://"));

  // The certificates' expiry, for the alert: two days from now (-days 2).
  auto metrics = https.Get("/metrics");
  ASSERT_TRUE(metrics);
  for (const char* listener : {"http", "grpc"}) {
    const std::string series = absl::StrCat(
        "scim_tls_certificate_expiry_timestamp_seconds{listener=\"", listener, "\"} ");
    const size_t at = metrics->body.find(series);
    ASSERT_NE(at, std::string::npos) << series;
    const double expires = std::stod(metrics->body.substr(at + series.size()));
    const double in_days = (expires - absl::ToUnixSeconds(absl::Now())) / 86400;
    EXPECT_GT(in_days, 1.9) << listener;
    EXPECT_LT(in_days, 2.1) << listener;
  }

  httplib::Client plain("127.0.0.1", port);
  auto refused = plain.Get("/healthz");
  EXPECT_TRUE(!refused || refused->status >= 400) << "plain HTTP must not work";

  ScimCtl ctl{"127.0.0.1:" + (*scimd)->Field("grpc_port"), "",
              dir + "/data/admin.token", "--tls_ca=" + dir + "/ca.pem"};
  int code = 0;
  EXPECT_TRUE(absl::StartsWith(ctl.Run("tenant list", &code), "demo "));
  EXPECT_EQ(code, 0);
  ctl.extra_flags = "--tls_ca=" + dir + "/rogue-ca.pem";  // wrong trust
  ctl.Run("tenant list", &code);
  EXPECT_NE(code, 0);
  ctl.extra_flags = "";  // plaintext against a TLS server
  ctl.Run("tenant list", &code);
  EXPECT_NE(code, 0);
}

TEST(TlsTest, SeparateServicesUnderMutualTls) {
  // A TLS write to a peer that hung up (the edge refusing an anonymous
  // client) raises SIGPIPE; that is an answer here, not a crash.
  signal(SIGPIPE, SIG_IGN);
  const std::string dir = MakeTempDir("tls_split");
  MakeCertificates(dir);
  const std::string tls = absl::StrCat(
      "--tls_cert=", dir, "/node.pem --tls_key=", dir, "/node.key --tls_ca=",
      dir, "/ca.pem");
  auto split = StartSplitDeployment(
      dir, {"--tls_cert=" + dir + "/node.pem", "--tls_key=" + dir + "/node.key",
            "--tls_ca=" + dir + "/ca.pem", "--tls_client_ca=" + dir + "/ca.pem"});
  ASSERT_TRUE(split.ok()) << split.status();
  ScimCtl ctl = split->ctl;
  ctl.extra_flags = tls;
  int code = 0;
  ctl.Run("tenant create acme", &code);
  ASSERT_EQ(code, 0);
  std::string key = ctl.Run("key create --tenant=acme", &code);
  ASSERT_EQ(code, 0);
  key = key.substr(0, key.find('\n'));

  httplib::SSLClient https("127.0.0.1", split->http_port,
                           dir + "/node.pem", dir + "/node.key");
  https.set_ca_cert_path(dir + "/ca.pem");
  https.enable_server_certificate_verification(true);
  auto created = https.Post("/t/acme/scim/v2/Users",
                            {{"Authorization", "Bearer " + key}},
                            R"({"userName":"mtls-user"})", "application/scim+json");
  ASSERT_TRUE(created) << httplib::to_string(created.error());
  ASSERT_EQ(created->status, 201) << created->body;

  // identity-service reached audit-service over mutual TLS.
  std::string events;
  for (int i = 0; i < 100; ++i) {
    events = ctl.Run("audit export --tenant=acme --operation=user.create", &code);
    if (absl::StrContains(events, "user.create")) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(absl::StrContains(events, "user.create")) << events;

  // Without a client certificate, or with one from another CA: refused.
  ctl.extra_flags = "--tls_ca=" + dir + "/ca.pem";
  ctl.Run("tenant list", &code);
  EXPECT_NE(code, 0);
  ctl.extra_flags = absl::StrCat("--tls_cert=", dir, "/rogue.pem --tls_key=",
                                 dir, "/rogue.key --tls_ca=", dir, "/ca.pem");
  ctl.Run("tenant list", &code);
  EXPECT_NE(code, 0);
  httplib::SSLClient anonymous("127.0.0.1", split->http_port);
  anonymous.set_ca_cert_path(dir + "/ca.pem");
  anonymous.enable_server_certificate_verification(true);
  auto refused = anonymous.Get("/healthz");
  EXPECT_TRUE(!refused) << "the edge requires a client certificate";
}

}  // namespace
}  // namespace scim::testing
