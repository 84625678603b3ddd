#include "common/key_encryption.h"

#include <openssl/evp.h>

#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

ABSL_FLAG(std::string, kek_file, "",
          "file holding a base64 32-byte key-encryption key: signing keys are "
          "stored sealed under it");
ABSL_FLAG(std::string, kek, "",
          "the base64 32-byte key-encryption key itself (prefer SCIM_KEK from a "
          "Secret, or --kek_file)");

namespace scim {
namespace {

constexpr absl::string_view kPrefix = "kek1:";
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

absl::StatusOr<std::unique_ptr<KeyEncryption>> KeyEncryption::FromKey(
    absl::string_view kek) {
  if (kek.size() != 32) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the key-encryption key must be 32 bytes (base64 of 32 random bytes), got ",
        kek.size()));
  }
  return std::unique_ptr<KeyEncryption>(new KeyEncryption(std::string(kek)));
}

absl::StatusOr<std::unique_ptr<KeyEncryption>> KeyEncryption::FromFlags() {
  std::string encoded = absl::GetFlag(FLAGS_kek);
  const std::string path = absl::GetFlag(FLAGS_kek_file);
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) return absl::InvalidArgumentError("cannot read --kek_file " + path);
    std::stringstream content;
    content << in.rdbuf();
    encoded = content.str();
  }
  encoded = std::string(absl::StripAsciiWhitespace(encoded));
  if (encoded.empty()) return std::unique_ptr<KeyEncryption>();
  std::string raw;
  if (!absl::Base64Unescape(encoded, &raw)) {
    return absl::InvalidArgumentError("the key-encryption key is not base64");
  }
  return FromKey(raw);
}

bool KeyEncryption::IsSealed(absl::string_view stored) {
  return absl::StartsWith(stored, kPrefix);
}

std::string KeyEncryption::Seal(absl::string_view plaintext,
                                RandomSource& random) const {
  const std::string nonce = random.Bytes(kNonceBytes);
  std::string out(plaintext.size() + kTagBytes, '\0');
  CipherCtx c;
  int len = 0, total = 0;
  unsigned char* dst = reinterpret_cast<unsigned char*>(out.data());
  EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr);
  EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr);
  EVP_EncryptInit_ex(c.ctx, nullptr, nullptr, Bytes(key_), Bytes(nonce));
  EVP_EncryptUpdate(c.ctx, dst, &len, Bytes(plaintext),
                    static_cast<int>(plaintext.size()));
  total = len;
  EVP_EncryptFinal_ex(c.ctx, dst + total, &len);
  total += len;
  EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, dst + total);
  out.resize(total + kTagBytes);
  return absl::StrCat(kPrefix, absl::Base64Escape(nonce + out));
}

absl::StatusOr<std::string> KeyEncryption::Open(absl::string_view sealed) const {
  std::string raw;
  if (!absl::ConsumePrefix(&sealed, kPrefix) || !absl::Base64Unescape(sealed, &raw) ||
      raw.size() < kNonceBytes + kTagBytes) {
    return absl::DataLossError("not a sealed secret");
  }
  const absl::string_view nonce(raw.data(), kNonceBytes);
  const absl::string_view body(raw.data() + kNonceBytes,
                               raw.size() - kNonceBytes - kTagBytes);
  std::string tag = raw.substr(raw.size() - kTagBytes);
  std::string out(body.size(), '\0');
  CipherCtx c;
  int len = 0;
  unsigned char* dst = reinterpret_cast<unsigned char*>(out.data());
  const bool ok =
      EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_IVLEN, kNonceBytes, nullptr) == 1 &&
      EVP_DecryptInit_ex(c.ctx, nullptr, nullptr, Bytes(key_), Bytes(nonce)) == 1 &&
      EVP_DecryptUpdate(c.ctx, dst, &len, Bytes(body), static_cast<int>(body.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(c.ctx, dst + len, &len) == 1;
  if (!ok) {
    return absl::DataLossError(
        "a sealed secret does not open with this key-encryption key (another "
        "key, or the stored value was altered)");
  }
  return out;
}

std::string SealSecret(const KeyEncryption* kek, absl::string_view secret,
                       RandomSource& random) {
  return kek == nullptr ? std::string(secret) : kek->Seal(secret, random);
}

absl::StatusOr<std::string> OpenSecret(const KeyEncryption* kek,
                                       absl::string_view stored) {
  if (!KeyEncryption::IsSealed(stored)) return std::string(stored);
  if (kek == nullptr) {
    return absl::FailedPreconditionError(
        "a signing key is sealed with a key-encryption key, but none is "
        "configured (--kek_file or SCIM_KEK)");
  }
  return kek->Open(stored);
}

}  // namespace scim
