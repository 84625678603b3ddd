#include "events/event_log.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"

namespace scim::events {
namespace {

constexpr char kStatePrefix[] = "~state/";

std::string Be64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

uint64_t FromBe64(absl::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < bytes.size(); ++i) {
    v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return v;
}

// The sequence in an `events` key of `tenant`.
uint64_t SequenceOf(absl::string_view key, absl::string_view prefix) {
  return key.size() == prefix.size() + 8 ? FromBe64(key.substr(prefix.size())) : 0;
}

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("unreadable event record: ", what));
}

// A transaction tried again while it loses lock races (only the numbering
// thread and the retention write these keys, so rarely).
absl::Status RunTxn(KvStore& kv, const std::function<absl::Status(KvTransaction&)>& body,
                    Durability durability = Durability::kSynced) {
  absl::Status last;
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::unique_ptr<KvTransaction> txn = BeginTransaction(kv, durability);
    last = body(*txn);
    if (last.ok()) last = txn->Commit();
    if (!absl::IsAborted(last) && !absl::IsDeadlineExceeded(last) &&
        !absl::IsUnavailable(last)) {
      return last;
    }
  }
  return last;
}

}  // namespace

std::string EventPrefix(absl::string_view tenant) { return absl::StrCat(tenant, "/"); }

std::string EventKey(absl::string_view tenant, uint64_t sequence) {
  return absl::StrCat(tenant, "/", Be64(sequence));
}

EventLog::EventLog(KvStore* kv, Clock* clock, EventLogOptions options)
    : kv_(kv), clock_(clock), options_(options) {
  // Tickets continue after what a previous process left pending, so that
  // its events are numbered before this one's.
  uint64_t last = 0;
  absl::Status s = kv_->ScanBackward(kPendingCf, "", "",
                                     [&](absl::string_view key, absl::string_view) {
                                       last = FromBe64(key);
                                       return false;
                                     });
  if (!s.ok()) LogError("cannot read pending events", {{"error", s.ToString()}});
  absl::MutexLock lock(&tickets_mu_);
  next_ticket_ = last + 1;
  worker_ = std::make_unique<PeriodicWorker>("event-numbering", clock_,
                                             [this] { return Step(); });
}

EventLog::~EventLog() { Stop(); }

void EventLog::Start() { worker_->Start(); }

void EventLog::Stop() {
  worker_->Stop();
  // What committed before the stop keeps its place: number it now.
  if (absl::StatusOr<size_t> n = NumberCommitted(); !n.ok()) {
    LogWarning("events left unnumbered at stop", {{"error", n.status().ToString()}});
  }
}

uint64_t EventLog::AcquireTicket() {
  absl::MutexLock lock(&tickets_mu_);
  const uint64_t t = next_ticket_++;
  in_flight_.insert(t);
  return t;
}

void EventLog::ReleaseTickets(const std::vector<uint64_t>& tickets) {
  {
    absl::MutexLock lock(&tickets_mu_);
    for (uint64_t t : tickets) in_flight_.erase(t);
  }
  worker_->Wake();
}

absl::Status EventLog::Batch::Stage(KvTransaction& txn, const v1::Event& event) {
  if (log_ == nullptr) return absl::OkStatus();
  const uint64_t ticket = log_->AcquireTicket();
  tickets_.push_back(ticket);
  return txn.Put(kPendingCf, Be64(ticket), event.SerializeAsString());
}

void EventLog::Batch::Done() {
  if (log_ == nullptr || tickets_.empty()) return;
  log_->ReleaseTickets(tickets_);
  tickets_.clear();
}

absl::StatusOr<uint64_t> EventLog::LastNumbered(const std::string& tenant) {
  {
    absl::MutexLock lock(&latest_mu_);
    auto it = latest_.find(tenant);
    if (it != latest_.end()) return it->second;
  }
  return StoredLatest(tenant);
}

absl::StatusOr<uint64_t> EventLog::StoredLatest(absl::string_view tenant) {
  const std::string prefix = EventPrefix(tenant);
  uint64_t last = 0;
  RETURN_IF_ERROR(kv_->ScanBackward(kEventsCf, prefix, "",
                                    [&](absl::string_view key, absl::string_view) {
                                      last = SequenceOf(key, prefix);
                                      return false;
                                    }));
  return last;
}

