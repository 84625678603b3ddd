#include "common/version.h"

// Generated from VERSION by the build (CMake and Bazel alike).
#include "common/version_generated.h"

namespace scim {

absl::string_view Version() { return SCIM_VERSION; }

}  // namespace scim
