#include "webhooks/dispatcher.h"

#include <pthread.h>

#include <algorithm>
#include <optional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/metrics.h"
#include "common/proto_util.h"
#include "common/status.h"
#include "events/event_json.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "webhooks/signature.h"

namespace scim::webhooks {
namespace {

prometheus::Family<prometheus::Counter>& DeliveriesFamily() {
  static auto& family = prometheus::BuildCounter()
                            .Name("scim_webhook_deliveries_total")
                            .Help("Webhook POSTs by outcome: delivered (2xx), redirect, "
                                  "client_error, server_error, transport_error, refused "
                                  "(the destination guard said no)")
                            .Register(MetricsRegistry());
  return family;
}

void CountDelivery(const SendResult& result, bool refused) {
  const char* outcome = refused                 ? "refused"
                        : result.ok()           ? "delivered"
                        : result.status == 0    ? "transport_error"
                        : result.status < 400   ? "redirect"
                        : result.status < 500   ? "client_error"
                                                : "server_error";
  DeliveriesFamily().Add({{"outcome", outcome}}).Increment();
}

prometheus::Family<prometheus::Gauge>& GaugeFamily(int which) {
  static auto& lag_events = prometheus::BuildGauge()
                                .Name("scim_webhook_lag_events")
                                .Help("Events of the tenant after the endpoint's last "
                                      "acknowledged one")
                                .Register(MetricsRegistry());
  static auto& lag_seconds = prometheus::BuildGauge()
                                 .Name("scim_webhook_lag_seconds")
                                 .Help("Age of the oldest event the endpoint has not "
                                       "acknowledged")
                                 .Register(MetricsRegistry());
  static auto& state = prometheus::BuildGauge()
                           .Name("scim_webhook_state")
                           .Help("Endpoint state: 0 healthy, 1 retrying, 2 disabled")
                           .Register(MetricsRegistry());
  return which == 0 ? lag_events : which == 1 ? lag_seconds : state;
}

double StateValue(const std::string& state) {
  return state == kHealthy ? 0 : state == kRetrying ? 1 : 2;
}

double JitterUnit(RandomSource& random) {
  uint64_t bits = 0;
  random.Fill(reinterpret_cast<uint8_t*>(&bits), sizeof(bits));
  return static_cast<double>(bits >> 11) / static_cast<double>(uint64_t{1} << 53);
}

std::vector<std::string> TypesOf(const v1::Webhook& webhook) {
  return {webhook.event_types().begin(), webhook.event_types().end()};
}

}  // namespace

Dispatcher::Dispatcher(WebhookStore* store, events::EventFeed* feed, WebhookSender* sender,
                       const DestinationGuard* guard, events::ResourceReader reader,
                       Runtime runtime, DispatcherOptions options)
    : store_(store),
      feed_(feed),
      sender_(sender),
      guard_(guard),
      reader_(std::move(reader)),
      runtime_(runtime),
      options_(options),
      policy_(options.retry),
      max_retrying_in_flight_(std::max(1, options.threads - 1)) {}

Dispatcher::~Dispatcher() {
  Stop();
  absl::MutexLock lock(&mu_);
  while (!slots_.empty()) Forget(slots_.begin());
}

std::string Dispatcher::KeyOf(absl::string_view tenant, absl::string_view id) {
  return absl::StrCat(tenant, "/", id);
}

absl::Status Dispatcher::Start() {
  if (started_) return absl::FailedPreconditionError("the dispatcher is already started");
  started_ = true;
  ASSIGN_OR_RETURN(std::vector<v1::StoredWebhook> all, store_->ListAll());
  {
    absl::MutexLock lock(&mu_);
    for (const auto& stored : all) SlotFor(stored);
  }
  listener_ = feed_->AddListener(
      [this](const std::string& tenant, uint64_t latest) { OnNumbered(tenant, latest); });
  scheduler_ = std::thread([this] { SchedulerLoop(); });
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
  return absl::OkStatus();
}

void Dispatcher::Stop() {
  if (listener_ >= 0) {
    feed_->RemoveListener(listener_);
    listener_ = -1;
  }
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (scheduler_.joinable()) scheduler_.join();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
}

void Dispatcher::Refresh(absl::string_view tenant, absl::string_view id) {
  absl::MutexLock lock(&mu_);
  const std::string key = KeyOf(tenant, id);
  auto it = slots_.find(key);
  if (it == slots_.end()) {
    v1::StoredWebhook stored;
    stored.mutable_webhook()->set_tenant(std::string(tenant));
    stored.mutable_webhook()->set_id(std::string(id));
    SlotFor(stored);
    it = slots_.find(key);
  }
  // The turn reads the store and finds out what changed (and whether the
  // endpoint still exists); a backoff recorded there still holds.
  Slot& slot = it->second;
  slot.state = kHealthy;
  slot.next_attempt = absl::InfinitePast();
  slot.wanted = true;
  if (slot.in_flight) slot.refreshed = true;
  kicked_ = true;
}

void Dispatcher::OnNumbered(const std::string& tenant, uint64_t latest) {
  // On the numbering thread: only bookkeeping under the lock.
  absl::MutexLock lock(&mu_);
  uint64_t& known = latest_[tenant];
  known = std::max(known, latest);
  const std::string prefix = KeyOf(tenant, "");
  for (auto it = slots_.lower_bound(prefix);
       it != slots_.end() && absl::StartsWith(it->first, prefix); ++it) {
    it->second.wanted = true;
  }
  kicked_ = true;
}

Dispatcher::Slot& Dispatcher::SlotFor(const v1::StoredWebhook& stored) {
  const v1::Webhook& w = stored.webhook();
  const std::string key = KeyOf(w.tenant(), w.id());
  auto [it, inserted] = slots_.try_emplace(key);
  Slot& slot = it->second;
  if (inserted) {
    slot.tenant = w.tenant();
    slot.id = w.id();
    const prometheus::Labels labels{{"tenant", w.tenant()}, {"webhook", w.id()}};
    slot.lag_events = &GaugeFamily(0).Add(labels);
    slot.lag_seconds = &GaugeFamily(1).Add(labels);
    slot.state_gauge = &GaugeFamily(2).Add(labels);
  }
  if (!slot.in_flight && !w.state().empty()) {
    slot.state = w.state();
    slot.delivered = w.delivered_sequence();
    slot.next_attempt =
        w.has_next_attempt() ? FromTimestamp(w.next_attempt()) : absl::InfinitePast();
  }
  return slot;
}

void Dispatcher::Forget(std::map<std::string, Slot>::iterator it) {
  GaugeFamily(0).Remove(it->second.lag_events);
  GaugeFamily(1).Remove(it->second.lag_seconds);
  GaugeFamily(2).Remove(it->second.state_gauge);
  slots_.erase(it);
}

void Dispatcher::Reload() {
  auto all = store_->ListAll();
  if (!all.ok()) {
    LogWarning("webhooks: cannot list endpoints", {{"error", all.status().ToString()}});
    return;
  }
  absl::MutexLock lock(&mu_);
  std::set<std::string> present;
  for (const auto& stored : *all) {
    Slot& slot = SlotFor(stored);
    slot.wanted = true;
    present.insert(KeyOf(slot.tenant, slot.id));
  }
  for (auto it = slots_.begin(); it != slots_.end();) {
    auto next = std::next(it);
    if (!present.count(it->first) && !it->second.in_flight && !it->second.queued) Forget(it);
    it = next;
  }
  kicked_ = true;
}

void Dispatcher::QueueDue(absl::Time now) {
  for (auto& [key, slot] : slots_) {
    if (!slot.wanted || slot.queued || slot.in_flight || slot.state == kDisabled ||
        slot.next_attempt > now) {
      continue;
    }
    slot.queued = true;
    slot.wanted = false;
    (slot.state == kRetrying ? retrying_queue_ : healthy_queue_).push_back(key);
  }
}

void Dispatcher::UpdateGauges(absl::Time now) {
  for (auto& [key, slot] : slots_) {
    auto latest = latest_.find(slot.tenant);
    const uint64_t lag =
        latest != latest_.end() && latest->second > slot.delivered ? latest->second - slot.delivered
                                                                   : 0;
    slot.lag_events->Set(static_cast<double>(lag));
    slot.lag_seconds->Set(lag > 0 && slot.pending_since < now
                              ? absl::ToDoubleSeconds(now - slot.pending_since)
                              : 0.0);
    slot.state_gauge->Set(StateValue(slot.state));
  }
}

void Dispatcher::SchedulerLoop() {
  pthread_setname_np(pthread_self(), "webhook-sched");
  absl::Time next_reload = runtime_.clock->Now() + options_.check_interval;
  for (;;) {
    if (runtime_.clock->Now() >= next_reload) {
      Reload();
      next_reload = runtime_.clock->Now() + options_.check_interval;
    }
    absl::MutexLock lock(&mu_);
    if (stop_) return;
    const absl::Time now = runtime_.clock->Now();
    kicked_ = false;
    QueueDue(now);
    UpdateGauges(now);
    // Sleep until the earliest backoff ends, the next reload, or a kick.
    absl::Time wake = std::min(next_reload, now + options_.gauge_interval);
    for (const auto& [key, slot] : slots_) {
      if (slot.wanted && !slot.in_flight && !slot.queued && slot.state != kDisabled &&
          slot.next_attempt > now) {
        wake = std::min(wake, slot.next_attempt);
      }
    }
    auto woken = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stop_ || kicked_; };
    runtime_.clock->AwaitUntil(mu_, absl::Condition(&woken), wake);
  }
}

