#include "common/random.h"

#include <optional>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"

namespace scim {
namespace {

class SecureRandom : public RandomSource {
 public:
  void Fill(uint8_t* out, size_t n) override {
    if (RAND_bytes(out, static_cast<int>(n)) != 1) {
      // Without entropy no secret is safe to issue; stopping is the only
      // correct answer.
      std::abort();
    }
  }
};

}  // namespace

std::string RandomSource::Bytes(size_t n) {
  std::string out(n, '\0');
  Fill(reinterpret_cast<uint8_t*>(out.data()), n);
  return out;
}

RandomSource* RandomSource::Secure() {
  static SecureRandom* source = new SecureRandom();
  return source;
}

void FakeRandom::Fill(uint8_t* out, size_t n) {
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < n; ++i) {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    out[i] = static_cast<uint8_t>(z ^ (z >> 31));
  }
}

std::string HexEncode(absl::string_view bytes) {
  return absl::BytesToHexString(bytes);
}

std::string Base64UrlEncode(absl::string_view bytes) {
  return absl::WebSafeBase64Escape(bytes);
}

namespace {

// `b` holds random bytes; sets the timestamp, version and variant, and
// (when given) the 12 bits of rand_a.
std::string FormatUuidV7(uint8_t b[16], uint64_t ms,
                         std::optional<uint16_t> rand_a = std::nullopt) {
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  if (rand_a.has_value()) {
    b[6] = static_cast<uint8_t>(*rand_a >> 8);
    b[7] = static_cast<uint8_t>(*rand_a & 0xff);
  }
  b[6] = static_cast<uint8_t>(0x70 | (b[6] & 0x0f));
  b[8] = static_cast<uint8_t>(0x80 | (b[8] & 0x3f));
  std::string hex = HexEncode(
      absl::string_view(reinterpret_cast<const char*>(b), 16));
  return absl::StrFormat("%s-%s-%s-%s-%s", hex.substr(0, 8), hex.substr(8, 4),
                         hex.substr(12, 4), hex.substr(16, 4), hex.substr(20));
}

}  // namespace

std::string NewUuidV7(Clock& clock, RandomSource& random) {
  uint8_t b[16];
  random.Fill(b, sizeof(b));
  return FormatUuidV7(b, static_cast<uint64_t>(absl::ToUnixMillis(clock.Now())));
}

std::string UuidV7Generator::Next() {
  uint8_t b[16];
  random_->Fill(b, sizeof(b));
  int64_t ms = absl::ToUnixMillis(clock_->Now());
  uint16_t counter;
  {
    absl::MutexLock lock(&mu_);
    if (ms > last_ms_) {
      // A random start with the top bit clear leaves room for 2,048 more ids
      // in this millisecond.
      counter_ = static_cast<uint16_t>(((b[6] << 8) | b[7]) & 0x7ff);
      last_ms_ = ms;
    } else if (++counter_ > 0xfff) {
      // Counter spent (or the clock went back): borrow the next millisecond.
      counter_ = 0;
      ++last_ms_;
    }
    ms = last_ms_;
    counter = counter_;
  }
  return FormatUuidV7(b, static_cast<uint64_t>(ms), counter);
}

std::string Sha256(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof(digest));
}

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr);
}

Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256Hasher::Update(absl::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

std::string Sha256Hasher::Finish() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), digest, &len);
  return std::string(reinterpret_cast<char*>(digest), len);
}

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
       &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace scim
