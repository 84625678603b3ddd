// Secrets at rest (signing-key seeds) sealed under a key-encryption key, so
// that a copied data directory or backup does not carry usable keys.
// AES-256-GCM with a random 96-bit nonce per seal; stored as
// "kek1:" + base64(nonce | ciphertext | tag).
#ifndef SCIM_COMMON_KEY_ENCRYPTION_H_
#define SCIM_COMMON_KEY_ENCRYPTION_H_

#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/random.h"

ABSL_DECLARE_FLAG(std::string, kek_file);
ABSL_DECLARE_FLAG(std::string, kek);

namespace scim {

class KeyEncryption {
 public:
  // `kek` is 32 raw bytes.
  static absl::StatusOr<std::unique_ptr<KeyEncryption>> FromKey(absl::string_view kek);
  // From --kek_file (a file holding the base64 key) or --kek (the base64 key
  // itself, e.g. from a Secret as env SCIM_KEK); null when neither is set.
  static absl::StatusOr<std::unique_ptr<KeyEncryption>> FromFlags();

  std::string Seal(absl::string_view plaintext, RandomSource& random) const;
  // DATA_LOSS if `sealed` was not sealed by this key or was altered.
  absl::StatusOr<std::string> Open(absl::string_view sealed) const;
  static bool IsSealed(absl::string_view stored);

 private:
  explicit KeyEncryption(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

// A secret as stored: sealed when `kek` is set, as is otherwise.
std::string SealSecret(const KeyEncryption* kek, absl::string_view secret,
                       RandomSource& random);
// The secret of a stored value. Values stored before a KEK was configured
// are read as they are; a sealed value without a KEK is FAILED_PRECONDITION.
absl::StatusOr<std::string> OpenSecret(const KeyEncryption* kek,
                                       absl::string_view stored);

}  // namespace scim

#endif  // SCIM_COMMON_KEY_ENCRYPTION_H_
