// Where the console opens a setup link: shared by the edge, which answers
// the link's creation with it, and scimctl, which prints it. The secret
// rides in the fragment, which browsers never send to a server (no access
// log, no Referer); the console's script reads it from there.
#ifndef SCIM_COMMON_CONSOLE_URL_H_
#define SCIM_COMMON_CONSOLE_URL_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace scim {

inline constexpr char kSetupFragment[] = "#setup=";

// `origin` is scheme://host[:port], without a trailing slash.
inline std::string SetupUrl(absl::string_view origin, absl::string_view secret) {
  return absl::StrCat(origin, "/admin/", kSetupFragment, secret);
}

}  // namespace scim

#endif  // SCIM_COMMON_CONSOLE_URL_H_
