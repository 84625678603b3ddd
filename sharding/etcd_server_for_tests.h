// A throwaway single-member etcd (Debian's etcd-server, v3 API) on free
// loopback ports with its data in a temp directory, for tests.
#ifndef SCIM_SHARDING_ETCD_SERVER_FOR_TESTS_H_
#define SCIM_SHARDING_ETCD_SERVER_FOR_TESTS_H_

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/redis_server_for_tests.h"  // FreePort
#include "httplib.h"

namespace scim::sharding {

class EtcdServerForTests {
 public:
  EtcdServerForTests() { Start(); }
  ~EtcdServerForTests() {
    Kill();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  static bool Installed() { return system("command -v etcd >/dev/null") == 0; }
  // "http://127.0.0.1:PORT", what --etcd takes.
  std::string endpoint() const { return absl::StrCat("http://127.0.0.1:", client_port_); }
  int client_port() const { return client_port_; }
  bool up() const { return up_; }

  // kill -9, then the same member again (same data, same ports).
  void Restart() {
    Kill();
    Launch();
  }

  void Kill() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

 private:
  void Start() {
    dir_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("etcd_for_tests_", getpid(), "_", reinterpret_cast<uintptr_t>(this)))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    client_port_ = FreePort();
    peer_port_ = FreePort();
    Launch();
  }

  void Launch() {
    const std::string client = absl::StrCat("http://127.0.0.1:", client_port_);
    const std::string peer = absl::StrCat("http://127.0.0.1:", peer_port_);
    up_ = false;
    pid_ = fork();
    if (pid_ == 0) {
      freopen((dir_ + "/etcd.log").c_str(), "a", stdout);
      freopen((dir_ + "/etcd.log").c_str(), "a", stderr);
      std::vector<std::string> argv = {
          "etcd", "--data-dir", dir_ + "/data", "--name", "test",
          "--listen-client-urls", client, "--advertise-client-urls", client,
          "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
          "--initial-cluster", "test=" + peer, "--log-level", "error"};
      std::vector<char*> raw;
      for (std::string& a : argv) raw.push_back(a.data());
      raw.push_back(nullptr);
      execvp("etcd", raw.data());
      _exit(127);
    }
    httplib::Client probe("127.0.0.1", client_port_);
    probe.set_connection_timeout(0, 200000);
    for (int i = 0; i < 250 && !up_; ++i) {  // at most ~10 s
      auto res = probe.Post("/v3/kv/range", R"({"key":"AA=="})", "application/json");
      up_ = res && res->status == 200;
      if (!up_) usleep(40000);
    }
  }

  std::string dir_;
  int client_port_ = 0;
  int peer_port_ = 0;
  pid_t pid_ = -1;
  bool up_ = false;
};

}  // namespace scim::sharding

#endif  // SCIM_SHARDING_ETCD_SERVER_FOR_TESTS_H_
