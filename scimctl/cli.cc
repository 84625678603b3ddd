// scimctl's shared part: admin credential, session, output helpers, dispatch.
#include "scimctl/cli.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "common/status.h"
#include "common/tls.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/create_channel.h"
#include "sharding/shard_map.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051",
          "gRPC address of scimd (or of token-service)");
ABSL_FLAG(std::string, admin_token_file, "./data/admin.token",
          "file holding the admin token (env SCIM_ADMIN_TOKEN holds the token "
          "itself and wins)");
ABSL_FLAG(std::string, tenant, "", "tenant id for key and audit commands");
ABSL_FLAG(int32_t, shard, -1,
          "tenant create: the identity shard to place it on; backup restore: the "
          "identity shard to restore");
ABSL_FLAG(std::string, etcd, "",
          "http://host:port[,host:port...]: the shard map; identity commands go to "
          "each tenant's shard (then --identity_server is unused)");
ABSL_FLAG(std::string, output, "text", "text, or json: every listing as one JSON array");

ABSL_DECLARE_FLAG(std::string, identity_server);

namespace scimctl {

int OpenSession(Session* session) {
  // The admin token is read at the first call (AdminContext), after the
  // command's own arguments were checked: a usage error never waits on it.
  auto tls = scim::GrpcChannelCredentials(scim::TlsFilesFromFlags());
  if (!tls.ok()) return Fail(tls.status().ToString());
  session->creds = *tls;
  session->channel =
      grpc::CreateChannel(absl::GetFlag(FLAGS_server), session->creds);
  session->tokens = scim::v1::TokenService::NewStub(session->channel);
  return 0;
}

std::shared_ptr<grpc::Channel> ChannelOr(const Session& session,
                                         const std::string& addr) {
  return addr.empty() ? session.channel
                      : grpc::CreateChannel(addr, session.creds);
}

int Dispatch(const std::vector<Command>& table, const Session& session,
             const std::vector<std::string>& args) {
  for (const Command& command : table) {
    if (args[1] == command.verb && args.size() == command.arg_count) {
      return command.run(session, args);
    }
  }
  return kUnknownCommand;
}

int Fail(const std::string& message) {
  std::cerr << "scimctl: " << message << "\n";
  return 1;
}

int Fail(const grpc::Status& status) {
  const int code = Fail(scim::FromGrpcStatus(status).ToString());
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ? kUnreachable : code;
}

int Fail(const absl::Status& status) {
  const int code = Fail(std::string(status.message()));
  return status.code() == absl::StatusCode::kUnavailable ? kUnreachable : code;
}

std::string AdminToken() {
  if (const char* env = std::getenv("SCIM_ADMIN_TOKEN"); env && *env) return env;
  std::ifstream in(absl::GetFlag(FLAGS_admin_token_file));
  std::stringstream content;
  content << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(content.str()));
}

const std::string& RequiredAdminToken() {
  static const std::string* const read = [] {
    auto* t = new std::string(AdminToken());
    if (t->empty()) {
      std::cerr << "scimctl: no admin token: set SCIM_ADMIN_TOKEN or --admin_token_file\n";
      std::exit(kUsage);
    }
    return t;
  }();
  return *read;
}

std::unique_ptr<grpc::ClientContext> AdminContext(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization",
                       "Bearer " + (token.empty() ? RequiredAdminToken() : token));
  context->AddMetadata("x-scim-actor", "admin");
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  return context;
}

std::string Time(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "-";
  return google::protobuf::util::TimeUtil::ToString(ts);
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

bool ParseTime(const std::string& flag, const std::string& text,
               google::protobuf::Timestamp* out) {
  if (text.empty()) return false;
  if (!google::protobuf::util::TimeUtil::FromString(text, out)) {
    std::cerr << "scimctl: --" << flag << " must be an RFC 3339 time, e.g. "
              << "2026-01-31T00:00:00Z\n";
    std::exit(2);
  }
  return true;
}

bool JsonOutput() {
  const std::string output = absl::GetFlag(FLAGS_output);
  if (output != "text" && output != "json") {
    std::cerr << "scimctl: --output must be text or json\n";
    std::exit(2);
  }
  return output == "json";
}

std::string ToJsonArray(const std::vector<const google::protobuf::Message*>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ",";
    out += ToJson(*items[i]);
  }
  return out + "]";
}

ListingPrinter::ListingPrinter() : json_(JsonOutput()) {}

void ListingPrinter::Add(const std::string& item) {
  if (!json_) {
    std::cout << item << "\n";
    return;
  }
  std::cout << (first_ ? "[" : ",") << item;
  first_ = false;
}

ListingPrinter::~ListingPrinter() {
  if (json_) std::cout << (first_ ? "[" : "") << "]\n";
  std::cout << std::flush;
}

std::string RequireTenant() {
  std::string tenant = absl::GetFlag(FLAGS_tenant);
  if (tenant.empty()) {
    std::cerr << "scimctl: --tenant=NAME is required\n";
    std::exit(2);
  }
  return tenant;
}

std::unique_ptr<scim::sharding::EtcdClient> EtcdFromFlag() {
  if (absl::GetFlag(FLAGS_etcd).empty()) return nullptr;
  auto etcd = scim::sharding::EtcdClient::Connect(absl::GetFlag(FLAGS_etcd));
  if (!etcd.ok()) {
    std::cerr << "scimctl: " << etcd.status().message() << "\n";
    std::exit(kUsage);
  }
  return std::move(*etcd);
}

std::shared_ptr<grpc::Channel> IdentityChannel(const Session& session,
                                              const std::string& tenant) {
  std::unique_ptr<scim::sharding::EtcdClient> etcd = EtcdFromFlag();
  if (etcd == nullptr) return ChannelOr(session, absl::GetFlag(FLAGS_identity_server));
  auto address = scim::sharding::ShardAddressOf(*etcd, tenant);
  if (!address.ok()) {
    std::cerr << "scimctl: " << address.status().message() << "\n";
    std::exit(kUnreachable);
  }
  return grpc::CreateChannel(*address, session.creds);
}

}  // namespace scimctl
