// How long a request may still work, and whether its caller gave up: what
// identity_service.cc hands down from the gRPC context, so that the store's
// loops over client-supplied work (Bulk and PATCH operations, list scans,
// write retries) stop once nobody waits for the answer. The store never sees
// the gRPC context itself.
#ifndef SCIM_IDENTITY_SERVICE_DEADLINE_H_
#define SCIM_IDENTITY_SERVICE_DEADLINE_H_

#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace scim::identity {

class Deadline {
 public:
  // Never expires and is never cancelled: background work and callers with
  // no request.
  Deadline() = default;
  // Expires when `clock` reaches `at`; `cancelled` (optional) says whether
  // the caller went away.
  Deadline(Clock* clock, absl::Time at, std::function<bool()> cancelled = nullptr)
      : clock_(clock), at_(at), cancelled_(std::move(cancelled)) {}

  // OK while the request may go on; else CANCELLED or DEADLINE_EXCEEDED,
  // which the caller returns as is (its transaction then rolls back and
  // releases its locks).
  absl::Status Check() const;
  // Check() by the clock alone. Asking gRPC whether the caller cancelled
  // polls a completion queue, which is not free: a caller about to start
  // work it has just been asked for may skip that.
  absl::Status CheckTime() const;
  // Time left, InfiniteDuration() for a Deadline that never expires.
  absl::Duration Remaining() const;

 private:
  Clock* clock_ = nullptr;
  absl::Time at_ = absl::InfiniteFuture();
  std::function<bool()> cancelled_;
};

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_DEADLINE_H_
