// scimctl: the admin command line over gRPC (CONTRACT.md).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "common/flags.h"
#include "grpcpp/create_channel.h"
#include "scim/v1/audit.grpc.pb.h"
#include "scim/v1/token.grpc.pb.h"
#include "scimctl/cli.h"
#include "scimctl/commands.h"

ABSL_FLAG(std::string, audit_server, "",
          "gRPC address of audit-service when it runs apart (default --server)");
ABSL_FLAG(int32_t, limit, 20, "number of events for audit tail");
ABSL_FLAG(bool, follow, false, "audit tail: keep streaming new events");
ABSL_FLAG(std::string, since, "", "audit export: RFC 3339 start time");
ABSL_FLAG(std::string, until, "", "audit export: RFC 3339 end time");
ABSL_FLAG(std::string, before, "", "audit prune: RFC 3339 time");
ABSL_FLAG(std::string, operation, "",
          "audit export: operation, or a prefix ending in '.'");
ABSL_FLAG(std::string, actor, "", "audit export: credential id");
ABSL_FLAG(std::string, resource_id, "", "audit export: resource id");

namespace {

using scimctl::AdminContext;
using scimctl::Fail;
using scimctl::ParseTime;
using scimctl::RequireTenant;
using scimctl::ToJson;

constexpr char kUsage[] = R"(scimctl: administer the SCIM service over gRPC

usage: scimctl [--server=HOST:PORT] [--admin_token_file=PATH]
               [--tls_ca=PEM [--tls_cert=PEM --tls_key=PEM]] COMMAND

commands:
  tenant create NAME        print the new tenant id
  tenant list               one line per tenant, id first
  tenant get NAME           the tenant and its settings as JSON
  tenant disable NAME, tenant enable NAME
  tenant delete NAME --confirm=NAME
                            all of the tenant's users, groups and keys are
                            gone (its audit log stays)
  tenant set NAME [--delete_mode=hard|soft] [--rate_limit=N] [--rate_burst=N]
                  [--unknown_attributes=ignore|reject]
  key create --tenant=NAME  print the new API key (shown only this once)
  key list --tenant=NAME    one line per key: id created last_used expiry state
  key rotate --tenant=NAME --key_id=ID [--grace=DURATION]
                            print the new key; the old one works for --grace
  key revoke --tenant=NAME --key_id=ID
  client create --tenant=NAME
                            two lines: the OAuth client id, then its secret
  client revoke --tenant=NAME --client_id=ID
  audit tail --tenant=NAME [--limit=N] [--follow]
                            one JSON event per line (--follow: keep streaming)
  audit verify --tenant=NAME
                            "ok N events" and exit 0, or the first broken
                            link and exit 1
  audit export --tenant=NAME [--since=T] [--until=T] [--operation=OP]
               [--actor=ID] [--resource_id=ID]
                            every matching event, one JSON line each
  audit prune --tenant=NAME --before=T
                            drop events older than T, keeping a signed
                            checkpoint so the rest still verifies)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args = scim::ParseFlags(argc, argv, kUsage);
  args.erase(args.begin());
  if (args.size() < 2) {
    std::cerr << kUsage << "\n";
    return 2;
  }
  scimctl::Session session;
  if (int code = scimctl::OpenSession(&session); code != 0) return code;
  const std::string& token = session.token;
  const auto& creds = session.creds;
  const auto& channel = session.channel;
  const std::string& noun = args[0];
  const std::string& verb = args[1];

  if (noun == "tenant") {
    int code = scimctl::RunTenantCommand(session, args);
    if (code != scimctl::kUnknownCommand) return code;
  }
  if (noun == "key") {
    int code = scimctl::RunKeyCommand(session, args);
    if (code != scimctl::kUnknownCommand) return code;
  }
  if (noun == "client") {
    int code = scimctl::RunClientCommand(session, args);
    if (code != scimctl::kUnknownCommand) return code;
  }
  if (noun == "audit" && args.size() == 2) {
    std::string audit_addr = absl::GetFlag(FLAGS_audit_server);
    auto audit = scim::v1::AuditService::NewStub(
        audit_addr.empty() ? channel : grpc::CreateChannel(audit_addr, creds));
    const std::string tenant = RequireTenant();
    if (verb == "tail") {
      scim::v1::TailRequest request;
      request.set_tenant(tenant);
      request.set_limit(absl::GetFlag(FLAGS_limit));
      scim::v1::TailResponse response;
      grpc::Status s = audit->Tail(AdminContext(token).get(), request, &response);
      if (!s.ok()) return Fail(s);
      uint64_t last = 0;
      for (const auto& e : response.events()) {
        std::cout << ToJson(e) << "\n";
        last = e.sequence();
      }
      std::cout << std::flush;
      if (!absl::GetFlag(FLAGS_follow)) return 0;
      scim::v1::FollowRequest follow;
      follow.set_tenant(tenant);
      follow.set_after_sequence(last);
      auto context = AdminContext(token);
      context->set_deadline(std::chrono::system_clock::time_point::max());
      auto reader = audit->Follow(context.get(), follow);
      scim::v1::AuditEvent event;
      while (reader->Read(&event)) std::cout << ToJson(event) << std::endl;
      grpc::Status end = reader->Finish();
      return end.ok() ? 0 : Fail(end);
    }
    if (verb == "verify") {
      scim::v1::VerifyRequest request;
      request.set_tenant(tenant);
      scim::v1::VerifyResponse response;
      grpc::Status s = audit->Verify(AdminContext(token).get(), request, &response);
      if (!s.ok()) return Fail(s);
      if (response.ok()) {
        std::cout << "ok " << response.events() << " events\n";
        return 0;
      }
      std::cout << "broken at event " << response.first_broken_sequence()
                << ": " << response.detail() << "\n";
      return 1;
    }
    if (verb == "export") {
      scim::v1::QueryRequest request;
      request.set_tenant(tenant);
      ParseTime("since", absl::GetFlag(FLAGS_since), request.mutable_start_time());
      ParseTime("until", absl::GetFlag(FLAGS_until), request.mutable_end_time());
      if (absl::GetFlag(FLAGS_since).empty()) request.clear_start_time();
      if (absl::GetFlag(FLAGS_until).empty()) request.clear_end_time();
      request.set_operation(absl::GetFlag(FLAGS_operation));
      request.set_actor(absl::GetFlag(FLAGS_actor));
      request.set_resource_id(absl::GetFlag(FLAGS_resource_id));
      request.set_limit(1000);
      for (;;) {
        scim::v1::QueryResponse page;
        grpc::Status s = audit->Query(AdminContext(token).get(), request, &page);
        if (!s.ok()) return Fail(s);
        for (const auto& e : page.events()) std::cout << ToJson(e) << "\n";
        if (page.next_after_sequence() == 0) return 0;
        request.set_after_sequence(page.next_after_sequence());
      }
    }
    if (verb == "prune") {
      scim::v1::PruneRequest request;
      request.set_tenant(tenant);
      if (!ParseTime("before", absl::GetFlag(FLAGS_before),
                     request.mutable_before())) {
        std::cerr << "scimctl: --before=TIME is required\n";
        return 2;
      }
      scim::v1::PruneResponse response;
      grpc::Status s = audit->Prune(AdminContext(token).get(), request, &response);
      if (!s.ok()) return Fail(s);
      std::cout << "pruned " << response.pruned() << " events\n";
      return 0;
    }
  }
  std::cerr << "scimctl: unknown command: " << absl::StrJoin(args, " ") << "\n\n"
            << kUsage << "\n";
  return 2;
}
