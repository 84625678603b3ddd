// TLS for HTTP and gRPC, from the same four flags in every binary:
//   --tls_cert, --tls_key   this process's certificate (servers; also the
//                           client certificate it presents for mutual TLS)
//   --tls_ca                CA that the servers this process calls must chain to
//   --tls_client_ca         servers: require client certificates from this CA
// All empty = plaintext (development, or TLS terminated at the ingress).
#ifndef SCIM_COMMON_TLS_H_
#define SCIM_COMMON_TLS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace scim {

struct TlsFiles {
  std::string cert, key, ca, client_ca;
  bool serving_tls() const { return !cert.empty(); }
};

TlsFiles TlsFilesFromFlags();

// Insecure when no certificate is given; an error when only half of the
// certificate/key pair is, or a file cannot be read.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> GrpcServerCredentials(
    const TlsFiles& files);
// Insecure when no CA is given; presents cert/key when both are set.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> GrpcChannelCredentials(
    const TlsFiles& files);

absl::StatusOr<std::string> ReadFileToString(const std::string& path);

// The end of validity (Unix seconds) of the first certificate in the PEM
// `pem`.
absl::StatusOr<int64_t> CertificateNotAfter(const std::string& pem);
// Exports scim_tls_certificate_expiry_timestamp_seconds{listener} for the
// certificate a listener serves ("http", "grpc"): the expiry alert reads it.
void ExportCertificateExpiry(const std::string& pem, const std::string& listener);

}  // namespace scim

#endif  // SCIM_COMMON_TLS_H_
