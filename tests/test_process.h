// Runs the project's binaries as real processes for cross-service tests.
#ifndef SCIM_TESTS_TEST_PROCESS_H_
#define SCIM_TESTS_TEST_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace scim::testing {

// Where a project binary is: build/bin under CMake, the test's runfiles
// under Bazel.
std::string BinaryPath(const std::string& binary);
// A fresh directory under the temp dir, removed when the process exits
// (unless SCIM_KEEP_TEST_DIRS=1).
std::string MakeTempDir(const std::string& prefix);

// Polls `done` until it holds or `limit` passes; answers whether it held.
// Load tests wait for an amount of work, not for a fixed time: a loaded CI
// machine may do a tenth of what a quiet one does in a second.
bool WaitUntil(const std::function<bool()>& done, absl::Duration limit,
               absl::Duration poll = absl::Milliseconds(20));

class TestProcess {
 public:
  // Starts BinDir()/binary with `args`, stderr and stdout to files in
  // `log_dir`, and waits until it logs its "serving" line.
  static absl::StatusOr<std::unique_ptr<TestProcess>> Start(
      const std::string& binary, const std::vector<std::string>& args,
      const std::string& log_dir, absl::Duration timeout = absl::Seconds(30));
  ~TestProcess();  // SIGKILLs the process if it still runs

  // A field of the serving line, e.g. "http_port".
  std::string Field(const std::string& name) const;
  std::string Stdout() const;
  std::string Stderr() const;  // its JSON log lines
  void Signal(int sig);
  // Waits for exit; returns the exit status (or 128 + signal).
  int Wait(absl::Duration timeout = absl::Seconds(30));

 private:
  pid_t pid_ = -1;
  std::string stdout_path_, stderr_path_;
  std::map<std::string, std::string> serving_;
};

// scimd with --demo on `dir`/data: the process, its ports and the demo
// tenant's fresh API key.
struct Demo {
  std::unique_ptr<TestProcess> process;
  int port = 0;       // HTTP
  int grpc_port = 0;
  std::string key;
};
absl::StatusOr<Demo> StartDemo(const std::string& dir,
                               const std::vector<std::string>& extra_args = {});

// Runs a shell command; returns its stdout and sets `exit_code`.
std::string RunCommand(const std::string& command, int* exit_code);

// scimctl against a running deployment: `server` (token-service or scimd),
// `audit_server` when audit-service runs apart.
struct ScimCtl {
  std::string server, audit_server, token_file;
  // More flags for every command (e.g. TLS).
  std::string extra_flags;
  // Runs `scimctl ... args`; returns its stdout (stderr dropped).
  std::string Run(const std::string& args, int* exit_code) const;
};

// audit-service, token-service, identity-service and scim-edge as separate
// processes on free ports, sharing `dir`/data and `dir`/admin.token, wired
// as on Kubernetes (every part ships its audit events; identity-service
// serves metrics).
struct SplitDeployment {
  std::unique_ptr<TestProcess> audit, token, identity, edge;
  std::string audit_port, audit_addr, token_addr;
  int http_port = 0;
  ScimCtl ctl;
  // The flags audit-service was started with (to restart it).
  std::vector<std::string> audit_args;
};
// `extra_args` go to all four (e.g. TLS flags).
absl::StatusOr<SplitDeployment> StartSplitDeployment(
    const std::string& dir, const std::vector<std::string>& extra_args = {});

// The same with tenant shards: `shards` identity-services (shard N keeps its
// data in `dir`/shard-N) and `edges` edges, all finding each other through
// the shard map at `etcd`; scimctl gets --etcd too.
struct ShardedDeployment {
  SplitDeployment base;  // audit, token; base.identity is shard 0, base.edge edge 0
  std::vector<std::unique_ptr<TestProcess>> more_shards;  // shards 1..
  std::vector<std::unique_ptr<TestProcess>> more_edges;   // edges 1..
  std::vector<int> http_ports;                            // every edge's
  std::vector<std::string> shard_addrs;                   // every shard's gRPC address
  std::vector<std::vector<std::string>> shard_args;       // every shard's flags (to restart it)
};
absl::StatusOr<ShardedDeployment> StartShardedDeployment(const std::string& dir,
                                                         const std::string& etcd, int shards,
                                                         int edges);

}  // namespace scim::testing

#endif  // SCIM_TESTS_TEST_PROCESS_H_
