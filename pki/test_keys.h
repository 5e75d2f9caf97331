// Test-only: keys and certificate signing requests generated at test time with OpenSSL, for
// the CA, agent API and end-to-end tests. Compiled into the orch_pki_testing library only.
#pragma once

#include <string>
#include <string_view>

namespace orch::pki::testing {

/// Key types the tests need, including ones orchd refuses.
enum class TestKeyType { kEcP256, kEcP384, kEcP521, kEcSecp256k1, kRsa1024, kRsa2048 };

/// A private key in PEM and DER.
struct TestKey {
  std::string pkcs8_pem;  // PRIVATE KEY
  std::string pkcs8_der;  // PrivateKeyInfo
};

/// A new key of `type`.
TestKey GenerateTestKey(TestKeyType type);

/// A PKCS#10 request (DER) for `key` with subject CN=`common_name`, signed with SHA-256: MakeCsr()
/// for a key of any TestKeyType, aborting on failure.
std::string MakeCsrDer(const TestKey& key, std::string_view common_name);

/// `csr_der` with the last byte of its signature flipped: well-formed, signature wrong.
std::string CorruptCsrSignature(std::string csr_der);

/// `der` wrapped in a PEM block with `label` ("CERTIFICATE", "CERTIFICATE REQUEST").
std::string DerToPem(std::string_view der, std::string_view label);

/// Uppercase hex SHA-1 of `der`, computed independently of pki/.
std::string Sha1HexUpper(std::string_view der);

}  // namespace orch::pki::testing
