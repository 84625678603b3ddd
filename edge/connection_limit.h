// Open connections per client address, capped: one client cannot take every
// thread of the edge by holding connections open.
#ifndef SCIM_EDGE_CONNECTION_LIMIT_H_
#define SCIM_EDGE_CONNECTION_LIMIT_H_

#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "edge/cidr_set.h"

namespace scim::edge {

class ConnectionLimit {
 public:
  // At most `max_per_client` open connections per client; peers in `exempt`
  // (trusted proxies, which carry many clients) are counted but not capped.
  ConnectionLimit(int max_per_client, CidrSet exempt);

  // The key a peer is counted under: its address, or for IPv6 its /64 (one
  // subscriber usually holds a whole /64).
  static std::string ClientKey(const std::string& peer);

  // Counts a new connection from `peer` (an address); false (nothing
  // counted) over the cap.
  bool Acquire(const std::string& peer);
  void Release(const std::string& peer);
  int open() const;

 private:
  const int max_per_client_;
  const CidrSet exempt_;
  mutable absl::Mutex mu_;
  std::map<std::string, int> open_by_client_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_CONNECTION_LIMIT_H_
