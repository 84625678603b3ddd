#include "common/signing_key.h"

#include "absl/strings/str_cat.h"

#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "common/secret_file.h"

namespace scim {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

Pkey PrivateKey(absl::string_view seed) {
  return Pkey(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(seed.data()), seed.size()));
}

}  // namespace

absl::StatusOr<SigningKey> SigningKey::FromSeed(absl::string_view seed) {
  if (seed.size() != 32) {
    return absl::InvalidArgumentError("an Ed25519 seed is 32 bytes");
  }
  Pkey key = PrivateKey(seed);
  if (!key) return absl::InternalError("OpenSSL rejected the Ed25519 seed");
  unsigned char pub[32];
  size_t len = sizeof(pub);
  if (EVP_PKEY_get_raw_public_key(key.get(), pub, &len) != 1 || len != 32) {
    return absl::InternalError("cannot derive the Ed25519 public key");
  }
  SigningKey out;
  out.seed_ = std::string(seed);
  out.public_key_ = std::string(reinterpret_cast<char*>(pub), len);
  return out;
}

absl::StatusOr<SigningKey> SigningKey::Generate(RandomSource& random) {
  return FromSeed(random.Bytes(32));
}

absl::StatusOr<SigningKey> SigningKey::LoadOrCreate(const std::string& path,
                                                    RandomSource& random,
                                                    const KeyEncryption* kek) {
  const std::string seed = random.Bytes(32);
  auto content = LoadOrCreateSecretFile(
      path, kek != nullptr ? kek->Seal(seed, random) : absl::Base64Escape(seed));
  if (!content.ok()) return content.status();
  if (KeyEncryption::IsSealed(*content)) {
    auto opened = OpenSecret(kek, *content);
    if (!opened.ok()) {
      return absl::Status(opened.status().code(),
                          absl::StrCat(path, ": ", opened.status().message()));
    }
    return FromSeed(*opened);
  }
  std::string stored;
  if (!absl::Base64Unescape(*content, &stored)) {
    return absl::DataLossError("signing key file is not base64: " + path);
  }
  return FromSeed(stored);
}

std::string SigningKey::Sign(absl::string_view message) const {
  Pkey key = PrivateKey(seed_);
  MdCtx ctx(EVP_MD_CTX_new());
  unsigned char sig[64];
  size_t len = sizeof(sig);
  if (!key || !ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &len,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    return "";
  }
  return std::string(reinterpret_cast<char*>(sig), len);
}

bool VerifySignature(absl::string_view public_key, absl::string_view message,
                     absl::string_view signature) {
  Pkey key(EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(public_key.data()),
      public_key.size()));
  MdCtx ctx(EVP_MD_CTX_new());
  return key && ctx &&
         EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr,
                              key.get()) == 1 &&
         EVP_DigestVerify(
             ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
             signature.size(),
             reinterpret_cast<const unsigned char*>(message.data()),
             message.size()) == 1;
}

}  // namespace scim
