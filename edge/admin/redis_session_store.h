// Console sessions shared by every edge replica through Redis, so that a
// console behind a load balancer without sticky sessions works, and a
// sign-out on one edge ends the session on all.
//
// Redis is an accelerator here as everywhere: while it cannot answer, new
// sessions live in this edge's memory (they then need a sticky route), and
// sessions kept in Redis are not found until it is back (sign in again).
//
// What Redis holds cannot be used without the cookie: the key is
// SHA-256 of the session id, and the session (which holds the admin token or
// a setup link's credential) is sealed with AES-256-GCM under a key derived
// from the session id, which only the browser's cookie carries.
#ifndef SCIM_EDGE_ADMIN_REDIS_SESSION_STORE_H_
#define SCIM_EDGE_ADMIN_REDIS_SESSION_STORE_H_

#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/random.h"
#include "common/redis_client.h"
#include "edge/admin/memory_session_store.h"
#include "edge/admin/session_store.h"

namespace scim::edge {

class RedisSessionStore final : public SessionStore {
 public:
  RedisSessionStore(std::shared_ptr<RedisClient> redis, Clock* clock, RandomSource* random,
                    size_t max_local_sessions = 10000);

  std::string Create(Session session) override;
  std::optional<Session> Find(const std::string& id) override;
  void Revoke(const std::string& id) override;
  std::string NewToken() override { return local_.NewToken(); }

  // The Redis key of session `id` (tests look at what Redis holds).
  static std::string KeyOf(const std::string& id);

 private:
  const std::shared_ptr<RedisClient> redis_;
  Clock* const clock_;
  RandomSource* const random_;
  // Sessions made while Redis could not store them.
  MemorySessionStore local_;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_ADMIN_REDIS_SESSION_STORE_H_
