// Password storage: PBKDF2-HMAC-SHA256, "$pbkdf2-sha256$iter$salt$hash".
#ifndef SCIM_IDENTITY_SERVICE_PASSWORD_HASH_H_
#define SCIM_IDENTITY_SERVICE_PASSWORD_HASH_H_

#include <string>

#include "absl/strings/string_view.h"
#include "common/random.h"

namespace scim::identity {

std::string HashPassword(absl::string_view password, RandomSource& random);
// False also for a `stored` value that is not such a hash.
bool VerifyPassword(absl::string_view password, absl::string_view stored);

}  // namespace scim::identity

#endif  // SCIM_IDENTITY_SERVICE_PASSWORD_HASH_H_