void Dispatcher::WorkerLoop() {
  pthread_setname_np(pthread_self(), "webhook-send");
  for (;;) {
    std::string key, tenant, id;
    bool retrying = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stop_ || !healthy_queue_.empty() ||
               (!retrying_queue_.empty() && retrying_in_flight_ < max_retrying_in_flight_);
      };
      mu_.Await(absl::Condition(&ready));
      if (stop_) return;
      // Healthy endpoints first: a retrying one has already waited anyway.
      if (!healthy_queue_.empty()) {
        key = healthy_queue_.front();
        healthy_queue_.pop_front();
      } else {
        key = retrying_queue_.front();
        retrying_queue_.pop_front();
        retrying = true;
        ++retrying_in_flight_;
      }
      auto it = slots_.find(key);
      if (it == slots_.end()) {
        if (retrying) --retrying_in_flight_;
        continue;
      }
      it->second.queued = false;
      it->second.in_flight = true;
      tenant = it->second.tenant;
      id = it->second.id;
    }
    const TurnResult result = Turn(tenant, id);
    absl::MutexLock lock(&mu_);
    if (retrying) --retrying_in_flight_;
    Finish(key, result);
  }
}

void Dispatcher::Finish(const std::string& key, const TurnResult& result) {
  auto it = slots_.find(key);
  if (it == slots_.end()) return;
  Slot& slot = it->second;
  slot.in_flight = false;
  kicked_ = true;
  if (result.removed) {
    Forget(it);
    return;
  }
  uint64_t& known = latest_[slot.tenant];
  known = std::max(known, result.latest);
  slot.state = result.state;
  slot.delivered = result.delivered;
  slot.next_attempt = result.next_attempt;
  slot.pending_since = result.pending_since;
  // More events, or a retry (ours or the endpoint's) is due later.
  if (result.more || result.next_attempt != absl::InfinitePast()) slot.wanted = true;
  if (slot.refreshed) {
    // The turn read the endpoint before the refresh (a replay, say): its
    // "disabled" no longer holds, and the next turn reads the store again.
    slot.refreshed = false;
    slot.wanted = true;
    if (slot.state == kDisabled) slot.state = kHealthy;
    if (slot.state != kRetrying) slot.next_attempt = absl::InfinitePast();
  }
}

