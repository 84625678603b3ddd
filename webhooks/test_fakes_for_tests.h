// Test-only stand-ins for what the dispatcher is given: an in-memory event
// feed and a scripted sender.
#ifndef SCIM_WEBHOOKS_TEST_FAKES_FOR_TESTS_H_
#define SCIM_WEBHOOKS_TEST_FAKES_FOR_TESTS_H_

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/proto_util.h"
#include "events/event_feed.h"
#include "webhooks/sender.h"

namespace scim::webhooks {

// Events numbered 1, 2, ... per tenant as they are appended; Read behaves as
// event_feed.h says (bounded examination, OUT_OF_RANGE past the retention).
class FakeEventFeed : public events::EventFeed {
 public:
  // Appends an event (its sequence and, when empty, its id are assigned)
  // and tells the listeners; returns the sequence.
  uint64_t Append(v1::Event event) {
    std::vector<Listener> listeners;
    uint64_t sequence;
    std::string tenant = event.tenant();
    {
      absl::MutexLock lock(&mu_);
      auto& log = events_[tenant];
      sequence = ++next_[tenant];
      event.set_sequence(sequence);
      if (event.id().empty()) event.set_id(absl::StrCat("evt-", tenant, "-", sequence));
      log.push_back(std::move(event));
      for (const auto& [id, l] : listeners_) listeners.push_back(l);
    }
    for (const auto& l : listeners) l(tenant, sequence);
    return sequence;
  }
  // Retention: forgets the tenant's events up to `sequence`.
  void DropThrough(const std::string& tenant, uint64_t sequence) {
    absl::MutexLock lock(&mu_);
    auto& log = events_[tenant];
    while (!log.empty() && log.front().sequence() <= sequence) log.pop_front();
  }
  // Makes Read fail with `status` until cleared (OkStatus).
  void FailReads(absl::Status status) {
    absl::MutexLock lock(&mu_);
    fail_ = std::move(status);
  }
  int reads() {
    absl::MutexLock lock(&mu_);
    return reads_;
  }

  absl::StatusOr<events::FeedPage> Read(absl::string_view tenant, uint64_t after,
                                        size_t limit, const events::TypeFilter& types) override {
    absl::MutexLock lock(&mu_);
    ++reads_;
    if (!fail_.ok()) return fail_;
    events::FeedPage page;
    page.next_after = after;
    const auto& log = events_[std::string(tenant)];
    page.latest = next_[std::string(tenant)];
    page.oldest = log.empty() ? 0 : log.front().sequence();
    // Events after `after` were dropped when the first kept one (or, with
    // none kept, the next to come) is further on.
    const uint64_t first_kept = log.empty() ? page.latest + 1 : page.oldest;
    if (after + 1 < first_kept) {
      return absl::OutOfRangeError(absl::StrCat("the oldest event kept is ", page.oldest));
    }
    size_t examined = 0;
    for (const v1::Event& e : log) {
      if (e.sequence() <= after) continue;
      if (page.events.size() >= limit || examined >= kMaxExamined) break;
      ++examined;
      page.next_after = e.sequence();
      if (events::Matches(types, e.type())) page.events.push_back(e);
    }
    return page;
  }
  int AddListener(Listener listener) override {
    absl::MutexLock lock(&mu_);
    listeners_[++next_listener_] = std::move(listener);
    return next_listener_;
  }
  void RemoveListener(int id) override {
    absl::MutexLock lock(&mu_);
    listeners_.erase(id);
  }
  int listeners() {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(listeners_.size());
  }

  static constexpr size_t kMaxExamined = 1000;

 private:
  absl::Mutex mu_;
  std::map<std::string, std::deque<v1::Event>> events_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> next_ ABSL_GUARDED_BY(mu_);
  std::map<int, Listener> listeners_ ABSL_GUARDED_BY(mu_);
  int next_listener_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status fail_ ABSL_GUARDED_BY(mu_) = absl::OkStatus();
  int reads_ ABSL_GUARDED_BY(mu_) = 0;
};

// A sender whose answers a test scripts per URL; records every request.
class FakeSender : public WebhookSender {
 public:
  struct Request {
    std::string url, ip, body;
    HeaderList headers;
    std::string Header(const std::string& name) const {
      for (const auto& [n, v] : headers) {
        if (n == name) return v;
      }
      return "";
    }
  };
  // How `url` answers: called per request (default: 200).
  using Responder = std::function<SendResult(const Request&)>;
  void On(const std::string& url, Responder responder) {
    absl::MutexLock lock(&mu_);
    responders_[url] = std::move(responder);
  }
  SendResult Post(const std::string& url, const std::string& ip, const HeaderList& headers,
                  const std::string& body) override {
    Request request{url, ip, body, headers};
    Responder responder;
    {
      absl::MutexLock lock(&mu_);
      auto it = responders_.find(url);
      if (it != responders_.end()) responder = it->second;
    }
    // Outside the lock: a responder may block (a hanging endpoint).
    SendResult result = responder ? responder(request) : SendResult{200, "", ""};
    absl::MutexLock lock(&mu_);
    requests_.push_back(std::move(request));
    return result;
  }
  std::vector<Request> requests(const std::string& url = "") {
    absl::MutexLock lock(&mu_);
    std::vector<Request> out;
    for (const auto& r : requests_) {
      if (url.empty() || r.url == url) out.push_back(r);
    }
    return out;
  }
  // Waits (real time, bounded) until `url` got at least `n` requests.
  bool AwaitRequests(const std::string& url, size_t n,
                     absl::Duration timeout = absl::Seconds(20)) {
    absl::MutexLock lock(&mu_);
    auto done = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      size_t count = 0;
      for (const auto& r : requests_) count += r.url == url;
      return count >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, Responder> responders_ ABSL_GUARDED_BY(mu_);
  std::vector<Request> requests_ ABSL_GUARDED_BY(mu_);
};

// Bounded real-time wait for what other threads do (polling: the store has
// no notifications); the fake clock never moves by itself.
inline bool Eventually(const std::function<bool()>& condition,
                       absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

// An event of `tenant` of `type` at `time`.
inline v1::Event UserEvent(const std::string& tenant, const std::string& type,
                           absl::Time time, const std::string& resource_id = "u1") {
  v1::Event e;
  e.set_tenant(tenant);
  e.set_type(type);
  e.set_resource_type(type.rfind("group.", 0) == 0 ? "Group" : "User");
  e.set_resource_id(resource_id);
  *e.mutable_time() = ToTimestamp(time);
  e.set_version("W/\"1\"");
  e.set_actor("key-1");
  e.set_request_id("req-1");
  return e;
}

}  // namespace scim::webhooks

#endif  // SCIM_WEBHOOKS_TEST_FAKES_FOR_TESTS_H_
