// scimctl's shared part: admin credential, session, output helpers, dispatch.
#ifndef SCIM_SCIMCTL_CLI_H_
#define SCIM_SCIMCTL_CLI_H_

#include <cstddef>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/status.h"
#include "scim/v1/token.grpc.pb.h"
#include "sharding/etcd_client.h"

namespace scimctl {

// What every command runs with: the admin token, the channel to --server (and
// the credentials to open channels to services that run apart), and the token
// service on that channel.
struct Session {
  // Empty: AdminContext reads the admin token at the first call.
  std::string token;
  std::shared_ptr<grpc::ChannelCredentials> creds;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<scim::v1::TokenService::Stub> tokens;
};

// Reads the admin token and opens the channel to --server. Returns 0, or the
// exit code after telling the user why not.
int OpenSession(Session* session);

// The channel to `addr`, or the session's own when `addr` is empty (the
// service runs inside --server).
std::shared_ptr<grpc::Channel> ChannelOr(const Session& session,
                                         const std::string& addr);

// A command group's table: `NOUN verb` with exactly `arg_count` positional
// arguments (noun and verb included) runs `run`.
struct Command {
  std::string_view verb;
  std::size_t arg_count;
  int (*run)(const Session& session, const std::vector<std::string>& args);
};

// What a group returns when none of its commands matches the arguments.
inline constexpr int kUnknownCommand = -1;
// Exit codes (README, CONTRACT): 0 ok, 1 the server refused or the check
// failed, 2 a usage error (found before any credential is read), 3 the
// server could not be reached.
inline constexpr int kRefused = 1;
inline constexpr int kUsage = 2;
inline constexpr int kUnreachable = 3;

// Runs the command of `table` matching `args`, or returns kUnknownCommand.
int Dispatch(const std::vector<Command>& table, const Session& session,
             const std::vector<std::string>& args);

// Prints "scimctl: <message>" to stderr; returns exit code 1 (3 when the
// status says the server could not be reached).
int Fail(const std::string& message);
int Fail(const grpc::Status& status);
// The same for a status made on this side (etcd, files): 3 for UNAVAILABLE.
int Fail(const absl::Status& status);

// SCIM_ADMIN_TOKEN, else the contents of --admin_token_file ("" if neither).
std::string AdminToken();
// The same, read once; exits 2 when there is none.
const std::string& RequiredAdminToken();

// A context for one admin call: bearer `token` (empty: the admin token, read
// at the first call; exits 2 when there is none), actor "admin", 30 s
// deadline.
std::unique_ptr<grpc::ClientContext> AdminContext(const std::string& token);

// RFC 3339, or "-" for an unset timestamp.
std::string Time(const google::protobuf::Timestamp& ts);

// One-line JSON with every primitive field printed.
std::string ToJson(const google::protobuf::Message& m);

// --output=json: listings print one JSON array (exits 2 on a bad value).
bool JsonOutput();
std::string ToJsonArray(const std::vector<const google::protobuf::Message*>& items);

// A listing: one line per item from `line(item)`, or with --output=json
// one JSON array of the items.
template <typename T, typename LineFn>
void PrintListing(const google::protobuf::RepeatedPtrField<T>& items, LineFn line) {
  if (JsonOutput()) {
    std::vector<const google::protobuf::Message*> all;
    for (const T& item : items) all.push_back(&item);
    std::cout << ToJsonArray(all) << std::endl;
    return;
  }
  for (const T& item : items) std::cout << line(item) << "\n";
  std::cout << std::flush;
}

// A listing printed as its items arrive (so that a long export stays
// streamed): one JSON item per line, or with --output=json one JSON array.
class ListingPrinter {
 public:
  ListingPrinter();
  ~ListingPrinter();
  void Add(const std::string& json_item);

 private:
  const bool json_;
  bool first_ = true;
};

// RFC 3339 text -> Timestamp, exiting on bad input.
bool ParseTime(const std::string& flag, const std::string& text,
               google::protobuf::Timestamp* out);

// The shard map's etcd (--etcd), or null without it; exits 2 on a bad flag.
std::unique_ptr<scim::sharding::EtcdClient> EtcdFromFlag();

// The channel to the identity-service that serves `tenant`: with --etcd, its
// shard by the shard map (exits 3 when etcd cannot be read or the shard is
// not registered); else --identity_server, or --server.
std::shared_ptr<grpc::Channel> IdentityChannel(const Session& session, const std::string& tenant);

// --tenant; exits 2 when it is missing.
std::string RequireTenant();

}  // namespace scimctl

#endif  // SCIM_SCIMCTL_CLI_H_
