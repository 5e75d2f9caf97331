// CertificateAuthority: orchd's internal CA. It signs the client-authentication certificates
// agents enroll for and, when no server certificate is configured, the agent listener's own.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "pki/certificate.h"
#include "pki/csr.h"

namespace orch::pki {

/// How far back a certificate's notBefore is set, for agents whose clocks run slightly behind.
inline constexpr std::chrono::minutes kNotBeforeBackdate{5};
/// Validity of a generated CA certificate.
inline constexpr std::chrono::hours kCaValidity = std::chrono::days(3650);

/// Where the CA lives and whether it may be created there.
struct CaFiles {
  std::string cert_path;  // PEM certificate
  std::string key_path;   // PEM private key (PKCS#8 or traditional, unencrypted)
  bool generate = true;   // create both when neither exists
};

/// A server certificate and its new private key, PEM, for a TLS listener.
struct ServerCredential {
  std::string cert_chain_pem;  // leaf, then the CA certificate
  std::string key_pem;         // PKCS#8; wipe with Cleanse() when done
};

/// The internal CA: an EC P-256 key and a self-signed certificate. Thread-compatible: const
/// methods may run concurrently.
class CertificateAuthority {
 public:
  /// Loads the CA from `files`, or, when `files.generate` and neither file exists, creates a
  /// new one there (key mode 0600, certificate 0644, written to temporary names and renamed).
  /// FailedPrecondition when only one of the two files exists, the key is readable by others
  /// (mode & 007), the key does not match the certificate, or the certificate is not a CA.
  /// `clock` must outlive the CA.
  static StatusOr<std::unique_ptr<CertificateAuthority>> LoadOrCreate(const CaFiles& files,
                                                                      const Clock& clock);
  ~CertificateAuthority();
  CertificateAuthority(const CertificateAuthority&) = delete;
  CertificateAuthority& operator=(const CertificateAuthority&) = delete;

  /// The CA certificate's facts (DER, thumbprint, subject, validity).
  const CertificateInfo& certificate() const;
  /// The CA certificate as one PEM block.
  std::string CertificatePem() const;
  /// True when the files were created by LoadOrCreate() rather than loaded.
  bool generated() const;

  /// Issues an agent's client certificate for `csr`'s key: subject CN = `client_machine`
  /// (nothing else of the request's subject is kept), EKU clientAuth, a random 128-bit serial,
  /// notBefore now − kNotBeforeBackdate, notAfter now + `validity`. InvalidArgument when
  /// `client_machine` is empty or longer than 64 characters (the CN limit).
  StatusOr<CertificateInfo> SignAgentCertificate(const VerifiedCsr& csr,
                                                 std::string_view client_machine,
                                                 std::chrono::seconds validity) const;

  /// Issues a server certificate (EKU serverAuth) with a new EC P-256 key for `names`, each a
  /// DNS name or an IP address (subjectAltName); CN is the first name. REQUIRES: names not empty.
  StatusOr<ServerCredential> IssueServerCertificate(const std::vector<std::string>& names,
                                                    std::chrono::seconds validity) const;

  /// Ok when `leaf_der` is a certificate this CA issued that is valid now for client
  /// authentication (for certificates a trusted proxy passes on); else Unauthenticated.
  Status VerifyClientCertificate(std::string_view leaf_der) const;

  struct Impl;

 private:
  explicit CertificateAuthority(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace orch::pki
