#include "common/tls.h"

#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/metrics.h"
#include "openssl/asn1.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "prometheus/gauge.h"

ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate: serve HTTPS / gRPC over TLS (and present it as "
          "the client certificate for mutual TLS)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key for --tls_cert");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA bundle: call other services over TLS, verifying them "
          "against it");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA bundle: as a server, require client certificates signed by "
          "it (mutual TLS)");

namespace scim {

TlsFiles TlsFilesFromFlags() {
  return TlsFiles{absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key),
                  absl::GetFlag(FLAGS_tls_ca), absl::GetFlag(FLAGS_tls_client_ca)};
}

absl::StatusOr<std::string> ReadFileToString(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

namespace {

absl::Status CheckPair(const TlsFiles& files) {
  if (files.cert.empty() != files.key.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert and --tls_key go together: give both or neither");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    const TlsFiles& files) {
  if (absl::Status s = CheckPair(files); !s.ok()) return s;
  if (!files.serving_tls()) {
    if (!files.client_ca.empty()) {
      return absl::InvalidArgumentError("--tls_client_ca needs --tls_cert");
    }
    return grpc::InsecureServerCredentials();
  }
  auto cert = ReadFileToString(files.cert);
  if (!cert.ok()) return cert.status();
  ExportCertificateExpiry(*cert, "grpc");
  auto key = ReadFileToString(files.key);
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!files.client_ca.empty()) {
    auto client_ca = ReadFileToString(files.client_ca);
    if (!client_ca.ok()) return client_ca.status();
    options.pem_root_certs = *client_ca;
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> GrpcChannelCredentials(
    const TlsFiles& files) {
  if (absl::Status s = CheckPair(files); !s.ok()) return s;
  if (files.ca.empty()) return grpc::InsecureChannelCredentials();
  auto ca = ReadFileToString(files.ca);
  if (!ca.ok()) return ca.status();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = *ca;
  if (!files.cert.empty()) {
    auto cert = ReadFileToString(files.cert);
    if (!cert.ok()) return cert.status();
    auto key = ReadFileToString(files.key);
    if (!key.ok()) return key.status();
    options.pem_cert_chain = *cert;
    options.pem_private_key = *key;
  }
  return grpc::SslCredentials(options);
}

absl::StatusOr<int64_t> CertificateNotAfter(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return absl::InternalError("out of memory");
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) return absl::InvalidArgumentError("not a PEM certificate");
  tm when{};
  const int ok = ASN1_TIME_to_tm(X509_get0_notAfter(cert), &when);
  X509_free(cert);
  if (ok != 1) return absl::InvalidArgumentError("the certificate's notAfter is unreadable");
  return static_cast<int64_t>(timegm(&when));
}

void ExportCertificateExpiry(const std::string& pem, const std::string& listener) {
  static auto& expiry = prometheus::BuildGauge()
                            .Name("scim_tls_certificate_expiry_timestamp_seconds")
                            .Help("When the certificate a listener serves expires (Unix seconds)")
                            .Register(MetricsRegistry());
  absl::StatusOr<int64_t> not_after = CertificateNotAfter(pem);
  if (not_after.ok()) expiry.Add({{"listener", listener}}).Set(static_cast<double>(*not_after));
}

}  // namespace scim
