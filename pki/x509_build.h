// Internal to pki/: building and encoding X.509 certificates for the internal CA.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <openssl/x509.h>

#include "common/clock.h"
#include "common/status.h"
#include "pki/openssl_util.h"

namespace orch::pki::internal {

/// A new EC P-256 key from the default provider.
StatusOr<PkeyPtr> NewEcP256Key();

/// Adds "CN=<common_name>" (UTF-8) to `name`. InvalidArgument when the CN is empty or over 64
/// characters (RFC 5280's ub-common-name).
Status AddCommonName(X509_NAME& name, std::string_view common_name);

/// A version-3 certificate with a random positive 128-bit serial, subject "CN=<common_name>"
/// (plus "O=<organization>" when given), `public_key` and the validity [not_before, not_after].
/// The issuer name is left for SignWith(). InvalidArgument when the CN is empty or over 64
/// characters.
StatusOr<X509Ptr> NewCertificate(std::string_view common_name, std::string_view organization,
                                 EVP_PKEY& public_key, WallTime not_before, WallTime not_after);

/// Adds the extension `nid` written in OpenSSL's config syntax ("critical,CA:TRUE"), with
/// `issuer` as the issuer for key identifiers.
Status AddExtension(X509& cert, X509& issuer, int nid, const char* value);

/// Adds a subjectAltName of DNS names and IP addresses (an entry that parses as an IP address
/// is one).
Status AddSubjectAltNames(X509& cert, const std::vector<std::string>& names);

/// Sets the issuer name from `issuer` and signs with `issuer_key` (SHA-256 where the key type
/// takes a digest).
Status SignWith(X509& cert, X509& issuer, EVP_PKEY& issuer_key);

/// `cert` as one PEM CERTIFICATE block.
StatusOr<std::string> CertificatePem(X509& cert);

/// `key` as an unencrypted PKCS#8 PEM block. Wipe the result when done.
StatusOr<std::string> PrivateKeyPem(EVP_PKEY& key);

/// Parses the first CERTIFICATE block of `pem`.
StatusOr<X509Ptr> ParseCertificatePem(std::string_view pem);

/// Parses the first unencrypted private key block of `pem` (PKCS#8 or traditional).
StatusOr<PkeyPtr> ParsePrivateKeyPem(std::string_view pem);

}  // namespace orch::pki::internal
