// Injectable time, so that tests of expiry, ids, timestamps and background
// loops are hermetic.
#ifndef SCIM_COMMON_CLOCK_H_
#define SCIM_COMMON_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace scim {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() = 0;
  // With `mu` held: waits until `condition` holds or this clock reaches
  // `deadline`, and says whether `condition` holds. Background loops wait
  // through this, so that a fake clock drives them in tests.
  virtual bool AwaitUntil(absl::Mutex& mu, const absl::Condition& condition,
                          absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) = 0;
  // The process-wide real clock: for main() and test set-up to pass in.
  static Clock* Real();
};

// A clock that only moves when told to.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1700000000))
      : now_(start) {}
  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  // Advance() cannot signal a caller's mutex, so a waiter re-reads the fake
  // time every millisecond of real time; the condition still wakes it at once.
  bool AwaitUntil(absl::Mutex& mu, const absl::Condition& condition,
                  absl::Time deadline) override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    while (!condition.Eval() && Now() < deadline) {
      mu.AwaitWithTimeout(condition, absl::Milliseconds(1));
    }
    return condition.Eval();
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace scim

#endif  // SCIM_COMMON_CLOCK_H_
