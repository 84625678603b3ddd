// Every write of identity-service runs here: one transaction, tried again
// when it lost a lock race. Entra sends parallel PATCHes to one group; the
// loser of a RocksDB key lock (a lock wait past its timeout, a deadlock) is
// not the client's problem, so it never reaches the client as 409: only real
// conflicts (uniqueness, If-Match) do.
#ifndef SCIM_IDENTITY_SERVICE_WRITE_RETRY_H_
#define SCIM_IDENTITY_SERVICE_WRITE_RETRY_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/random.h"
#include "identity-service/deadline.h"
#include "storage/kv_store.h"

namespace scim::identity {

struct WriteRetryPolicy {
  // Entra sends parallel PATCHes to one group: under that contention on two
  // busy cores 16 attempts were seen to run out. 64 attempts at up to 50 ms
  // is about 3 s at worst, well inside a request's deadline (checked too).
  int attempts = 64;
  // Pause before the second attempt; doubled per attempt up to `max_pause`,
  // each drawn uniformly from [pause/2, pause] so that racing writers
  // spread out rather than collide again.
  absl::Duration first_pause = absl::Milliseconds(1);
  absl::Duration max_pause = absl::Milliseconds(50);
};

// Runs `body` in a fresh transaction and commits it; after a lost lock race
// (IsLockConflict) pauses and runs it again from the start, while attempts
// and `deadline` allow. Any other outcome is returned as is. Out of attempts
// it is UNAVAILABLE (503: retry later); past the deadline DEADLINE_EXCEEDED.
// The pause is real time (it waits for other writers, not for the clock a
// test fakes). Each retry counts in scim_identity_write_retries_total.
absl::Status RunWrite(KvStore& kv, RandomSource& random, const Deadline& deadline,
                      const std::function<absl::Status(KvTransaction&)>& body,
                      const WriteRetryPolicy& policy = {});

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_WRITE_RETRY_H_
