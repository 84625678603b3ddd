// Console sessions (issue 18): a sign-in with the admin token, or the
// opening of a setup link, becomes a random session id in an HttpOnly
// cookie. The credential the session acts with stays here, server-side:
// the page never sees it. Sessions expire, can be revoked (sign-out), and
// each carries a CSRF token that every state-changing request must echo.
#ifndef SCIM_EDGE_ADMIN_SESSION_STORE_H_
#define SCIM_EDGE_ADMIN_SESSION_STORE_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/random.h"

namespace scim::edge {

struct Session {
  enum class Kind { kAdmin, kSetupLink };
  Kind kind = Kind::kAdmin;
  // The credential RPCs are made with (the admin token; a setup link's
  // scoped credential).
  std::string credential;
  // A setup link's one tenant; empty for the admin.
  std::string tenant;
  std::string csrf;
  absl::Time expires;
};

// Sessions kept in the edge's memory. Bounded: at `max_sessions` the
// expired ones go, then the one nearest its expiry.
class SessionStore {
 public:
  SessionStore(Clock* clock, RandomSource* random, size_t max_sessions = 10000)
      : clock_(clock), random_(random), max_sessions_(max_sessions) {}

  // A new session; returns its id (the cookie's value).
  std::string Create(Session session);
  // The live session of `id`, or nullopt (unknown, revoked or expired).
  std::optional<Session> Find(const std::string& id);
  void Revoke(const std::string& id);
  // A fresh CSRF token.
  std::string NewToken();

 private:
  void EvictLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock* const clock_;
  RandomSource* const random_;
  const size_t max_sessions_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_ADMIN_SESSION_STORE_H_
