// The semantic version of this build (the VERSION file at the repository
// root): what --version prints and scim_build_info reports.
#ifndef SCIM_COMMON_VERSION_H_
#define SCIM_COMMON_VERSION_H_

#include "absl/strings/string_view.h"

namespace scim {

absl::string_view Version();

}  // namespace scim

#endif  // SCIM_COMMON_VERSION_H_
