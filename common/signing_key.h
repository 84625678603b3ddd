// Ed25519 signing (OpenSSL): audit checkpoints now, tokens later.
#ifndef SCIM_COMMON_SIGNING_KEY_H_
#define SCIM_COMMON_SIGNING_KEY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/key_encryption.h"
#include "common/random.h"

namespace scim {

class SigningKey {
 public:
  // A new key from `random`'s 32-byte seed.
  static absl::StatusOr<SigningKey> Generate(RandomSource& random);
  // Reads the seed at `path`, creating it (0600) if missing: base64, or
  // sealed under `kek` when one is given (common/key_encryption.h).
  static absl::StatusOr<SigningKey> LoadOrCreate(const std::string& path,
                                                 RandomSource& random,
                                                 const KeyEncryption* kek = nullptr);
  static absl::StatusOr<SigningKey> FromSeed(absl::string_view seed);

  // 64-byte Ed25519 signature.
  std::string Sign(absl::string_view message) const;
  // Raw 32-byte public key.
  const std::string& public_key() const { return public_key_; }

 private:
  std::string seed_;
  std::string public_key_;
};

// True iff `signature` is `public_key`'s Ed25519 signature of `message`.
bool VerifySignature(absl::string_view public_key, absl::string_view message,
                     absl::string_view signature);

}  // namespace scim

#endif  // SCIM_COMMON_SIGNING_KEY_H_
