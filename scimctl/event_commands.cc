// scimctl's directory-event commands: events tail (and follow), and the
// webhook endpoints that receive them.
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <string_view>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "events/event_json.h"
#include "scim/v1/events.grpc.pb.h"
#include "scimctl/cli.h"
#include "scimctl/commands.h"

ABSL_DECLARE_FLAG(bool, follow);
ABSL_DECLARE_FLAG(int32_t, limit);
ABSL_DECLARE_FLAG(std::string, identity_server);
ABSL_FLAG(std::string, after, "",
          "events tail: print events after this sequence (default: the newest "
          "--limit); webhook replay: deliver again after this sequence");
ABSL_FLAG(std::string, types, "", "events tail: only these event types, comma-separated");
ABSL_FLAG(std::string, url, "", "webhook add: the endpoint's https URL");
ABSL_FLAG(std::string, events, "",
          "webhook add: the event types it receives, comma-separated (default all)");
ABSL_FLAG(bool, include_resource, false,
          "webhook add, events tail: events carry the resource as it is when delivered");
ABSL_FLAG(std::string, id, "", "webhook remove/rotate-secret/replay: the endpoint id; backup verify/restore: the backup id");

namespace scimctl {
namespace {

std::vector<std::string> SplitList(const std::string& list) {
  return absl::StrSplit(list, ',', absl::SkipWhitespace());
}

// --after as a sequence; nullopt when not given (0 is a cursor: from the
// oldest). Exits 2 when it is not a number.
std::optional<uint64_t> After() {
  const std::string text = absl::GetFlag(FLAGS_after);
  if (text.empty()) return std::nullopt;
  uint64_t after = 0;
  if (!absl::SimpleAtoi(text, &after)) {
    std::cerr << "scimctl: --after must be an event sequence number\n";
    std::exit(2);
  }
  return after;
}

int Tail(const Session& session, const std::string& tenant) {
  auto events = scim::v1::EventService::NewStub(IdentityChannel(session, tenant));
  const std::vector<std::string> types = SplitList(absl::GetFlag(FLAGS_types));
  std::optional<uint64_t> given = After();
  uint64_t after = given.value_or(0);
  scim::v1::ListEventsRequest request;
  request.set_tenant(tenant);
  for (const auto& t : types) request.add_types(t);
  request.set_include_resource(absl::GetFlag(FLAGS_include_resource));
  request.set_limit(1000);
  // Where the feed ends now: without --after, tail prints the newest --limit.
  scim::v1::ListEventsResponse head;
  scim::v1::ListEventsRequest probe = request;
  probe.set_limit(1);
  grpc::Status s = events->ListEvents(AdminContext(session.token).get(), probe, &head);
  if (!s.ok()) return Fail(s);
  const uint64_t latest = head.latest_sequence();
  if (!given.has_value()) {
    const uint64_t limit = static_cast<uint64_t>(std::max(absl::GetFlag(FLAGS_limit), 0));
    after = latest > limit ? latest - limit : 0;
  }
  if (absl::GetFlag(FLAGS_follow)) {
    scim::v1::WatchEventsRequest watch;
    watch.set_tenant(tenant);
    watch.set_after(after);
    for (const auto& t : types) watch.add_types(t);
    watch.set_include_resource(absl::GetFlag(FLAGS_include_resource));
    auto context = AdminContext(session.token);
    context->set_deadline(std::chrono::system_clock::time_point::max());
    auto reader = events->WatchEvents(context.get(), watch);
    scim::v1::Event event;
    while (reader->Read(&event)) std::cout << scim::events::EventLine(event) << std::endl;
    grpc::Status end = reader->Finish();
    return end.ok() ? 0 : Fail(end);
  }
  request.set_after(after);
  ListingPrinter listing;
  while (request.after() < latest) {
    scim::v1::ListEventsResponse page;
    s = events->ListEvents(AdminContext(session.token).get(), request, &page);
    if (!s.ok()) return Fail(s);
    for (const auto& e : page.events()) {
      if (e.sequence() > latest) break;
      listing.Add(scim::events::EventLine(e));
    }
    if (page.next_after() <= request.after()) break;
    request.set_after(page.next_after());
  }
  return 0;
}

using WebhookStub = scim::v1::WebhookService::Stub;

std::unique_ptr<WebhookStub> Webhooks(const Session& session) {
  return scim::v1::WebhookService::NewStub(IdentityChannel(session, RequireTenant()));
}

std::string RequireId() {
  const std::string id = absl::GetFlag(FLAGS_id);
  if (id.empty()) {
    std::cerr << "scimctl: --id=ENDPOINT is required\n";
    std::exit(2);
  }
  return id;
}

int AddWebhook(const Session& session, const std::string& tenant) {
  scim::v1::AddWebhookRequest request;
  request.set_tenant(tenant);
  request.set_url(absl::GetFlag(FLAGS_url));
  if (request.url().empty()) {
    std::cerr << "scimctl: --url=URL is required\n";
    return 2;
  }
  for (const auto& t : SplitList(absl::GetFlag(FLAGS_events))) request.add_event_types(t);
  request.set_include_resource(absl::GetFlag(FLAGS_include_resource));
  scim::v1::AddWebhookResponse response;
  grpc::Status s = Webhooks(session)->AddWebhook(AdminContext(session.token).get(), request,
                                                 &response);
  if (!s.ok()) return Fail(s);
  std::cout << response.webhook().id() << "\n" << response.secret() << std::endl;
  return 0;
}

int ListWebhooks(const Session& session, const std::string& tenant) {
  scim::v1::ListWebhooksRequest request;
  request.set_tenant(tenant);
  scim::v1::ListWebhooksResponse response;
  grpc::Status s = Webhooks(session)->ListWebhooks(AdminContext(session.token).get(),
                                                   request, &response);
  if (!s.ok()) return Fail(s);
  PrintListing(response.webhooks(), [](const scim::v1::Webhook& w) {
    return absl::StrCat(w.id(), " ", w.url(), " ", w.state(), " ", w.lag_events(), " ",
                        static_cast<int64_t>(w.lag_seconds()), "s");
  });
  return 0;
}

int RemoveWebhook(const Session& session, const std::string& tenant) {
  scim::v1::WebhookRef request;
  request.set_tenant(tenant);
  request.set_id(RequireId());
  google::protobuf::Empty response;
  grpc::Status s = Webhooks(session)->RemoveWebhook(AdminContext(session.token).get(),
                                                    request, &response);
  return s.ok() ? 0 : Fail(s);
}

int RotateSecret(const Session& session, const std::string& tenant) {
  scim::v1::RotateWebhookSecretRequest request;
  request.set_tenant(tenant);
  request.set_id(RequireId());
  scim::v1::RotateWebhookSecretResponse response;
  grpc::Status s = Webhooks(session)->RotateWebhookSecret(
      AdminContext(session.token).get(), request, &response);
  if (!s.ok()) return Fail(s);
  std::cout << response.secret() << std::endl;
  return 0;
}

int Replay(const Session& session, const std::string& tenant) {
  scim::v1::ReplayWebhookRequest request;
  request.set_tenant(tenant);
  request.set_id(RequireId());
  const std::optional<uint64_t> after = After();
  if (!after.has_value()) {
    std::cerr << "scimctl: --after=SEQ is required\n";
    return 2;
  }
  request.set_after(*after);
  scim::v1::Webhook response;
  grpc::Status s = Webhooks(session)->ReplayWebhook(AdminContext(session.token).get(),
                                                    request, &response);
  return s.ok() ? 0 : Fail(s);
}

using Handler = int (*)(const Session&, const std::string& tenant);

int RunGroup(const std::map<std::string_view, Handler>& commands, const Session& session,
             const std::vector<std::string>& args) {
  if (args.size() != 2) return kUnknownCommand;
  auto command = commands.find(args[1]);
  if (command == commands.end()) return kUnknownCommand;
  return command->second(session, RequireTenant());
}

}  // namespace

int RunEventsCommand(const Session& session, const std::vector<std::string>& args) {
  static const std::map<std::string_view, Handler> kCommands = {{"tail", Tail}};
  return RunGroup(kCommands, session, args);
}

int RunWebhookCommand(const Session& session, const std::vector<std::string>& args) {
  static const std::map<std::string_view, Handler> kCommands = {
      {"add", AddWebhook},          {"list", ListWebhooks}, {"remove", RemoveWebhook},
      {"rotate-secret", RotateSecret}, {"replay", Replay}};
  return RunGroup(kCommands, session, args);
}

}  // namespace scimctl
