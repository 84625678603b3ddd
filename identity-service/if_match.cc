// If-Match against a stored version.
#include "identity-service/if_match.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/etag_cache.h"
#include "common/status.h"

namespace scim::identity {

bool IfMatchAccepts(absl::string_view if_match, absl::string_view current) {
  if (if_match.empty()) return true;
  int64_t version = ParseVersion(current);
  for (absl::string_view tag : absl::StrSplit(if_match, ',')) {
    tag = absl::StripAsciiWhitespace(tag);
    if (tag == "*") return true;
    if (ParseVersion(tag) == version && version > 0) return true;
  }
  return false;
}

absl::Status PreconditionFailed(absl::string_view current) {
  return ScimError(absl::StatusCode::kFailedPrecondition, "",
                   absl::StrCat("If-Match does not match the current version ",
                                current));
}

}  // namespace scim::identity
