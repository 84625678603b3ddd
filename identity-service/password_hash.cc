// Password hashing and verification (PBKDF2-HMAC-SHA256).
#include "identity-service/password_hash.h"

#include <openssl/evp.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace scim::identity {
namespace {

constexpr int kPbkdf2Iterations = 100000;

}  // namespace

std::string HashPassword(absl::string_view password, RandomSource& random) {
  std::string salt = random.Bytes(16);
  unsigned char hash[32];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), kPbkdf2Iterations,
                    EVP_sha256(), sizeof(hash), hash);
  return absl::StrCat("$pbkdf2-sha256$", kPbkdf2Iterations, "$",
                      absl::Base64Escape(salt), "$",
                      absl::Base64Escape(absl::string_view(
                          reinterpret_cast<char*>(hash), sizeof(hash))));
}

bool VerifyPassword(absl::string_view password, absl::string_view stored) {
  std::vector<std::string> parts = absl::StrSplit(stored, '$');
  int iterations = 0;
  std::string salt, expected;
  if (parts.size() != 5 || parts[1] != "pbkdf2-sha256" ||
      !absl::SimpleAtoi(parts[2], &iterations) ||
      !absl::Base64Unescape(parts[3], &salt) ||
      !absl::Base64Unescape(parts[4], &expected) || expected.size() != 32) {
    return false;
  }
  unsigned char hash[32];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(),
                    sizeof(hash), hash);
  return ConstantTimeEquals(
      expected, absl::string_view(reinterpret_cast<char*>(hash), 32));
}

}  // namespace scim::identity
