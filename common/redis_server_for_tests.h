// A throwaway redis-server on a free port, for tests (never a fixed port).
#ifndef SCIM_COMMON_REDIS_SERVER_FOR_TESTS_H_
#define SCIM_COMMON_REDIS_SERVER_FOR_TESTS_H_

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace scim {

// A port nothing listens on right now.
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// A throwaway redis-server on a free port.
class RedisServerForTests {
 public:
  explicit RedisServerForTests(int port) : port_(port) { Start(); }
  // More arguments (e.g. --replicaof; or a config file then --sentinel, with
  // `sentinel` set: then only the config file and --sentinel are passed).
  RedisServerForTests(int port, std::vector<std::string> args, bool sentinel = false)
      : port_(port), args_(std::move(args)), sentinel_(sentinel) {
    Start();
  }
  ~RedisServerForTests() { Stop(); }
  int port() const { return port_; }
  static bool Installed() {
    return system("command -v redis-server >/dev/null") == 0;
  }
  void Start() {
    pid_ = fork();
    if (pid_ == 0) {
      std::string port = absl::StrCat(port_);
      std::vector<std::string> argv = {"redis-server"};
      if (sentinel_) {
        argv.insert(argv.end(), args_.begin(), args_.end());
      } else {
        argv.insert(argv.end(), {"--port", port, "--bind", "127.0.0.1", "--save", "",
                                 "--appendonly", "no", "--loglevel", "warning"});
        argv.insert(argv.end(), args_.begin(), args_.end());
      }
      std::vector<char*> raw;
      for (std::string& a : argv) raw.push_back(a.data());
      raw.push_back(nullptr);
      execvp("redis-server", raw.data());
      _exit(127);
    }
    for (int i = 0; i < 200; ++i) {  // wait until it accepts connections
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(port_);
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      bool up = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
      close(fd);
      if (up) return;
      usleep(20000);
    }
  }
  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

 private:
  int port_;
  std::vector<std::string> args_;
  bool sentinel_ = false;
  pid_t pid_ = -1;
};

}  // namespace scim

#endif  // SCIM_COMMON_REDIS_SERVER_FOR_TESTS_H_
