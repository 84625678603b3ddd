// scimctl, the admin CLI over gRPC (CONTRACT.md): flags, usage, dispatch.
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_join.h"
#include "common/flags.h"
#include "scimctl/cli.h"
#include "scimctl/commands.h"

ABSL_DECLARE_FLAG(bool, follow);

namespace {

constexpr char kUsage[] = R"(scimctl: administer the SCIM service over gRPC

usage: scimctl [--server=HOST:PORT] [--admin_token_file=PATH] [--etcd=http://HOST:PORT,...]
               [--tls_ca=PEM [--tls_cert=PEM --tls_key=PEM]] COMMAND

commands:
  tenant create NAME [--shard=N]
                            print the new tenant id; with --etcd it is placed
                            on identity shard N, or on the one with the fewest
                            tenants
  tenant move --tenant=NAME --to=N [--freeze_timeout=30s]
                            move the tenant to identity shard N while it stays
                            readable (writes get 503 for the copy's length);
                            progress on stderr; run again after a failure
  shard list                one line per identity shard: number address
                            tenants users (without --etcd: the one shard)
  tenant list               one line per tenant, id first
  tenant get NAME           the tenant and its settings as JSON
  tenant disable NAME, tenant enable NAME
  tenant delete NAME --confirm=NAME
                            all of the tenant's users, groups and keys are
                            gone (its audit log stays)
  tenant set NAME [--delete_mode=hard|soft] [--rate_limit=N] [--rate_burst=N]
                  [--unknown_attributes=ignore|reject]
                  [--groups_as_roles=true|false]
  key create --tenant=NAME  print the new API key (shown only this once)
  key list --tenant=NAME    one line per key: id created last_used expiry state
  key rotate --tenant=NAME --key_id=ID [--grace=DURATION]
                            print the new key; the old one works for --grace
  key revoke --tenant=NAME --key_id=ID
  client create --tenant=NAME
                            two lines: the OAuth client id, then its secret
  client revoke --tenant=NAME --client_id=ID
  setup-link create --tenant=NAME [--ttl=DURATION] [--console_url=URL]
                            print the setup URL (shown only this once): it
                            opens the console for that tenant's keys alone
  setup-link list --tenant=NAME
                            one line per live link: id created expiry state
  setup-link revoke --tenant=NAME --link_id=ID
  signing-key rotate        print the id of the new key OAuth tokens are signed
                            with; tokens signed with the old one stay valid
                            until they expire
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
                            checkpoint so the rest still verifies
  events tail --tenant=NAME [--after=SEQ] [--follow] [--types=a,b]
              [--include_resource]
                            one JSON event per line, in sequence order
                            (default: the newest --limit; --follow: keep
                            streaming)
  webhook add --tenant=NAME --url=URL [--events=a,b] [--include_resource]
                            two lines: the endpoint id, then its signing
                            secret (shown only this once)
  webhook list --tenant=NAME
                            one line per endpoint: id url state lag_events
                            lag_seconds
  webhook remove --tenant=NAME --id=ID
  webhook rotate-secret --tenant=NAME --id=ID
                            print the new secret; the old one keeps signing
                            for 24 hours
  webhook replay --tenant=NAME --id=ID --after=SEQ
                            deliver again from the event after SEQ (and
                            re-enable a disabled endpoint)
  schema put --tenant=NAME FILE
                            create or evolve the extension schema in FILE
                            (RFC 7643 schema JSON with "resourceType": "User"
                            or "Group"); prints nothing
  schema list --tenant=NAME one URN per line
  schema get --tenant=NAME URN
                            the schema JSON (put it back after editing)
  schema delete --tenant=NAME URN
                            hide the schema; values stored under it are kept
  backup create --dir=PATH   stream a consistent copy of every database
                            (identity, token, audit; --identity_server and
                            --audit_server when they run apart) into a new
                            backup under PATH; print its id
  backup list --dir=PATH     one line per backup: id created parts bytes
  backup verify --dir=PATH --id=ID
                            "ok" when every file is whole and every database
                            opens with its checksums verified
  backup restore --dir=PATH --id=ID --data_dir=PATH [--only=identity,token,audit]
                 [--shard=N]
                            write the backup's databases into a stopped
                            service's empty data directory
  credential denial-token   print the edge's credential (--denial_token_file):
                            it may only record refused requests in the audit
                            log)

--output=json prints every listing as one JSON array. Exit codes: 0 ok;
1 the server refused or the check failed; 2 usage error (found before the
admin token is read); 3 the server could not be reached.)";

using Group = int (*)(const scimctl::Session& session,
                      const std::vector<std::string>& args);

// The command groups by noun (the first argument).
const std::map<std::string_view, Group> kGroups = {
    {"tenant", scimctl::RunTenantCommand},
    {"key", scimctl::RunKeyCommand},
    {"client", scimctl::RunClientCommand},
    {"setup-link", scimctl::RunSetupLinkCommand},
    {"signing-key", scimctl::RunSigningKeyCommand},
    {"audit", scimctl::RunAuditCommand},
    {"credential", scimctl::RunCredentialCommand},
    {"events", scimctl::RunEventsCommand},
    {"webhook", scimctl::RunWebhookCommand},
    {"schema", scimctl::RunSchemaCommand},
    {"backup", scimctl::RunBackupCommand},
    {"shard", scimctl::RunShardCommand},
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args = scim::ParseFlags(argc, argv, kUsage);
  args.erase(args.begin());
  if (args.size() < 2) {
    std::cerr << kUsage << "\n";
    return 2;
  }
  // A bad --output is a usage error (exits 2) up front; a stream is no listing.
  if (scimctl::JsonOutput() && absl::GetFlag(FLAGS_follow)) {
    std::cerr << "scimctl: --follow streams one JSON event per line; it takes no "
                 "--output=json\n";
    return scimctl::kUsage;
  }
  scimctl::Session session;
  if (int code = scimctl::OpenSession(&session); code != 0) return code;
  if (auto group = kGroups.find(args[0]); group != kGroups.end()) {
    int code = group->second(session, args);
    if (code != scimctl::kUnknownCommand) return code;
  }
  std::cerr << "scimctl: unknown command: " << absl::StrJoin(args, " ")
            << "\n\n"
            << kUsage << "\n";
  return 2;
}
