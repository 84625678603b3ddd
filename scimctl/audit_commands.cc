// scimctl's audit commands: tail (and follow), verify, export, prune.
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <string_view>

#include "absl/flags/flag.h"
#include "scim/v1/audit.grpc.pb.h"
#include "scimctl/cli.h"
#include "scimctl/commands.h"

ABSL_FLAG(std::string, audit_server, "",
          "gRPC address of audit-service when it runs apart (default --server)");
ABSL_FLAG(int32_t, limit, 20, "number of events for audit tail and events tail");
ABSL_FLAG(bool, follow, false, "audit tail, events tail: keep streaming new events");
ABSL_FLAG(std::string, since, "", "audit export: RFC 3339 start time");
ABSL_FLAG(std::string, until, "", "audit export: RFC 3339 end time");
ABSL_FLAG(std::string, before, "", "audit prune: RFC 3339 time");
ABSL_FLAG(std::string, operation, "",
          "audit export: operation, or a prefix ending in '.'");
ABSL_FLAG(std::string, actor, "", "audit export: credential id");
ABSL_FLAG(std::string, resource_id, "", "audit export: resource id");

namespace scimctl {
namespace {

using AuditStub = scim::v1::AuditService::Stub;

int Tail(AuditStub& audit, const std::string& token,
         const std::string& tenant) {
  scim::v1::TailRequest request;
  request.set_tenant(tenant);
  request.set_limit(absl::GetFlag(FLAGS_limit));
  scim::v1::TailResponse response;
  grpc::Status s = audit.Tail(AdminContext(token).get(), request, &response);
  if (!s.ok()) return Fail(s);
  uint64_t last = 0;
  {
    ListingPrinter listing;
    for (const auto& e : response.events()) {
      listing.Add(ToJson(e));
      last = e.sequence();
    }
  }
  if (!absl::GetFlag(FLAGS_follow)) return 0;
  scim::v1::FollowRequest follow;
  follow.set_tenant(tenant);
  follow.set_after_sequence(last);
  auto context = AdminContext(token);
  context->set_deadline(std::chrono::system_clock::time_point::max());
  auto reader = audit.Follow(context.get(), follow);
  scim::v1::AuditEvent event;
  while (reader->Read(&event)) std::cout << ToJson(event) << std::endl;
  grpc::Status end = reader->Finish();
  return end.ok() ? 0 : Fail(end);
}

int Verify(AuditStub& audit, const std::string& token,
           const std::string& tenant) {
  scim::v1::VerifyRequest request;
  request.set_tenant(tenant);
  scim::v1::VerifyResponse response;
  grpc::Status s = audit.Verify(AdminContext(token).get(), request, &response);
  if (!s.ok()) return Fail(s);
  if (response.ok()) {
    std::cout << "ok " << response.events() << " events\n";
    return 0;
  }
  std::cout << "broken at event " << response.first_broken_sequence() << ": "
            << response.detail() << "\n";
  return 1;
}

int Export(AuditStub& audit, const std::string& token,
           const std::string& tenant) {
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
  ListingPrinter listing;
  for (;;) {
    scim::v1::QueryResponse page;
    grpc::Status s = audit.Query(AdminContext(token).get(), request, &page);
    if (!s.ok()) return Fail(s);
    for (const auto& e : page.events()) listing.Add(ToJson(e));
    if (page.next_after_sequence() == 0) return 0;
    request.set_after_sequence(page.next_after_sequence());
  }
}

int Prune(AuditStub& audit, const std::string& token,
          const std::string& tenant) {
  scim::v1::PruneRequest request;
  request.set_tenant(tenant);
  if (!ParseTime("before", absl::GetFlag(FLAGS_before),
                 request.mutable_before())) {
    std::cerr << "scimctl: --before=TIME is required\n";
    return 2;
  }
  scim::v1::PruneResponse response;
  grpc::Status s = audit.Prune(AdminContext(token).get(), request, &response);
  if (!s.ok()) return Fail(s);
  std::cout << "pruned " << response.pruned() << " events\n";
  return 0;
}

}  // namespace

// Every audit command is `audit VERB --tenant=NAME`: --tenant is checked before
// the verb, so `audit VERB` without it is a missing-tenant error.
int RunAuditCommand(const Session& session,
                    const std::vector<std::string>& args) {
  if (args.size() != 2) return kUnknownCommand;
  using Handler = int (*)(AuditStub&, const std::string& token,
                          const std::string& tenant);
  static const std::map<std::string_view, Handler> kCommands = {
      {"tail", Tail},
      {"verify", Verify},
      {"export", Export},
      {"prune", Prune},
  };
  auto audit = scim::v1::AuditService::NewStub(
      ChannelOr(session, absl::GetFlag(FLAGS_audit_server)));
  const std::string tenant = RequireTenant();
  auto command = kCommands.find(args[1]);
  if (command == kCommands.end()) return kUnknownCommand;
  return command->second(*audit, session.token, tenant);
}

}  // namespace scimctl
