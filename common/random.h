// Injectable randomness: secrets, ids and salts come from here.
#ifndef SCIM_COMMON_RANDOM_H_
#define SCIM_COMMON_RANDOM_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"

namespace scim {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void Fill(uint8_t* out, size_t n) = 0;
  std::string Bytes(size_t n);
  // The process-wide cryptographically secure source (OpenSSL RAND_bytes).
  static RandomSource* Secure();
};

// Deterministic source for tests (splitmix64). Never use for secrets.
class FakeRandom : public RandomSource {
 public:
  explicit FakeRandom(uint64_t seed = 42) : state_(seed) {}
  void Fill(uint8_t* out, size_t n) override;

 private:
  absl::Mutex mu_;
  uint64_t state_ ABSL_GUARDED_BY(mu_);
};

// Lower-case hex of `bytes`.
std::string HexEncode(absl::string_view bytes);
// Unpadded base64url (RFC 4648 §5).
std::string Base64UrlEncode(absl::string_view bytes);

// RFC 9562 UUIDv7: time-ordered to the millisecond (ids made within one
// millisecond are in random order: use UuidV7Generator where order matters).
std::string NewUuidV7(Clock& clock, RandomSource& random);

// UUIDv7s strictly increasing per generator: within one millisecond a 12-bit
// counter in rand_a (RFC 9562 §6.2, method 1) orders them, so resources
// sort in creation order and index pagination lists new ones last.
class UuidV7Generator {
 public:
  UuidV7Generator(Clock* clock, RandomSource* random)
      : clock_(clock), random_(random) {}
  std::string Next();

 private:
  Clock* const clock_;
  RandomSource* const random_;
  absl::Mutex mu_;
  int64_t last_ms_ ABSL_GUARDED_BY(mu_) = -1;
  uint16_t counter_ ABSL_GUARDED_BY(mu_) = 0;
};

// SHA-256 digest (raw 32 bytes).
std::string Sha256(absl::string_view data);

// SHA-256 over data given in pieces (a file streamed in chunks).
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void Update(absl::string_view data);
  // The digest of everything given so far (raw 32 bytes); ends the hasher.
  std::string Finish();

 private:
  void* ctx_;  // EVP_MD_CTX, kept out of this header
};

// HMAC-SHA-256 of `data` under `key` (raw 32 bytes).
std::string HmacSha256(absl::string_view key, absl::string_view data);

// Constant-time equality of two byte strings (length is not secret).
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace scim

#endif  // SCIM_COMMON_RANDOM_H_