SendResult Dispatcher::Attempt(const v1::Webhook& webhook,
                               const std::vector<std::string>& secrets, v1::Event& event) {
  SendResult sent;
  if (webhook.include_resource()) {
    const absl::Status attached =
        reader_ == nullptr ? absl::FailedPreconditionError("no resource reader configured")
                           : events::AttachResource(reader_, runtime_.clock->Now(), &event);
    if (!attached.ok()) {
      sent.error = absl::StrCat("cannot read the resource: ", attached.message());
      return sent;
    }
  }
  const std::string body = events::WebhookBody(event);
  // Vetted at every attempt: what the name resolves to may have changed.
  auto destination = guard_->Check(webhook.url());
  if (!destination.ok()) {
    sent.error = std::string(destination.status().message());
    CountDelivery(sent, /*refused=*/true);
    return sent;
  }
  const int64_t timestamp = absl::ToUnixSeconds(runtime_.clock->Now());
  auto signature = SignatureHeader(secrets, event.id(), timestamp, body);
  if (!signature.ok()) {
    sent.error = absl::StrCat("cannot sign: ", signature.status().message());
    return sent;
  }
  const HeaderList headers = {{"webhook-id", event.id()},
                              {"webhook-timestamp", absl::StrCat(timestamp)},
                              {"webhook-signature", *signature}};
  sent = sender_->Post(webhook.url(), destination->ip, headers, body);
  CountDelivery(sent, /*refused=*/false);
  return sent;
}

