#include "common/periodic_worker.h"

#include <pthread.h>

namespace scim {

PeriodicWorker::PeriodicWorker(std::string name, Clock* clock, Step step)
    : name_(std::move(name)), clock_(clock), step_(std::move(step)) {}

PeriodicWorker::~PeriodicWorker() { Stop(); }

void PeriodicWorker::Start(absl::Duration first_wait) {
  thread_ = std::thread([this, first_wait] { Run(first_wait); });
}

void PeriodicWorker::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

void PeriodicWorker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool PeriodicWorker::stopping() {
  absl::MutexLock lock(&mu_);
  return stop_;
}

int64_t PeriodicWorker::runs() {
  absl::MutexLock lock(&mu_);
  return runs_;
}

bool PeriodicWorker::AwaitRuns(int64_t n, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto done = [this, n]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return runs_ >= n; };
  return mu_.AwaitWithTimeout(absl::Condition(&done), timeout);
}

void PeriodicWorker::AwaitNext(const Wait& wait) {
  auto ready = [this, &wait]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return stop_ || (wait.wakeable && woken_);
  };
  clock_->AwaitUntil(mu_, absl::Condition(&ready), clock_->Now() + wait.duration);
  if (wait.wakeable) woken_ = false;
}

void PeriodicWorker::Run(absl::Duration first_wait) {
  // Linux limits thread names to 15 characters.
  pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
  {
    absl::MutexLock lock(&mu_);
    AwaitNext(Wait::For(first_wait));
  }
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
    }
    const Wait wait = step_();
    absl::MutexLock lock(&mu_);
    ++runs_;
    if (stop_) return;
    AwaitNext(wait);
  }
}

}  // namespace scim
