// Files that hold a secret made on first start (admin token, signing keys):
// created once with mode 0600, read back on every later start.
#ifndef SCIM_COMMON_SECRET_FILE_H_
#define SCIM_COMMON_SECRET_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace scim {

// The stripped content of an existing secret file (NOT_FOUND if missing,
// FAILED_PRECONDITION if empty).
absl::StatusOr<std::string> LoadSecretFile(const std::string& path);

// Returns the stripped content of `path`; if it does not exist, creates it
// (and its directory) holding `initial` and returns `initial`.
absl::StatusOr<std::string> LoadOrCreateSecretFile(const std::string& path,
                                                   const std::string& initial);

}  // namespace scim

#endif  // SCIM_COMMON_SECRET_FILE_H_
