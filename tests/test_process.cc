#include "tests/test_process.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/redis_server_for_tests.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"

namespace scim::testing {

std::string BinaryPath(const std::string& binary) {
  const std::string dir = SCIM_BIN_DIR;
  if (!dir.empty()) return dir + "/" + binary;
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir != nullptr && workspace != nullptr) {
    for (const char* package : {"scimd", "edge", "identity-service",
                                "token-service", "audit-service", "scimctl"}) {
      std::string path =
          absl::StrCat(srcdir, "/", workspace, "/", package, "/", binary);
      if (access(path.c_str(), X_OK) == 0) return path;
    }
  }
  return binary;
}

namespace {

// The directories MakeTempDir made: each holds a few hundred MB of RocksDB
// files (preallocated logs of three services), so they go when the test
// binary exits, or a day of test runs fills the disk. SCIM_KEEP_TEST_DIRS=1
// keeps them for a look after a failure.
absl::Mutex temp_dirs_mu;
std::vector<std::string>& TempDirs() {
  static auto* dirs = new std::vector<std::string>;
  return *dirs;
}

void RemoveTempDirs() {
  const char* keep = std::getenv("SCIM_KEEP_TEST_DIRS");
  if (keep != nullptr && std::string(keep) == "1") return;
  absl::MutexLock lock(&temp_dirs_mu);
  for (const std::string& dir : TempDirs()) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  TempDirs().clear();
}

}  // namespace

bool WaitUntil(const std::function<bool()>& done, absl::Duration limit,
               absl::Duration poll) {
  const absl::Time deadline = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(poll);
  }
  return true;
}

std::string MakeTempDir(const std::string& prefix) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / (prefix + "_XXXXXX")).string();
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  const char* made = mkdtemp(buf.data());
  if (made == nullptr) return "";
  std::string dir = made;
  absl::MutexLock lock(&temp_dirs_mu);
  static const bool registered = std::atexit(RemoveTempDirs) == 0;
  (void)registered;
  TempDirs().push_back(dir);
  return dir;
}

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TestProcess>> TestProcess::Start(
    const std::string& binary, const std::vector<std::string>& args,
    const std::string& log_dir, absl::Duration timeout) {
  auto process = std::unique_ptr<TestProcess>(new TestProcess());
  static int counter = 0;
  std::string stem = absl::StrCat(log_dir, "/", binary, "-", ++counter);
  process->stdout_path_ = stem + ".out";
  process->stderr_path_ = stem + ".err";
  std::string path = BinaryPath(binary);
  std::vector<std::string> argv_strings = {path};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  // The child's freopen would flush the parent's unwritten output a second time.
  std::cout.flush();
  fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    freopen(process->stdout_path_.c_str(), "w", stdout);
    freopen(process->stderr_path_.c_str(), "w", stderr);
    std::vector<char*> argv;
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    execv(path.c_str(), argv.data());
    _exit(127);
  }
  process->pid_ = pid;
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    for (absl::string_view line :
         absl::StrSplit(ReadFile(process->stderr_path_), '\n')) {
      auto parsed = nlohmann::json::parse(line, nullptr, false);
      if (parsed.is_object() && parsed.value("msg", "") == "serving") {
        for (auto& [k, v] : parsed.items()) {
          if (v.is_string()) process->serving_[k] = v.get<std::string>();
        }
        return process;
      }
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      process->pid_ = -1;
      return absl::InternalError(absl::StrCat(
          binary, " exited before serving: ", ReadFile(process->stderr_path_)));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      binary, " did not start serving: ", ReadFile(process->stderr_path_)));
}

TestProcess::~TestProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string TestProcess::Field(const std::string& name) const {
  auto it = serving_.find(name);
  return it == serving_.end() ? "" : it->second;
}

std::string TestProcess::Stdout() const { return ReadFile(stdout_path_); }

std::string TestProcess::Stderr() const { return ReadFile(stderr_path_); }

void TestProcess::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

int TestProcess::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (pid_ > 0 && absl::Now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return -1;
}

std::string RunCommand(const std::string& command, int* exit_code) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *exit_code = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

namespace {

// Shards and edges beyond the first: by the shard map at `etcd`, when set.
struct Topology {
  std::string etcd;
  int shards = 1;
  int edges = 1;
  std::vector<std::vector<std::string>>* shard_args = nullptr;  // out: each shard's flags
};

absl::StatusOr<SplitDeployment> StartDeployment(const std::string& dir,
                                                const std::vector<std::string>& extra_args,
                                                const Topology& topology,
                                                std::vector<std::unique_ptr<TestProcess>>* more_shards,
                                                std::vector<std::unique_ptr<TestProcess>>* more_edges);

}  // namespace

absl::StatusOr<SplitDeployment> StartSplitDeployment(
    const std::string& dir, const std::vector<std::string>& extra_args) {
  return StartDeployment(dir, extra_args, Topology{}, nullptr, nullptr);
}

absl::StatusOr<ShardedDeployment> StartShardedDeployment(const std::string& dir,
                                                         const std::string& etcd, int shards,
                                                         int edges) {
  ShardedDeployment d;
  auto base = StartDeployment(dir, {}, Topology{etcd, shards, edges, &d.shard_args},
                              &d.more_shards, &d.more_edges);
  if (!base.ok()) return base.status();
  d.base = std::move(*base);
  d.base.ctl.extra_flags = "--etcd=" + etcd;
  d.http_ports.push_back(d.base.http_port);
  for (const auto& e : d.more_edges) d.http_ports.push_back(std::stoi(e->Field("http_port")));
  d.shard_addrs.push_back("127.0.0.1:" + d.base.identity->Field("grpc_port"));
  for (const auto& s : d.more_shards) d.shard_addrs.push_back("127.0.0.1:" + s->Field("grpc_port"));
  return d;
}

