#include "edge/admin/memory_session_store.h"

#include <utility>

namespace scim::edge {

std::string MemorySessionStore::NewToken() { return HexEncode(random_->Bytes(32)); }

std::string MemorySessionStore::Create(Session session) {
  std::string id = NewToken();
  Put(id, std::move(session));
  return id;
}

void MemorySessionStore::Put(const std::string& id, Session session) {
  absl::MutexLock lock(&mu_);
  if (sessions_.size() >= max_sessions_) EvictLocked();
  sessions_[id] = std::move(session);
}

std::optional<Session> MemorySessionStore::Find(const std::string& id) {
  if (id.empty()) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  if (clock_->Now() >= it->second.expires) {
    sessions_.erase(it);
    return std::nullopt;
  }
  return it->second;
}

void MemorySessionStore::Revoke(const std::string& id) {
  absl::MutexLock lock(&mu_);
  sessions_.erase(id);
}

void MemorySessionStore::EvictLocked() {
  const absl::Time now = clock_->Now();
  absl::erase_if(sessions_, [&](const auto& entry) { return now >= entry.second.expires; });
  if (sessions_.size() < max_sessions_) return;
  auto nearest = sessions_.begin();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->second.expires < nearest->second.expires) nearest = it;
  }
  sessions_.erase(nearest);
}

}  // namespace scim::edge
