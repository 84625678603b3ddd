// Per-client connection caps (see connection_limit.h).
#include "edge/connection_limit.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace scim::edge {

ConnectionLimit::ConnectionLimit(int max_per_client, CidrSet exempt)
    : max_per_client_(std::max(1, max_per_client)), exempt_(std::move(exempt)) {}

std::string ConnectionLimit::ClientKey(const std::string& peer) {
  std::optional<IpAddress> ip = IpAddress::Parse(peer);
  if (!ip) return peer;
  if (ip->v6) std::memset(ip->bytes.data() + 8, 0, 8);
  return ip->ToString();
}

bool ConnectionLimit::Acquire(const std::string& peer) {
  const std::string key = ClientKey(peer);
  absl::MutexLock lock(&mu_);
  int& n = open_by_client_[key];
  if (n >= max_per_client_ && !exempt_.Contains(peer)) {
    if (n == 0) open_by_client_.erase(key);
    return false;
  }
  ++n;
  ++open_;
  return true;
}

void ConnectionLimit::Release(const std::string& peer) {
  const std::string key = ClientKey(peer);
  absl::MutexLock lock(&mu_);
  auto it = open_by_client_.find(key);
  if (it == open_by_client_.end()) return;
  --open_;
  if (--it->second == 0) open_by_client_.erase(it);
}

int ConnectionLimit::open() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

}  // namespace scim::edge
