// Threads on demand for httplib (see elastic_task_queue.h).
#include "edge/elastic_task_queue.h"

#include <algorithm>
#include <utility>

namespace scim::edge {

ElasticTaskQueue::ElasticTaskQueue(Options options, Clock* clock)
    : options_{std::max(0, options.warm), std::max(1, options.max),
               options.idle_timeout, std::move(options.on_saturated)},
      clock_(clock) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < std::min(options_.warm, options_.max); ++i) SpawnLocked();
}

ElasticTaskQueue::~ElasticTaskQueue() { shutdown(); }

void ElasticTaskQueue::SpawnLocked() {
  ++threads_;
  ++starting_;
  std::thread t([this] { Work(); });
  const std::thread::id id = t.get_id();
  workers_.emplace(id, std::move(t));
}

void ElasticTaskQueue::enqueue(std::function<void()> fn) {
  std::vector<std::thread> reap;
  bool saturated = false;
  {
    absl::MutexLock lock(&mu_);
    if (shutdown_) return;
    tasks_.push_back(std::move(fn));
    reap.swap(exited_);
    // Idle (and starting) threads will each take one task; grow only for
    // the rest.
    if (static_cast<int>(tasks_.size()) > idle_ + starting_) {
      if (threads_ < options_.max) {
        SpawnLocked();
      } else {
        ++saturated_;
        saturated = true;
      }
    }
  }
  if (saturated && options_.on_saturated) options_.on_saturated();
  for (std::thread& t : reap) t.join();
}

void ElasticTaskQueue::Work() {
  mu_.Lock();
  --starting_;
  for (;;) {
    ++idle_;
    const bool woken = clock_->AwaitUntil(
        mu_, absl::Condition(this, &ElasticTaskQueue::HasWorkOrShutdown),
        clock_->Now() + options_.idle_timeout);
    --idle_;
    if (!tasks_.empty()) {
      std::function<void()> fn = std::move(tasks_.front());
      tasks_.pop_front();
      ++busy_;
      mu_.Unlock();
      fn();
      mu_.Lock();
      --busy_;
      continue;
    }
    if (shutdown_) break;
    if (!woken && threads_ > options_.warm) break;  // idle too long: shed
  }
  --threads_;
  auto self = workers_.find(std::this_thread::get_id());
  exited_.push_back(std::move(self->second));
  workers_.erase(self);
  mu_.Unlock();
}

void ElasticTaskQueue::shutdown() {
  std::vector<std::thread> join;
  {
    absl::MutexLock lock(&mu_);
    shutdown_ = true;
    mu_.Await(absl::Condition(
        +[](int* threads) { return *threads == 0; }, &threads_));
    join.swap(exited_);
  }
  for (std::thread& t : join) t.join();
}

ElasticTaskQueue::Stats ElasticTaskQueue::stats() const {
  absl::MutexLock lock(&mu_);
  return {threads_, busy_, static_cast<int>(tasks_.size()), saturated_};
}

}  // namespace scim::edge
