// The HTTP pool grows on demand up to its bound, counts saturation and sheds
// idle threads (on a fake clock).
#include "edge/elastic_task_queue.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace scim::edge {
namespace {

// Polls `done` for up to 5 s of real time: a bound, not a sleep-for-effect.
template <typename F>
bool Eventually(F done) {
  const absl::Time end = absl::Now() + absl::Seconds(5);
  while (absl::Now() < end) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return done();
}

TEST(ElasticTaskQueueTest, GrowsToMaxQueuesBeyondAndShedsIdleThreads) {
  FakeClock clock;
  std::atomic<int> saturations{0};
  ElasticTaskQueue pool({/*warm=*/1, /*max=*/4, absl::Seconds(30),
                         [&] { ++saturations; }},
                        &clock);
  EXPECT_EQ(pool.stats().threads, 1);
  absl::Notification release;
  std::atomic<int> ran{0};
  for (int i = 0; i < 5; ++i) {
    pool.enqueue([&] {
      release.WaitForNotification();
      ++ran;
    });
  }
  ASSERT_TRUE(Eventually([&] { return pool.stats().busy == 4; }));
  ElasticTaskQueue::Stats s = pool.stats();
  EXPECT_EQ(s.threads, 4);
  EXPECT_EQ(s.queued, 1);
  EXPECT_EQ(s.saturated, 1);
  EXPECT_EQ(saturations.load(), 1);

  release.Notify();
  ASSERT_TRUE(Eventually([&] { return ran.load() == 5; }));
  ASSERT_TRUE(Eventually([&] { return pool.stats().busy == 0; }));
  EXPECT_EQ(pool.stats().threads, 4);  // idle, but not for long yet

  clock.Advance(absl::Seconds(31));
  ASSERT_TRUE(Eventually([&] { return pool.stats().threads == 1; }));
  // The warm one stays however long it idles.
  clock.Advance(absl::Seconds(120));
  EXPECT_EQ(pool.stats().threads, 1);

  // And it grows again on demand.
  absl::Notification again;
  for (int i = 0; i < 3; ++i) pool.enqueue([&] { again.WaitForNotification(); });
  ASSERT_TRUE(Eventually([&] { return pool.stats().busy == 3; }));
  EXPECT_EQ(pool.stats().threads, 3);
  again.Notify();
  pool.shutdown();
  EXPECT_EQ(pool.stats().threads, 0);
}

TEST(ElasticTaskQueueTest, ShutdownRunsWhatIsQueued) {
  FakeClock clock;
  std::atomic<int> ran{0};
  {
    ElasticTaskQueue pool({1, 1, absl::Seconds(30), nullptr}, &clock);
    for (int i = 0; i < 10; ++i) pool.enqueue([&] { ++ran; });
    pool.shutdown();
  }
  EXPECT_EQ(ran.load(), 10);
}

}  // namespace
}  // namespace scim::edge
