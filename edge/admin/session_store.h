// Console sessions (issue 18): a sign-in with the admin token, or the
// opening of a setup link, becomes a random session id in an HttpOnly
// cookie. The credential the session acts with stays server-side: the page
// never sees it. Sessions expire, can be revoked (sign-out), and each
// carries a CSRF token that every state-changing request must echo.
// Implementations: memory_session_store.h (one edge), redis_session_store.h
// (shared by every edge replica).
#ifndef SCIM_EDGE_ADMIN_SESSION_STORE_H_
#define SCIM_EDGE_ADMIN_SESSION_STORE_H_

#include <optional>
#include <string>

#include "absl/time/time.h"

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

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  // A new session; returns its id (the cookie's value: 256 random bits).
  virtual std::string Create(Session session) = 0;
  // The live session of `id`, or nullopt (unknown, revoked or expired).
  virtual std::optional<Session> Find(const std::string& id) = 0;
  virtual void Revoke(const std::string& id) = 0;
  // A fresh random token (session ids, CSRF tokens).
  virtual std::string NewToken() = 0;
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_ADMIN_SESSION_STORE_H_
