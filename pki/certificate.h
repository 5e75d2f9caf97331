// Certificates as orchd keeps them: the DER plus the facts the API shows, imported from PEM,
// DER or PKCS#12, and PKCS#12 built for handing a certificate with its key to an agent.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "pki/base64.h"

namespace orch::pki {

/// Largest import accepted by ImportCertificate(), in bytes after base64 decoding.
inline constexpr size_t kMaxImportBytes = size_t{1} << 20;

/// One X.509 certificate: its DER and the facts the API shows about it.
///
/// Distinguished names read most-specific first with ", " between attributes and " + "
/// inside a multi-valued RDN, e.g. "CN=host.example.com, O=Example, C=US" (RFC 2253 order and
/// escaping, OpenSSL short names such as ST and emailAddress, UTF-8 kept as UTF-8).
/// Validity times beyond WallTime's range (after 2262, e.g. 99991231235959Z) are clamped.
struct CertificateInfo {
  std::string der;            // the certificate, DER-encoded
  std::string thumbprint;     // SHA-1 of `der`, 40 uppercase hex characters
  std::string serial_number;  // uppercase hex of the serial's bytes, e.g. "0A1B2C"
  std::string issued_dn;      // subject
  std::string issuer_dn;      // issuer
  WallTime not_before;
  WallTime not_after;
};

/// A certificate with its chain and, when the input held one, its private key.
struct ImportedCertificate {
  CertificateInfo leaf;
  /// The leaf's issuers from the nearest up; then any other certificates of the input, in
  /// input order. Duplicates are dropped.
  std::vector<CertificateInfo> chain;
  /// Unencrypted PKCS#8 PrivateKeyInfo DER matching `leaf`. Keep it only in memory: seal it
  /// with SecretBox before storing it, and wipe it with Cleanse() (pki/hash.h) when done.
  std::optional<std::string> private_key_pkcs8_der;

  /// True when a private key came with the certificate.
  bool HasPrivateKey() const { return private_key_pkcs8_der.has_value(); }
};

/// The facts of one DER certificate; InvalidArgument when `der` is not exactly one.
StatusOr<CertificateInfo> DescribeCertificate(std::string_view der);

/// The thumbprint of the certificate whose DER encoding is `der` (the SHA-1 of those bytes in
/// uppercase hex), as DescribeCertificate gives it for canonical DER, without parsing it.
std::string CertificateThumbprint(std::string_view der);

/// Imports a certificate from raw (already base64-decoded) bytes, detecting the format:
/// - PEM: CERTIFICATE blocks, optionally one PRIVATE KEY, RSA/EC PRIVATE KEY or ENCRYPTED
///   PRIVATE KEY block (`password` decrypts an encrypted key); other blocks are skipped;
/// - DER: a single certificate;
/// - PKCS#12: decrypted with `password` (may be empty); legacy RC2/3DES files are accepted.
/// The leaf is the certificate matching the private key when there is one, otherwise the
/// first certificate that issued none of the others. Errors (all InvalidArgument): empty or
/// larger than kMaxImportBytes; "not a PEM, DER or PKCS#12 certificate"; "wrong password or
/// corrupt PKCS#12"; more than 100 certificates; a private key that matches no certificate;
/// a password over 1024 bytes or containing NUL.
StatusOr<ImportedCertificate> ImportCertificate(std::string_view bytes, std::string_view password);

/// A PKCS#12 holding `leaf` (friendly name `alias`, none when empty), `chain` and, when given,
/// the PKCS#8 DER private key, protected by `password` with AES-256-CBC (PBKDF2-SHA-256) and
/// a SHA-256 MAC. InvalidArgument on bad DER, a key that does not match `leaf`, or a password
/// containing NUL.
StatusOr<std::string> BuildPkcs12(const CertificateInfo& leaf,
                                  const std::vector<CertificateInfo>& chain,
                                  std::optional<std::string_view> private_key_pkcs8_der,
                                  std::string_view password, std::string_view alias);

}  // namespace orch::pki