namespace {

absl::StatusOr<SplitDeployment> StartDeployment(const std::string& dir,
                                                const std::vector<std::string>& extra_args,
                                                const Topology& topology,
                                                std::vector<std::unique_ptr<TestProcess>>* more_shards,
                                                std::vector<std::unique_ptr<TestProcess>>* more_edges) {
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    return args;
  };
  SplitDeployment d;
  const std::string data = "--data_dir=" + dir + "/data";
  const std::string token_file = "--admin_token_file=" + dir + "/admin.token";
  // audit-service calls token-service (a setup link's console reading the
  // trail) and token-service ships to audit-service: token-service's port is
  // chosen first, and chosen again should another process take it meanwhile.
  absl::Status started = absl::UnavailableError("no free port for token-service");
  for (int attempt = 0; attempt < 3 && !started.ok(); ++attempt) {
    d.token_addr = absl::StrCat("127.0.0.1:", FreePort());
    auto audit = TestProcess::Start(
        "audit-service",
        with({data, token_file, "--grpc_addr=127.0.0.1:0", "--token_addr=" + d.token_addr}),
        dir);
    if (!audit.ok()) return audit.status();
    d.audit = std::move(*audit);
    d.audit_port = d.audit->Field("grpc_port");
    d.audit_addr = "127.0.0.1:" + d.audit_port;
    d.audit_args =
        with({data, token_file, "--grpc_addr=" + d.audit_addr, "--token_addr=" + d.token_addr});
    auto token = TestProcess::Start(
        "token-service",
        with({data, token_file, "--grpc_addr=" + d.token_addr, "--audit_addr=" + d.audit_addr}),
        dir);
    started = token.status();
    if (!token.ok()) {
      d.audit->Signal(SIGKILL);
      d.audit->Wait();
      continue;
    }
    d.token = std::move(*token);
  }
  if (!started.ok()) return started;
  for (int shard = 0; shard < topology.shards; ++shard) {
    std::vector<std::string> args = {data, token_file, "--grpc_addr=127.0.0.1:0",
                                     "--audit_addr=" + d.audit_addr,
                                     "--token_addr=" + d.token_addr, "--metrics_addr=127.0.0.1:0"};
    if (!topology.etcd.empty()) {
      args[0] = absl::StrCat("--data_dir=", dir, "/shard-", shard);
      args.push_back("--etcd=" + topology.etcd);
      args.push_back(absl::StrCat("--shard=", shard));
    }
    if (topology.shard_args != nullptr) topology.shard_args->push_back(with(args));
    auto identity = TestProcess::Start("identity-service", with(args), dir);
    if (!identity.ok()) return identity.status();
    if (shard == 0) {
      d.identity = std::move(*identity);
    } else {
      more_shards->push_back(std::move(*identity));
    }
  }
  // The edge holds only the credential that records refused requests.
  d.ctl = ScimCtl{d.token_addr, d.audit_addr, dir + "/admin.token"};
  int exit_code = 0;
  const std::string denial_token = d.ctl.Run("credential denial-token", &exit_code);
  if (exit_code != 0 || denial_token.empty()) {
    return absl::InternalError("scimctl credential denial-token failed");
  }
  {
    const std::string path = dir + "/denial.token";
    std::ofstream(path) << denial_token;
    chmod(path.c_str(), 0600);
  }
  for (int e = 0; e < topology.edges; ++e) {
    auto edge = TestProcess::Start(
        "scim-edge",
        with({"--http_addr=127.0.0.1:0", "--access_log=false",
              topology.etcd.empty() ? "--identity_addr=127.0.0.1:" + d.identity->Field("grpc_port")
                                    : "--etcd=" + topology.etcd,
              "--token_addr=" + d.token_addr, "--audit_addr=" + d.audit_addr,
              "--denial_token_file=" + dir + "/denial.token"}),
        dir);
    if (!edge.ok()) return edge.status();
    if (e == 0) {
      d.edge = std::move(*edge);
      d.http_port = std::stoi(d.edge->Field("http_port"));
    } else {
      more_edges->push_back(std::move(*edge));
    }
  }
  return d;
}

}  // namespace

std::string ScimCtl::Run(const std::string& args, int* exit_code) const {
  std::string command = absl::StrCat(BinaryPath("scimctl"), " --server=", server,
                                     " --admin_token_file=", token_file);
  if (!audit_server.empty()) {
    absl::StrAppend(&command, " --audit_server=", audit_server);
  }
  if (!extra_flags.empty()) absl::StrAppend(&command, " ", extra_flags);
  return RunCommand(absl::StrCat(command, " ", args, " 2>/dev/null"),
                    exit_code);
}

absl::StatusOr<Demo> StartDemo(const std::string& dir,
                               const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {"--data_dir=" + dir + "/data", "--http_addr=127.0.0.1:0",
                                   "--grpc_addr=127.0.0.1:0", "--access_log=false",
                                   "--demo"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  auto process = TestProcess::Start("scimd", args, dir);
  if (!process.ok()) return process.status();
  Demo demo;
  std::string out = (*process)->Stdout();
  const size_t key = out.find("scim_");
  if (key == std::string::npos) return absl::InternalError("scimd printed no demo key");
  demo.key = out.substr(key);
  demo.key = demo.key.substr(0, demo.key.find('\n'));
  demo.port = std::stoi((*process)->Field("http_port"));
  demo.grpc_port = std::stoi((*process)->Field("grpc_port"));
  demo.process = std::move(*process);
  return demo;
}

}  // namespace scim::testing
