// PeriodicWorker driven by FakeClock: no test here sleeps; each waits on the
// worker's own run count with a bound.
#include "common/periodic_worker.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"

#include "gtest/gtest.h"

namespace scim {
namespace {

constexpr absl::Duration kBound = absl::Seconds(10);

TEST(PeriodicWorkerTest, RunsAtOnceThenEveryIntervalOfTheClock) {
  FakeClock clock;
  std::atomic<int> steps{0};
  PeriodicWorker worker("test", &clock, [&] {
    ++steps;
    return PeriodicWorker::Wait::For(absl::Minutes(1));
  });
  worker.Start();
  ASSERT_TRUE(worker.AwaitRuns(1, kBound));
  // Not due yet: a second of fake time is not a minute.
  clock.Advance(absl::Seconds(1));
  EXPECT_FALSE(worker.AwaitRuns(2, absl::Milliseconds(50)));
  EXPECT_EQ(steps, 1);
  clock.Advance(absl::Minutes(1));
  ASSERT_TRUE(worker.AwaitRuns(2, kBound));
  worker.Stop();
  EXPECT_EQ(steps, 2);
}

TEST(PeriodicWorkerTest, FirstWaitDelaysTheFirstStep) {
  FakeClock clock;
  PeriodicWorker worker("test", &clock,
                        [] { return PeriodicWorker::Wait::For(absl::Hours(1)); });
  worker.Start(/*first_wait=*/absl::Minutes(5));
  EXPECT_FALSE(worker.AwaitRuns(1, absl::Milliseconds(50)));
  clock.Advance(absl::Minutes(5));
  EXPECT_TRUE(worker.AwaitRuns(1, kBound));
}

TEST(PeriodicWorkerTest, WakeEndsAWaitButNotABackoff) {
  FakeClock clock;
  std::atomic<bool> failing{false};
  PeriodicWorker worker("test", &clock, [&] {
    return failing ? PeriodicWorker::Wait::Backoff(absl::Seconds(30))
                   : PeriodicWorker::Wait::For(absl::Hours(1));
  });
  worker.Start();
  ASSERT_TRUE(worker.AwaitRuns(1, kBound));
  failing = true;
  worker.Wake();  // new work: no need to wait the hour
  ASSERT_TRUE(worker.AwaitRuns(2, kBound));
  worker.Wake();  // new work does not defeat the backoff
  EXPECT_FALSE(worker.AwaitRuns(3, absl::Milliseconds(50)));
  clock.Advance(absl::Seconds(30));
  EXPECT_TRUE(worker.AwaitRuns(3, kBound));
}

TEST(PeriodicWorkerTest, NoneRunsAgainAtOnce) {
  FakeClock clock;
  std::atomic<int> left{5};
  PeriodicWorker worker("test", &clock, [&] {
    return --left > 0 ? PeriodicWorker::Wait::None()
                      : PeriodicWorker::Wait::For(absl::Hours(1));
  });
  worker.Start();
  EXPECT_TRUE(worker.AwaitRuns(5, kBound));
}

TEST(PeriodicWorkerTest, StopEndsAnyWaitAndIsIdempotent) {
  FakeClock clock;
  PeriodicWorker worker("test", &clock, [&] {
    return PeriodicWorker::Wait::Backoff(absl::Hours(24));
  });
  worker.Start();
  ASSERT_TRUE(worker.AwaitRuns(1, kBound));
  worker.Stop();  // returns although the fake clock never moves
  EXPECT_TRUE(worker.stopping());
  worker.Stop();
  EXPECT_EQ(worker.runs(), 1);
}

TEST(PeriodicWorkerTest, StopLetsARunningStepFinish) {
  FakeClock clock;
  absl::Notification entered, release;
  std::atomic<bool> finished{false};
  PeriodicWorker worker("test", &clock, [&] {
    entered.Notify();
    release.WaitForNotification();
    finished = true;
    return PeriodicWorker::Wait::For(absl::Hours(1));
  });
  worker.Start();
  entered.WaitForNotification();
  std::thread stopper([&] { worker.Stop(); });
  release.Notify();
  stopper.join();
  EXPECT_TRUE(finished);
}

TEST(PeriodicWorkerTest, NeverStartedStopsCleanly) {
  FakeClock clock;
  PeriodicWorker worker("test", &clock,
                        [] { return PeriodicWorker::Wait::For(absl::Hours(1)); });
  worker.Wake();
  worker.Stop();
  EXPECT_EQ(worker.runs(), 0);
}

}  // namespace
}  // namespace scim
