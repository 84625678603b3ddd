// Console sessions in one edge's memory: the embedded default, and the
// fallback of the shared store while Redis is away.
#ifndef SCIM_EDGE_ADMIN_MEMORY_SESSION_STORE_H_
#define SCIM_EDGE_ADMIN_MEMORY_SESSION_STORE_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/random.h"
#include "edge/admin/session_store.h"

namespace scim::edge {

// Bounded: at `max_sessions` the expired ones go, then the one nearest its
// expiry.
class MemorySessionStore final : public SessionStore {
 public:
  MemorySessionStore(Clock* clock, RandomSource* random, size_t max_sessions = 10000)
      : clock_(clock), random_(random), max_sessions_(max_sessions) {}

  std::string Create(Session session) override;
  std::optional<Session> Find(const std::string& id) override;
  void Revoke(const std::string& id) override;
  std::string NewToken() override;

  // Keeps `session` under an id made elsewhere.
  void Put(const std::string& id, Session session);

 private:
  void EvictLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock* const clock_;
  RandomSource* const random_;
  const size_t max_sessions_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_ADMIN_MEMORY_SESSION_STORE_H_
