// An agent's own credential: the key it makes on its host, the request that enrolls that key,
// and the facts it needs about the certificate it gets back.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace orch::pki {

/// A private key made on the agent's host.
struct AgentKey {
  std::string private_key_pem;  // unencrypted PKCS#8 PRIVATE KEY; wipe with Cleanse() when done
};

/// The validity and thumbprint of a certificate.
struct CertificateLifetime {
  WallTime not_before;
  WallTime not_after;
  std::string thumbprint;  // SHA-1 of the DER, 40 uppercase hex characters
};

/// A new EC P-256 key drawn from OpenSSL's CSPRNG.
StatusOr<AgentKey> NewAgentKey();

/// A DER PKCS#10 request for the key in `private_key_pem` (an unencrypted PKCS#8 or traditional
/// RSA or EC key), subject CN=`common_name`, signed with SHA-256; one made from NewAgentKey()
/// passes VerifyCsr(). InvalidArgument when the PEM holds no such key or the CN is empty or
/// over 64 characters.
StatusOr<std::string> MakeCsr(const std::string& private_key_pem, std::string_view common_name);

/// The lifetime of the certificate in `der_or_pem`: one DER certificate, or PEM text whose
/// first CERTIFICATE block is read. InvalidArgument when it is neither.
StatusOr<CertificateLifetime> ReadCertificateLifetime(std::string_view der_or_pem);

/// True when `private_key_pem` is the private half of the public key of the certificate in
/// `certificate_der_or_pem` (read as ReadCertificateLifetime() does); false when either
/// cannot be read.
bool KeyMatchesCertificate(const std::string& private_key_pem,
                           std::string_view certificate_der_or_pem);

}  // namespace orch::pki
