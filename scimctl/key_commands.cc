// scimctl's credential commands: API keys (`key`), OAuth clients (`client`)
// and setup links (`setup-link`).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "scim/v1/token.grpc.pb.h"
#include "common/console_url.h"
#include "scimctl/cli.h"
#include "scimctl/commands.h"

ABSL_FLAG(std::string, key_id, "", "key rotate/revoke: the key's id");
ABSL_FLAG(std::string, client_id, "", "client revoke: the client's id");
ABSL_FLAG(absl::Duration, grace, absl::ZeroDuration(),
          "key rotate: how long the old key keeps working (e.g. 24h)");
ABSL_FLAG(absl::Duration, expires_in, absl::ZeroDuration(),
          "key create: expire the key after this long (0 = never)");
ABSL_FLAG(absl::Duration, ttl, absl::ZeroDuration(),
          "setup-link create: how long the link works (0 = 24h; at most 30 days)");
ABSL_FLAG(std::string, console_url, "http://127.0.0.1:8080",
          "setup-link create: where the edge serves the console, as the customer reaches it "
          "(scheme://host[:port])");
ABSL_FLAG(std::string, link_id, "", "setup-link revoke: the link's id");

namespace scimctl {
namespace {

int CreateKey(const Session& session, const std::vector<std::string>&) {
  scim::v1::CreateApiKeyRequest request;
  request.set_tenant(RequireTenant());
  request.set_ttl_seconds(
      absl::ToInt64Seconds(absl::GetFlag(FLAGS_expires_in)));
  scim::v1::CreateApiKeyResponse response;
  grpc::Status s = session.tokens->CreateApiKey(
      AdminContext(session.token).get(), request, &response);
  if (!s.ok()) return Fail(s);
  std::cout << response.secret() << "\n";
  return 0;
}

int ListKeys(const Session& session, const std::vector<std::string>&) {
  scim::v1::ListApiKeysRequest request;
  request.set_tenant(RequireTenant());
  scim::v1::ListApiKeysResponse response;
  grpc::Status s = session.tokens->ListApiKeys(
      AdminContext(session.token).get(), request, &response);
  if (!s.ok()) return Fail(s);
  PrintListing(response.keys(), [](const scim::v1::ApiKey& k) {
    return k.id() + " " + Time(k.created()) + " " + Time(k.last_used()) + " " +
           Time(k.expires()) + " " + k.state();
  });
  return 0;
}

// `key rotate` and `key revoke`: --tenant, then --key_id, are required.
int RotateOrRevokeKey(const Session& session,
                      const std::vector<std::string>& args) {
  const std::string tenant = RequireTenant();
  const std::string key_id = absl::GetFlag(FLAGS_key_id);
  if (key_id.empty()) {
    std::cerr << "scimctl: --key_id=ID is required\n";
    return 2;
  }
  if (args[1] == "revoke") {
    scim::v1::RevokeApiKeyRequest request;
    request.set_tenant(tenant);
    request.set_key_id(key_id);
    scim::v1::ApiKey key;
    grpc::Status s = session.tokens->RevokeApiKey(
        AdminContext(session.token).get(), request, &key);
    return s.ok() ? 0 : Fail(s);
  }
  scim::v1::RotateApiKeyRequest request;
  request.set_tenant(tenant);
  request.set_key_id(key_id);
  request.set_grace_seconds(absl::ToInt64Seconds(absl::GetFlag(FLAGS_grace)));
  scim::v1::CreateApiKeyResponse response;
  grpc::Status s = session.tokens->RotateApiKey(
      AdminContext(session.token).get(), request, &response);
  if (!s.ok()) return Fail(s);
  std::cout << response.secret() << "\n";
  return 0;
}

int CreateClient(const Session& session, const std::vector<std::string>&) {
  scim::v1::CreateClientRequest request;
  request.set_tenant(RequireTenant());
  scim::v1::CreateClientResponse response;
  grpc::Status s = session.tokens->CreateClient(
      AdminContext(session.token).get(), request, &response);
  if (!s.ok()) return Fail(s);
  std::cout << response.client().id() << "\n" << response.secret() << "\n";
  return 0;
}

int RevokeClient(const Session& session, const std::vector<std::string>&) {
  scim::v1::RevokeClientRequest request;
  request.set_tenant(RequireTenant());
  request.set_client_id(absl::GetFlag(FLAGS_client_id));
  scim::v1::OAuthClient client;
  grpc::Status s = session.tokens->RevokeClient(
      AdminContext(session.token).get(), request, &client);
  return s.ok() ? 0 : Fail(s);
}

int CreateSetupLink(const Session& session, const std::vector<std::string>&) {
  scim::v1::CreateSetupLinkRequest request;
  request.set_tenant(RequireTenant());
  request.set_ttl_seconds(absl::ToInt64Seconds(absl::GetFlag(FLAGS_ttl)));
  scim::v1::CreateSetupLinkResponse response;
  grpc::Status s = session.tokens->CreateSetupLink(AdminContext(session.token).get(), request,
                                                   &response);
  if (!s.ok()) return Fail(s);
  std::string base = absl::GetFlag(FLAGS_console_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::cout << scim::SetupUrl(base, response.secret()) << "\n";
  return 0;
}

int ListSetupLinks(const Session& session, const std::vector<std::string>&) {
  scim::v1::ListSetupLinksRequest request;
  request.set_tenant(RequireTenant());
  scim::v1::ListSetupLinksResponse response;
  grpc::Status s = session.tokens->ListSetupLinks(AdminContext(session.token).get(), request,
                                                  &response);
  if (!s.ok()) return Fail(s);
  PrintListing(response.links(), [](const scim::v1::SetupLink& l) {
    return l.id() + " " + Time(l.created()) + " " + Time(l.expires()) + " " + l.state();
  });
  return 0;
}

int RevokeSetupLink(const Session& session, const std::vector<std::string>&) {
  scim::v1::RevokeSetupLinkRequest request;
  request.set_tenant(RequireTenant());
  request.set_link_id(absl::GetFlag(FLAGS_link_id));
  if (request.link_id().empty()) {
    std::cerr << "scimctl: --link_id=ID is required\n";
    return 2;
  }
  scim::v1::SetupLink link;
  grpc::Status s = session.tokens->RevokeSetupLink(AdminContext(session.token).get(), request,
                                                   &link);
  return s.ok() ? 0 : Fail(s);
}

int RotateSigningKey(const Session& session, const std::vector<std::string>&) {
  scim::v1::GetJwksResponse response;
  grpc::Status s = session.tokens->RotateSigningKey(AdminContext(session.token).get(),
                                                    scim::v1::RotateSigningKeyRequest(), &response);
  if (!s.ok()) return Fail(s);
  std::cout << response.current_kid() << "\n";
  return 0;
}

}  // namespace

int RunSigningKeyCommand(const Session& session, const std::vector<std::string>& args) {
  static const std::vector<Command> kCommands = {
      {"rotate", 2, RotateSigningKey},
  };
  return Dispatch(kCommands, session, args);
}

int RunSetupLinkCommand(const Session& session, const std::vector<std::string>& args) {
  static const std::vector<Command> kCommands = {
      {"create", 2, CreateSetupLink},
      {"list", 2, ListSetupLinks},
      {"revoke", 2, RevokeSetupLink},
  };
  return Dispatch(kCommands, session, args);
}

int RunKeyCommand(const Session& session,
                  const std::vector<std::string>& args) {
  static const std::vector<Command> kCommands = {
      {"create", 2, CreateKey},
      {"list", 2, ListKeys},
      {"rotate", 2, RotateOrRevokeKey},
      {"revoke", 2, RotateOrRevokeKey},
  };
  return Dispatch(kCommands, session, args);
}

int RunClientCommand(const Session& session,
                     const std::vector<std::string>& args) {
  static const std::vector<Command> kCommands = {
      {"create", 2, CreateClient},
      {"revoke", 2, RevokeClient},
  };
  return Dispatch(kCommands, session, args);
}

}  // namespace scimctl
