// Delivers each tenant's events to its webhook endpoints: in order per
// endpoint (event N+1 only after N got a 2xx), one event per POST, signed,
// retried per RetryPolicy, with each endpoint's state recorded in the
// WebhookStore after every acknowledgement or failure (a kill -9 loses no
// progress; at most the event in flight is sent again, with the same
// webhook-id).
//
// A scheduler thread hands due endpoints to a bounded pool of delivery
// threads; an endpoint has at most one delivery in flight. Endpoints that
// are retrying may occupy all but one thread, and healthy endpoints are
// served first, so a dead endpoint (timeouts, backoff) never holds up the
// others. Woken by the feed's listener, and every check_interval regardless.
#ifndef SCIM_WEBHOOKS_DISPATCHER_H_
#define SCIM_WEBHOOKS_DISPATCHER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/runtime.h"
#include "events/event_feed.h"
#include "webhooks/destination_guard.h"
#include "webhooks/retry_policy.h"
#include "webhooks/sender.h"
#include "webhooks/webhook_store.h"

namespace prometheus {
class Gauge;
}  // namespace prometheus

namespace scim::webhooks {

struct DispatcherOptions {
  // Delivery threads (at least 1).
  int threads = 4;
  // Every endpoint is looked at this often even without a wake-up, and the
  // lag gauges are refreshed.
  absl::Duration check_interval = absl::Seconds(30);
  // The lag gauges are recomputed at least this often.
  absl::Duration gauge_interval = absl::Seconds(5);
  // Events delivered in one turn of an endpoint before it yields its thread.
  size_t batch = 50;
  // After a failure that is ours (feed or store unavailable), not the
  // endpoint's: when to look again. Not recorded as the endpoint's attempt.
  absl::Duration internal_retry = absl::Seconds(5);
  RetryPolicyOptions retry;
};

class Dispatcher {
 public:
  // Nothing is owned; all must outlive the dispatcher. `reader` serves
  // endpoints with include_resource (may be null when none is wanted: such
  // deliveries then fail and retry).
  Dispatcher(WebhookStore* store, events::EventFeed* feed, WebhookSender* sender,
             const DestinationGuard* guard, events::ResourceReader reader, Runtime runtime,
             DispatcherOptions options = {});
  ~Dispatcher();  // Stop()
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Loads the endpoints, listens to the feed, starts the threads. Once.
  absl::Status Start();
  // Stops listening, lets deliveries in flight finish (each is bounded by
  // the sender's timeouts) and joins the threads. Idempotent.
  void Stop();

  // An endpoint was added, removed, replayed or re-keyed: look at it now
  // (its backoff still holds unless a replay cleared it).
  void Refresh(absl::string_view tenant, absl::string_view id);

  // Sets `webhook`'s lag_events (events after its delivered_sequence) and
  // lag_seconds (the age of the oldest one it still waits for) from the feed.
  absl::Status FillLag(v1::Webhook* webhook);

 private:
  // What the dispatcher keeps of an endpoint between turns.
  struct Slot {
    std::string tenant, id;
    std::string state = kHealthy;
    uint64_t delivered = 0;
    absl::Time next_attempt = absl::InfinitePast();
    bool wanted = true;   // may have work: look at it when due
    bool queued = false;
    bool in_flight = false;
    bool refreshed = false;  // Refresh() came during the turn in flight
    // The oldest undelivered event's time, when known (lag_seconds).
    absl::Time pending_since = absl::InfiniteFuture();
    prometheus::Gauge* lag_events = nullptr;
    prometheus::Gauge* lag_seconds = nullptr;
    prometheus::Gauge* state_gauge = nullptr;
  };
  // What one turn of an endpoint ended with.
  struct TurnResult {
    bool removed = false;
    std::string state = kHealthy;
    uint64_t delivered = 0;
    absl::Time next_attempt = absl::InfinitePast();
    bool more = false;
    absl::Time pending_since = absl::InfiniteFuture();
    uint64_t latest = 0;
  };

  static std::string KeyOf(absl::string_view tenant, absl::string_view id);
  void OnNumbered(const std::string& tenant, uint64_t latest);
  void SchedulerLoop();
  void WorkerLoop();
  // Reconciles the slots with the store (new, removed, changed endpoints).
  void Reload();
  Slot& SlotFor(const v1::StoredWebhook& stored) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Forget(std::map<std::string, Slot>::iterator it) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void QueueDue(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdateGauges(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // One turn: up to `batch` events delivered in order, stopping at the first
  // failure. Runs without mu_.
  TurnResult Turn(const std::string& tenant, const std::string& id);
  // One POST of `event` (its resource attached when the endpoint wants it),
  // to the address the guard vets now, signed with `secrets`.
  SendResult Attempt(const v1::Webhook& webhook, const std::vector<std::string>& secrets,
                     v1::Event& event);
  void Finish(const std::string& key, const TurnResult& result);

  WebhookStore* const store_;
  events::EventFeed* const feed_;
  WebhookSender* const sender_;
  const DestinationGuard* const guard_;
  const events::ResourceReader reader_;
  const Runtime runtime_;
  const DispatcherOptions options_;
  const RetryPolicy policy_;
  const int max_retrying_in_flight_;

  absl::Mutex mu_;
  std::map<std::string, Slot> slots_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> latest_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> healthy_queue_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> retrying_queue_ ABSL_GUARDED_BY(mu_);
  int retrying_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool kicked_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ = false;
  int listener_ = -1;
  std::thread scheduler_;
  std::vector<std::thread> workers_;
};

}  // namespace scim::webhooks

#endif  // SCIM_WEBHOOKS_DISPATCHER_H_
