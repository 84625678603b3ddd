// httplib's task queue with threads grown on demand up to a bound and idle
// ones shed: each connection holds a thread for its lifetime, so a fixed pool
// is exhausted by a few slow or idle clients, while an unbounded one is a
// memory hazard.
#ifndef SCIM_EDGE_ELASTIC_TASK_QUEUE_H_
#define SCIM_EDGE_ELASTIC_TASK_QUEUE_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "httplib.h"

namespace scim::edge {

class ElasticTaskQueue : public httplib::TaskQueue {
 public:
  struct Options {
    int warm = 16;   // threads kept even when idle
    int max = 512;   // never more; beyond it tasks wait in the queue
    // An idle thread above `warm` exits after this long without work.
    absl::Duration idle_timeout = absl::Seconds(30);
    // Called (outside the lock) each time a task has to wait: for metrics.
    std::function<void()> on_saturated;
  };
  struct Stats {
    int threads = 0;
    int busy = 0;
    int queued = 0;            // tasks waiting for a thread
    int64_t saturated = 0;     // tasks that had to wait: every thread busy at max
  };

  // `clock` (idle shedding) outlives the queue.
  ElasticTaskQueue(Options options, Clock* clock);
  ~ElasticTaskQueue() override;  // shutdown()

  void enqueue(std::function<void()> fn) override;
  // Runs what is queued, then joins every thread. Idempotent.
  void shutdown() override;

  Stats stats() const;

 private:
  void Work();
  void SpawnLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HasWorkOrShutdown() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return !tasks_.empty() || shutdown_;
  }

  const Options options_;
  Clock* const clock_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  int threads_ ABSL_GUARDED_BY(mu_) = 0;
  // Spawned but not yet waiting: they will take a task as idle ones do.
  int starting_ ABSL_GUARDED_BY(mu_) = 0;
  int idle_ ABSL_GUARDED_BY(mu_) = 0;
  int busy_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t saturated_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::thread::id, std::thread> workers_ ABSL_GUARDED_BY(mu_);
  // Threads that shed themselves, joined by the next enqueue or shutdown.
  std::vector<std::thread> exited_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scim::edge

#endif  // SCIM_EDGE_ELASTIC_TASK_QUEUE_H_
