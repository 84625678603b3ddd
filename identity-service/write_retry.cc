#include "identity-service/write_retry.h"

#include <algorithm>
#include <cstdint>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/metrics.h"
#include "common/status.h"
#include "prometheus/counter.h"

namespace scim::identity {
namespace {

// Lost lock races that were retried: how contended writes are.
void CountRetry() {
  static prometheus::Counter& retries =
      prometheus::BuildCounter()
          .Name("scim_identity_write_retries_total")
          .Help("identity-service writes run again after losing a lock race")
          .Register(MetricsRegistry())
          .Add({});
  retries.Increment();
}

// A uniform pause in [pause/2, pause].
absl::Duration Jittered(absl::Duration pause, RandomSource& random) {
  uint64_t r = 0;
  random.Fill(reinterpret_cast<uint8_t*>(&r), sizeof(r));
  const double fraction = 0.5 + 0.5 * (static_cast<double>(r >> 11) / (1ull << 53));
  return pause * fraction;
}

}  // namespace

absl::Status RunWrite(KvStore& kv, RandomSource& random, const Deadline& deadline,
                      const std::function<absl::Status(KvTransaction&)>& body,
                      const WriteRetryPolicy& policy) {
  absl::Duration pause = policy.first_pause;
  absl::Status status;
  for (int attempt = 0; attempt < policy.attempts; ++attempt) {
    if (attempt > 0) {
      const absl::Duration wait = Jittered(pause, random);
      // No point sleeping past the deadline: nobody waits for the answer.
      if (deadline.Remaining() <= wait) {
        RETURN_IF_ERROR(deadline.Check());
        return ScimError(absl::StatusCode::kDeadlineExceeded, "",
                         "the request ran out of time waiting for concurrent "
                         "writes; nothing was changed");
      }
      CountRetry();
      absl::SleepFor(wait);
      pause = std::min(pause * 2, policy.max_pause);
    }
    // Before the first attempt the clock suffices: the request has only
    // just arrived, and asking gRPC whether it was cancelled costs a
    // completion-queue poll. Before a retry, a caller gone is worth knowing.
    RETURN_IF_ERROR(attempt == 0 ? deadline.CheckTime() : deadline.Check());
    {
      // The transaction ends (and releases its locks) before any pause.
      std::unique_ptr<KvTransaction> txn = kv.BeginTransaction();
      status = body(*txn);
      if (status.ok()) status = txn->Commit();
    }
    if (!IsLockConflict(status)) return status;
  }
  return ScimError(absl::StatusCode::kUnavailable, "",
                   absl::StrCat("the resource is busy with concurrent writes (",
                                status.message(), "); retry later"));
}

}  // namespace scim::identity
