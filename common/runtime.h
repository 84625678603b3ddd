// What every component is given instead of reaching for globals: time and
// randomness. main() passes the real ones, tests pass fakes.
#ifndef SCIM_COMMON_RUNTIME_H_
#define SCIM_COMMON_RUNTIME_H_

#include "common/clock.h"
#include "common/random.h"

namespace scim {

struct Runtime {
  Clock* clock;
  RandomSource* random;

  // The process's real clock and secure randomness: for main() and test
  // set-up only, never deep inside a component.
  static Runtime Real() { return {Clock::Real(), RandomSource::Secure()}; }
};

}  // namespace scim

#endif  // SCIM_COMMON_RUNTIME_H_