Dispatcher::TurnResult Dispatcher::Turn(const std::string& tenant, const std::string& id) {
  TurnResult result;
  const absl::Time started = runtime_.clock->Now();
  // Our failure (store, feed), not the endpoint's: look again soon without
  // counting an attempt.
  auto internal_failure = [&](absl::string_view what, const absl::Status& status) {
    LogWarning("webhooks: delivery turn failed",
               {{"tenant", tenant}, {"webhook", id}, {"step", std::string(what)},
                {"error", status.ToString()}});
    result.next_attempt = started + options_.internal_retry;
    return result;
  };
  auto stored = store_->Get(tenant, id);
  if (!stored.ok()) {
    if (absl::IsNotFound(stored.status())) {
      result.removed = true;
      return result;
    }
    return internal_failure("read endpoint", stored.status());
  }
  const v1::Webhook& webhook = stored->webhook();
  // Records `state`, or says how the turn ends: at once on an error, and
  // with another look when the endpoint was replayed or removed meanwhile
  // (this turn's outcome then no longer applies).
  auto record = [&](const DeliveryState& state) -> std::optional<TurnResult> {
    auto recorded = store_->RecordDelivery(tenant, id, stored->generation(), state);
    if (!recorded.ok()) return internal_failure("record", recorded.status());
    if (*recorded) return std::nullopt;
    TurnResult stale;
    stale.more = true;
    return stale;
  };
  result.state = webhook.state();
  result.delivered = webhook.delivered_sequence();
  if (webhook.state() == kDisabled) return result;
  if (webhook.has_next_attempt() && FromTimestamp(webhook.next_attempt()) > started) {
    result.next_attempt = FromTimestamp(webhook.next_attempt());  // backoff still runs
    return result;
  }

  auto page = feed_->Read(tenant, webhook.delivered_sequence(), options_.batch,
                          TypesOf(webhook));
  if (absl::IsOutOfRange(page.status())) {
    // The retention dropped events the endpoint never got: say so, and let
    // the operator choose where to resume (ReplayWebhook).
    DeliveryState state;
    state.delivered_sequence = webhook.delivered_sequence();
    state.state = kDisabled;
    state.last_error = absl::StrCat("events after ", webhook.delivered_sequence(),
                                    " are past the retention (", page.status().message(),
                                    "); replay from a retained sequence");
    if (auto end = record(state)) return *end;
    result.state = kDisabled;
    return result;
  }
  if (!page.ok()) return internal_failure("read feed", page.status());
  result.latest = page->latest;
  auto secrets = store_->SigningSecrets(*stored);
  if (!secrets.ok()) return internal_failure("open secret", secrets.status());

  uint64_t cursor = webhook.delivered_sequence();
  int attempts = webhook.attempts();
  absl::Time failing_since = stored->has_failing_since()
                                 ? FromTimestamp(stored->failing_since())
                                 : absl::InfinitePast();
  for (v1::Event& event : page->events) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) break;
    }
    result.pending_since = FromTimestamp(event.time());
    const SendResult sent = Attempt(webhook, *secrets, event);
    DeliveryState state;
    if (sent.ok()) {
      cursor = event.sequence();
      attempts = 0;
      failing_since = absl::InfinitePast();
      state.delivered_sequence = cursor;
      if (auto end = record(state)) return *end;
      result.state = kHealthy;
      result.delivered = cursor;
      result.pending_since = absl::InfiniteFuture();
      continue;
    }
    // Failed: this event stays next; back off (or give up).
    const absl::Time failed_at = runtime_.clock->Now();
    ++attempts;
    if (failing_since == absl::InfinitePast()) failing_since = failed_at;
    const RetryDecision decision =
        policy_.Decide(sent, attempts, failing_since, failed_at, JitterUnit(*runtime_.random));
    state.delivered_sequence = cursor;
    state.state = decision.disable ? kDisabled : kRetrying;
    state.last_error = decision.reason;
    state.attempts = attempts;
    state.next_attempt = decision.disable ? absl::InfinitePast() : decision.next_attempt;
    state.failing_since = failing_since;
    if (auto end = record(state)) return *end;
    if (decision.disable) {
      LogWarning("webhooks: endpoint disabled",
                 {{"tenant", tenant}, {"webhook", id}, {"reason", decision.reason}});
    }
    result.state = state.state;
    result.delivered = cursor;
    result.next_attempt = state.next_attempt;
    return result;
  }

  // Events the type filter skipped after the last one delivered (or all
  // of them): move past them without a POST.
  const bool all_sent = page->events.empty() || cursor == page->events.back().sequence();
  if (all_sent && page->next_after > cursor) {
    DeliveryState state;
    state.delivered_sequence = page->next_after;
    if (auto end = record(state)) return *end;
    cursor = page->next_after;
  }
  result.delivered = cursor;
  result.state = kHealthy;
  // No progress at all means nothing more to read now (not a busy loop).
  result.more = cursor < page->latest && cursor > webhook.delivered_sequence();
  return result;
}

absl::Status Dispatcher::FillLag(v1::Webhook* webhook) {
  ASSIGN_OR_RETURN(events::FeedPage page,
                   feed_->Read(webhook->tenant(), webhook->delivered_sequence(), 1,
                               TypesOf(*webhook)));
  const uint64_t delivered = webhook->delivered_sequence();
  webhook->set_lag_events(page.latest > delivered ? page.latest - delivered : 0);
  webhook->set_lag_seconds(0);
  if (!page.events.empty()) {
    const absl::Duration age =
        runtime_.clock->Now() - FromTimestamp(page.events.front().time());
    webhook->set_lag_seconds(std::max(0.0, absl::ToDoubleSeconds(age)));
  }
  return absl::OkStatus();
}

}  // namespace scim::webhooks