absl::StatusOr<size_t> EventLog::NumberCommitted() {
  absl::MutexLock numbering(&numbering_mu_);
  uint64_t limit;
  {
    absl::MutexLock lock(&tickets_mu_);
    limit = in_flight_.empty() ? next_ticket_ : *in_flight_.begin();
  }
  if (limit <= numbered_below_) return 0;
  struct Pending {
    std::string key;
    v1::Event event;
  };
  std::vector<Pending> pending;
  absl::Status parse_error;
  RETURN_IF_ERROR(kv_->Scan(
      kPendingCf, "", Be64(numbered_below_),
      [&](absl::string_view key, absl::string_view value) {
        if (FromBe64(key) >= limit) return false;
        Pending& p = pending.emplace_back();
        p.key = std::string(key);
        if (!p.event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = Corrupt("pending");
          return false;
        }
        return pending.size() < options_.batch;
      }));
  RETURN_IF_ERROR(parse_error);
  if (pending.empty()) {
    numbered_below_ = limit;
    return 0;
  }
  // Numbers in ticket order, per tenant.
  absl::flat_hash_map<std::string, uint64_t> next;
  for (Pending& p : pending) {
    auto it = next.find(p.event.tenant());
    if (it == next.end()) {
      ASSIGN_OR_RETURN(uint64_t last, LastNumbered(p.event.tenant()));
      it = next.emplace(p.event.tenant(), last).first;
    }
    p.event.set_sequence(++it->second);
  }
  // Unsynced: the pending events it moves were synced by their writes, and
  // a numbering lost to a power loss is redone at start with the same
  // numbers (the same pending events, in the same ticket order, after the
  // same last numbered one: a lost write is the WAL's tail, and any synced
  // write after it would have made it durable).
  RETURN_IF_ERROR(RunTxn(
      *kv_,
      [&](KvTransaction& txn) {
        for (const Pending& p : pending) {
          RETURN_IF_ERROR(txn.Put(kEventsCf, EventKey(p.event.tenant(), p.event.sequence()),
                                  p.event.SerializeAsString()));
          RETURN_IF_ERROR(txn.Delete(kPendingCf, p.key));
        }
        return absl::OkStatus();
      },
      Durability::kUnsynced));
  // Scanning again from an earlier key would step over the deleted ones.
  numbered_below_ = pending.size() < options_.batch ? limit
                                                    : FromBe64(pending.back().key) + 1;
  {
    absl::MutexLock lock(&latest_mu_);
    for (const auto& [tenant, latest] : next) latest_[tenant] = latest;
  }
  std::vector<Listener> listeners;
  {
    absl::MutexLock lock(&listeners_mu_);
    for (const auto& [id, l] : listeners_) listeners.push_back(l);
  }
  for (const auto& [tenant, latest] : next) {
    for (const Listener& l : listeners) l(tenant, latest);
  }
  return pending.size();
}

PeriodicWorker::Wait EventLog::Step() {
  absl::StatusOr<size_t> numbered = NumberCommitted();
  if (!numbered.ok()) {
    LogError("cannot number events", {{"error", numbered.status().ToString()}});
    return PeriodicWorker::Wait::Backoff(absl::Seconds(1));
  }
  const absl::Time now = clock_->Now();
  if (now >= next_prune_) {
    next_prune_ = now + options_.prune_interval;
    absl::StatusOr<int64_t> pruned = Prune();
    if (!pruned.ok()) {
      LogWarning("event retention failed", {{"error", pruned.status().ToString()}});
    } else if (*pruned > 0) {
      LogInfo("events past retention dropped", {{"count", absl::StrCat(*pruned)}});
    }
  }
  if (*numbered == options_.batch) return PeriodicWorker::Wait::None();
  if (*numbered > 0 && options_.gather > absl::ZeroDuration() && now < next_prune_) {
    return PeriodicWorker::Wait::Gather(std::min(options_.gather, next_prune_ - now));
  }
  // Woken by every write; the timeout only bounds a missed wake-up.
  return PeriodicWorker::Wait::For(std::min(absl::Seconds(1), next_prune_ - now));
}

absl::StatusOr<int64_t> EventLog::Prune() {
  const absl::Time cutoff = clock_->Now() - options_.retention;
  // Bounded per call: the rest waits for the next pass.
  constexpr int64_t kMaxPerCall = 100000;
  constexpr size_t kChunk = 1000;
  int64_t dropped = 0;
  std::string start;
  while (dropped < kMaxPerCall) {
    std::string tenant;
    RETURN_IF_ERROR(kv_->Scan(kEventsCf, "", start,
                              [&](absl::string_view key, absl::string_view) {
                                if (!absl::StartsWith(key, "~")) {
                                  tenant = std::string(key.substr(0, key.find('/')));
                                }
                                return false;
                              }));
    if (tenant.empty()) break;
    const std::string prefix = EventPrefix(tenant);
    ASSIGN_OR_RETURN(uint64_t newest, LastNumbered(tenant));
    for (;;) {
      std::vector<std::string> old;
      RETURN_IF_ERROR(kv_->Scan(kEventsCf, prefix, "",
                                [&](absl::string_view key, absl::string_view value) {
                                  if (SequenceOf(key, prefix) >= newest) return false;
                                  v1::Event e;
                                  if (!e.ParseFromArray(value.data(),
                                                        static_cast<int>(value.size()))) {
                                    return false;
                                  }
                                  if (absl::FromUnixSeconds(e.time().seconds()) >= cutoff) {
                                    return false;
                                  }
                                  old.emplace_back(key);
                                  return old.size() < kChunk;
                                }));
      if (old.empty()) break;
      RETURN_IF_ERROR(RunTxn(*kv_, [&](KvTransaction& txn) {
        for (const std::string& k : old) RETURN_IF_ERROR(txn.Delete(kEventsCf, k));
        return absl::OkStatus();
      }));
      dropped += static_cast<int64_t>(old.size());
      if (old.size() < kChunk || dropped >= kMaxPerCall) break;
    }
    start = PrefixSuccessor(prefix);
  }
  return dropped;
}

