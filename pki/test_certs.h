// Test-only: certificates, keys and PKCS#12 files generated at test time with OpenSSL, so no
// binary fixtures live in the repository. Compiled into pki_test and the orch_pki_test_certs
// library that the end-to-end tests link.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"

namespace orch::pki::testing {

/// A certificate and its private key in the encodings the import tests feed in.
struct TestCredential {
  std::string cert_der;
  std::string cert_pem;                       // one CERTIFICATE block
  std::string key_pkcs8_der;                  // unencrypted PrivateKeyInfo
  std::string key_pkcs8_pem;                  // PRIVATE KEY
  std::string key_traditional_pem;            // RSA PRIVATE KEY or EC PRIVATE KEY
  std::string key_encrypted_pkcs8_pem;        // ENCRYPTED PRIVATE KEY under kPemKeyPassword
  std::string key_encrypted_traditional_pem;  // Proc-Type: 4,ENCRYPTED under kPemKeyPassword
};

/// Root CA → issuing CA → leaf, all with keys of one type.
struct TestChain {
  TestCredential root;
  TestCredential issuing;
  TestCredential leaf;
};

/// Password of the encrypted PEM keys.
inline constexpr std::string_view kPemKeyPassword = "pem-key-secret";

/// The leaf's subject as ImportCertificate() shows it.
inline constexpr std::string_view kLeafDn = "CN=leaf.example.com, OU=Web, O=Example Org, C=US";
/// The issuing CA's subject as ImportCertificate() shows it.
inline constexpr std::string_view kIssuingDn = "CN=Test Issuing CA, O=Example Org, C=US";
/// The root's subject as ImportCertificate() shows it.
inline constexpr std::string_view kRootDn = "CN=Test Root CA, O=Example Org, C=US";
/// The leaf's serial number as ImportCertificate() shows it.
inline constexpr std::string_view kLeafSerial = "0A1B2C3D4E5F";

/// The leaf's validity: 2024-01-02T03:04:05Z to 2034-01-02T03:04:05Z. The root's notAfter is
/// 9999-12-31T23:59:59Z.
WallTime LeafNotBefore();
WallTime LeafNotAfter();

/// A P-256 chain, generated once per process.
const TestChain& EcChain();
/// An RSA-2048 chain, generated once per process.
const TestChain& RsaChain();

/// One attribute of a distinguished name; `same_rdn` joins it to the previous attribute's RDN.
struct NameEntry {
  std::string field;  // "CN", "O", ...
  std::string value;  // UTF-8
  bool same_rdn = false;
};

/// A self-signed P-256 certificate whose subject has `entries` in order (root-most first).
std::string SelfSignedDer(const std::vector<NameEntry>& entries);

/// A PKCS#12 written directly with OpenSSL (AES-256-CBC, SHA-256 MAC) holding `leaf` with its
/// key and `chain`, or with RC2-40/3DES and a SHA-1 MAC (Windows-2016 style) when `legacy`.
std::string MakePkcs12(const TestCredential& leaf, const std::vector<const TestCredential*>& chain,
                       std::string_view password, bool legacy = false);

/// Uppercase hex SHA-1 of `der`, computed here independently of pki/.
std::string IndependentThumbprint(std::string_view der);

/// True when the PKCS#8 DER key is the private half of the DER certificate's public key.
bool KeyMatchesCert(std::string_view key_pkcs8_der, std::string_view cert_der);

}  // namespace orch::pki::testing
