// scimctl's command groups: one entry point per noun, dispatched from main.cc.
#ifndef SCIM_SCIMCTL_COMMANDS_H_
#define SCIM_SCIMCTL_COMMANDS_H_

#include <string>
#include <vector>

#include "scimctl/cli.h"

namespace scimctl {

// Each runs `NOUN verb ...` (args[0] is the noun, args[1] the verb) and returns
// the exit code, or kUnknownCommand when no command of the group matches.

// tenant_commands.cc
int RunTenantCommand(const Session& session,
                     const std::vector<std::string>& args);
// key_commands.cc: API keys, OAuth clients, setup links and the signing key
int RunKeyCommand(const Session& session, const std::vector<std::string>& args);
int RunClientCommand(const Session& session,
                     const std::vector<std::string>& args);
int RunSetupLinkCommand(const Session& session, const std::vector<std::string>& args);
int RunSigningKeyCommand(const Session& session, const std::vector<std::string>& args);
// audit_commands.cc
int RunAuditCommand(const Session& session,
                    const std::vector<std::string>& args);
// event_commands.cc: events tail, and webhook endpoints
int RunEventsCommand(const Session& session, const std::vector<std::string>& args);
int RunWebhookCommand(const Session& session, const std::vector<std::string>& args);
// schema_commands.cc: a tenant's extension schemas
int RunSchemaCommand(const Session& session, const std::vector<std::string>& args);
// shard_commands.cc: shard list
int RunShardCommand(const Session& session, const std::vector<std::string>& args);
// backup_commands.cc: backup create, list, verify, restore
int RunBackupCommand(const Session& session, const std::vector<std::string>& args);
// credential_commands.cc: credentials derived from the admin token
int RunCredentialCommand(const Session& session,
                         const std::vector<std::string>& args);

}  // namespace scimctl

#endif  // SCIM_SCIMCTL_COMMANDS_H_
