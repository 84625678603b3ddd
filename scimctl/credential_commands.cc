// scimctl's derived credentials: what a part of the service holds instead of
// the admin token.
#include <iostream>

#include "common/admin_token.h"
#include "scimctl/cli.h"
#include "scimctl/commands.h"

namespace scimctl {
namespace {

// For the edge's --denial_token_file: it can record refused requests in the
// audit log and do nothing else.
int DenialToken(const Session& session, const std::vector<std::string>&) {
  std::cout << scim::DenialRecorderToken(RequiredAdminToken()) << "\n";
  return 0;
}

}  // namespace

int RunCredentialCommand(const Session& session,
                         const std::vector<std::string>& args) {
  static const std::vector<Command> kCommands = {
      {"denial-token", 2, DenialToken},
  };
  return Dispatch(kCommands, session, args);
}

}  // namespace scimctl
