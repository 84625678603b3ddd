#include "common/request_metadata.h"

#include "absl/strings/ascii.h"

namespace scim {

bool IsValidTenantId(absl::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool ok = absl::ascii_islower(c) || absl::ascii_isdigit(c) ||
              (c == '-' && i > 0);
    if (!ok) return false;
  }
  return true;
}

}  // namespace scim