absl::Status EventLog::DeleteTenantEvents(absl::string_view tenant) {
  const std::string prefix = EventPrefix(tenant);
  ASSIGN_OR_RETURN(uint64_t newest, LastNumbered(std::string(tenant)));
  constexpr size_t kChunk = 5000;
  for (;;) {
    std::vector<std::string> keys;
    RETURN_IF_ERROR(kv_->Scan(kEventsCf, prefix, "",
                              [&](absl::string_view key, absl::string_view) {
                                if (SequenceOf(key, prefix) >= newest) return false;
                                keys.emplace_back(key);
                                return keys.size() < kChunk;
                              }));
    if (keys.empty()) break;
    RETURN_IF_ERROR(RunTxn(*kv_, [&](KvTransaction& txn) {
      for (const std::string& k : keys) RETURN_IF_ERROR(txn.Delete(kEventsCf, k));
      return absl::OkStatus();
    }));
  }
  return RunTxn(*kv_, [&](KvTransaction& txn) {
    return txn.Delete(kEventsCf, absl::StrCat(kStatePrefix, tenant));
  });
}

absl::StatusOr<bool> EventLog::RecordTenantState(absl::string_view tenant,
                                                 bool disabled,
                                                 const v1::Event& event) {
  const std::string key = absl::StrCat(kStatePrefix, tenant);
  const std::string wanted = disabled ? "disabled" : "enabled";
  bool recorded = false;
  Batch batch(this);
  RETURN_IF_ERROR(RunTxn(*kv_, [&](KvTransaction& txn) -> absl::Status {
    recorded = false;
    ASSIGN_OR_RETURN(std::optional<std::string> current, txn.GetForUpdate(kEventsCf, key));
    if (current.value_or("enabled") == wanted) return absl::OkStatus();
    RETURN_IF_ERROR(txn.Put(kEventsCf, key, wanted));
    recorded = true;
    return batch.Stage(txn, event);
  }));
  return recorded;
}

absl::StatusOr<uint64_t> EventLog::Latest(absl::string_view tenant) {
  return LastNumbered(std::string(tenant));
}

absl::StatusOr<FeedPage> EventLog::Read(absl::string_view tenant, uint64_t after,
                                        size_t limit, const TypeFilter& types) {
  FeedPage page;
  const std::string prefix = EventPrefix(tenant);
  RETURN_IF_ERROR(kv_->Scan(kEventsCf, prefix, "",
                            [&](absl::string_view key, absl::string_view) {
                              page.oldest = SequenceOf(key, prefix);
                              return false;
                            }));
  ASSIGN_OR_RETURN(page.latest, Latest(tenant));
  if (after > page.latest) {
    // The cache learns of a batch just after it commits: a reader may have
    // seen the batch already. The store says how far it really goes.
    ASSIGN_OR_RETURN(uint64_t stored, StoredLatest(tenant));
    page.latest = std::max(page.latest, stored);
  }
  page.latest = std::max(page.latest, page.oldest);
  page.next_after = after;
  if (page.oldest > 0 && after > 0 && after + 1 < page.oldest) {
    return absl::OutOfRangeError(absl::StrCat(
        "events after ", after, " of tenant '", tenant,
        "' are past the retention; the oldest kept is ", page.oldest));
  }
  if (after > page.latest) {
    return absl::OutOfRangeError(absl::StrCat("sequence ", after, " of tenant '", tenant,
                                              "' is beyond its newest event (",
                                              page.latest, ")"));
  }
  if (limit == 0) return page;
  size_t examined = 0;
  absl::Status parse_error;
  RETURN_IF_ERROR(kv_->Scan(
      kEventsCf, prefix, EventKey(tenant, after + 1),
      [&](absl::string_view key, absl::string_view value) {
        v1::Event e;
        if (!e.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          parse_error = Corrupt(absl::StrCat("sequence ", SequenceOf(key, prefix)));
          return false;
        }
        page.next_after = e.sequence();
        if (Matches(types, e.type())) page.events.push_back(std::move(e));
        return page.events.size() < limit && ++examined < options_.read_budget;
      }));
  RETURN_IF_ERROR(parse_error);
  return page;
}

int EventLog::AddListener(Listener listener) {
  absl::MutexLock lock(&listeners_mu_);
  const int id = next_listener_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void EventLog::RemoveListener(int id) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_.erase(id);
}

bool EventLog::AwaitNewer(absl::string_view tenant, uint64_t after,
                          absl::Duration timeout) {
  const std::string t(tenant);
  absl::MutexLock lock(&latest_mu_);
  auto newer = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(latest_mu_) {
    auto it = latest_.find(t);
    return it != latest_.end() && it->second > after;
  };
  return latest_mu_.AwaitWithTimeout(absl::Condition(&newer), timeout);
}

void EventLog::ForgetTenant(absl::string_view tenant) {
  absl::MutexLock lock(&latest_mu_);
  latest_.erase(std::string(tenant));
}

}  // namespace scim::events
