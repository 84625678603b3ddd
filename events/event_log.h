// The numbered event log of every tenant, kept in the store of the data it
// describes.
//
// A write stages its events in its own transaction (Batch::Stage), under a
// ticket taken once the write holds its locks; after commit, one numbering
// thread gives them per-tenant sequence numbers, in ticket order, but only
// below the lowest ticket still in flight. So:
//   - numbering never holds up a write (no shared counter in the
//     transaction);
//   - events of one resource are numbered in the order their writes
//     committed (a later write takes its ticket after the earlier released
//     the resource's lock);
//   - once a reader has seen N, nothing below N appears later (a ticket is
//     numbered only when every lower one has committed or aborted).
//
//   events_pending  {ticket: 8 bytes big-endian}      -> v1.Event (no sequence)
//   events          {tenant}/{sequence: 8 bytes BE}   -> v1.Event
//                   ~state/{tenant} -> "enabled" | "disabled" (tenant lifecycle)
#ifndef SCIM_EVENTS_EVENT_LOG_H_
#define SCIM_EVENTS_EVENT_LOG_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/periodic_worker.h"
#include "events/event_feed.h"
#include "scim/v1/events.pb.h"
#include "storage/kv_store.h"

namespace scim::events {

inline constexpr char kPendingCf[] = "events_pending";
inline constexpr char kEventsCf[] = "events";

struct EventLogOptions {
  // Events older than this are dropped (a tenant's newest is always kept,
  // so that its numbering survives a restart).
  absl::Duration retention = absl::Hours(24 * 30);
  // How often the retention runs.
  absl::Duration prune_interval = absl::Minutes(1);
  // Events numbered per store write.
  size_t batch = 2048;
  // After numbering less than a batch, how long new events gather before
  // the next numbering: under a stream of writes one numbering write then
  // carries many of them. What readers wait at most, besides the commit.
  absl::Duration gather = absl::Milliseconds(5);
  // Events one Read examines at most (type filters skip the rest).
  size_t read_budget = 10000;
};

class EventLog final : public EventFeed {
 public:
  // `kv` must have the kPendingCf and kEventsCf column families.
  EventLog(KvStore* kv, Clock* clock, EventLogOptions options = {});
  ~EventLog() override;

  // The events of one write. Destroy (or Done()) after the write's
  // transaction ended, committed or not.
  class Batch {
   public:
    // `log` may be null: nothing is staged.
    explicit Batch(EventLog* log) : log_(log) {}
    ~Batch() { Done(); }
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    // Puts `event` (its sequence is assigned later) into `txn`. Call once
    // the transaction holds the locks that order it against other writes
    // of the same resource.
    absl::Status Stage(KvTransaction& txn, const v1::Event& event);
    // Lets the numbering pass this write's tickets.
    void Done();

   private:
    EventLog* log_;
    std::vector<uint64_t> tickets_;
  };

  // Starts numbering (woken by every Batch::Done) and the retention.
  void Start();
  void Stop();

  // Numbers the events committed so far that can be numbered (Start() does
  // it in the background); returns how many.
  absl::StatusOr<size_t> NumberCommitted();
  // Drops events older than the retention; returns how many.
  absl::StatusOr<int64_t> Prune();
  // Removes all of `tenant`'s events except the newest, which keeps its
  // numbering going (a tenant's deletion).
  absl::Status DeleteTenantEvents(absl::string_view tenant);

  // Records `event` (tenant.enabled or tenant.disabled) unless the log's
  // record of the tenant's state already says `disabled`; says whether it
  // did. A tenant never recorded counts as enabled.
  absl::StatusOr<bool> RecordTenantState(absl::string_view tenant, bool disabled,
                                         const v1::Event& event);

  // EventFeed.
  absl::StatusOr<FeedPage> Read(absl::string_view tenant, uint64_t after,
                                size_t limit, const TypeFilter& types) override;
  int AddListener(Listener listener) override;
  void RemoveListener(int id) override;

  // Forgets what is cached of `tenant` (its data left this store: a tenant
  // moved to another shard); the store is read again if it comes back.
  void ForgetTenant(absl::string_view tenant);
  // The newest sequence of `tenant` (0: none).
  absl::StatusOr<uint64_t> Latest(absl::string_view tenant);
  // Waits (real time) until `tenant` has an event above `after`, at most
  // `timeout`; says whether it has.
  bool AwaitNewer(absl::string_view tenant, uint64_t after, absl::Duration timeout);

 private:
  uint64_t AcquireTicket();
  void ReleaseTickets(const std::vector<uint64_t>& tickets);
  // The newest sequence of `tenant`, from the cache or the store.
  absl::StatusOr<uint64_t> LastNumbered(const std::string& tenant);
  // The same from the store alone.
  absl::StatusOr<uint64_t> StoredLatest(absl::string_view tenant);
  PeriodicWorker::Wait Step();

  KvStore* const kv_;
  Clock* const clock_;
  const EventLogOptions options_;

  absl::Mutex tickets_mu_;
  uint64_t next_ticket_ ABSL_GUARDED_BY(tickets_mu_) = 1;
  std::set<uint64_t> in_flight_ ABSL_GUARDED_BY(tickets_mu_);

  // Numbering state, used by one thread at a time (numbering_mu_).
  absl::Mutex numbering_mu_;
  // Pending tickets below this are numbered: where the next pass starts.
  uint64_t numbered_below_ ABSL_GUARDED_BY(numbering_mu_) = 0;

  // The newest sequence per tenant (written by numbering, read by readers).
  absl::Mutex latest_mu_;
  absl::flat_hash_map<std::string, uint64_t> latest_ ABSL_GUARDED_BY(latest_mu_);

  absl::Mutex listeners_mu_;
  int next_listener_ ABSL_GUARDED_BY(listeners_mu_) = 1;
  std::map<int, Listener> listeners_ ABSL_GUARDED_BY(listeners_mu_);

  absl::Time next_prune_ = absl::InfinitePast();  // the worker's thread only
  std::unique_ptr<PeriodicWorker> worker_;
};

// Keys (exposed for tests and tools).
std::string EventKey(absl::string_view tenant, uint64_t sequence);
std::string EventPrefix(absl::string_view tenant);

}  // namespace scim::events

#endif  // SCIM_EVENTS_EVENT_LOG_H_
