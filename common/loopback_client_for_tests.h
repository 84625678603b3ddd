// Tests only: a TCP connection from a chosen loopback address (any of
// 127.0.0.0/8), so that one test can be several clients to a server that
// counts connections per client address.
#ifndef SCIM_COMMON_LOOPBACK_CLIENT_FOR_TESTS_H_
#define SCIM_COMMON_LOOPBACK_CLIENT_FOR_TESTS_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace scim {

// A socket from `source` connected to 127.0.0.1:`port`, or -1.
inline int ConnectFrom(const char* source, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  inet_pton(AF_INET, source, &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

}  // namespace scim

#endif  // SCIM_COMMON_LOOPBACK_CLIENT_FOR_TESTS_H_
