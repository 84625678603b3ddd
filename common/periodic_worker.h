// One background loop with one stop protocol, used by every service's
// periodic work (outbox shipping, tombstone purge, audit retention, denial
// shipping, ETag-cache repair). It waits through an injected Clock, so tests
// drive it with FakeClock instead of sleeping.
#ifndef SCIM_COMMON_PERIODIC_WORKER_H_
#define SCIM_COMMON_PERIODIC_WORKER_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace scim {

class PeriodicWorker {
 public:
  // What a step asks for before the next one.
  struct Wait {
    absl::Duration duration;
    bool wakeable;  // whether Wake() ends the wait early
    // The usual wait: at most `d`, less if there is new work (Wake()).
    static Wait For(absl::Duration d) { return {d, true}; }
    // After a failure: new work must not defeat the backoff; only Stop() ends it.
    static Wait Backoff(absl::Duration d) { return {d, false}; }
    // Lets new work gather for `d` before the next step, so that one step
    // does many writers' work: Wake() does not end it, Stop() does.
    static Wait Gather(absl::Duration d) { return {d, false}; }
    // The work is not done yet: run again at once.
    static Wait None() { return {absl::ZeroDuration(), true}; }
  };
  using Step = std::function<Wait()>;

  // `name` names the thread (top, perf, gdb). `step` runs on the worker's
  // own thread, never concurrently with itself.
  PeriodicWorker(std::string name, Clock* clock, Step step);
  ~PeriodicWorker();  // Stop()

  PeriodicWorker(const PeriodicWorker&) = delete;
  PeriodicWorker& operator=(const PeriodicWorker&) = delete;

  // Starts the thread; the first step runs after `first_wait` (a wakeable
  // wait). Once only.
  void Start(absl::Duration first_wait = absl::ZeroDuration());
  // Ends the current wakeable wait, or the next one if a step is running.
  void Wake();
  // Lets a running step finish, ends any wait, joins the thread. Idempotent;
  // what the owner wants to flush afterwards it does on its own thread.
  void Stop();
  // For long steps that want to yield to Stop().
  bool stopping();
  // Steps completed so far (tests wait on it).
  int64_t runs();
  // Blocks until at least `n` steps completed or `timeout` passed (real
  // time: a test's bound, not the worker's clock); says whether they did.
  bool AwaitRuns(int64_t n, absl::Duration timeout);

 private:
  void Run(absl::Duration first_wait);
  // With mu_ held: waits as `wait` asks, on clock_.
  void AwaitNext(const Wait& wait) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string name_;
  Clock* const clock_;
  const Step step_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  int64_t runs_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace scim

#endif  // SCIM_COMMON_PERIODIC_WORKER_H_
