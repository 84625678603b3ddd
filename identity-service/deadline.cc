#include "identity-service/deadline.h"

#include "common/status.h"

namespace scim::identity {

absl::Status Deadline::Check() const {
  if (cancelled_ && cancelled_()) {
    return ScimError(absl::StatusCode::kCancelled, "",
                     "the request was cancelled by its caller");
  }
  return CheckTime();
}

absl::Status Deadline::CheckTime() const {
  if (clock_ != nullptr && clock_->Now() >= at_) {
    return ScimError(absl::StatusCode::kDeadlineExceeded, "",
                     "the request ran out of time; nothing was changed");
  }
  return absl::OkStatus();
}

absl::Duration Deadline::Remaining() const {
  if (clock_ == nullptr) return absl::InfiniteDuration();
  return at_ - clock_->Now();
}

}  // namespace scim::identity
