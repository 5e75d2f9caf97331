// Internal to pki/: the readers behind ImportCertificate(), one per input format.
#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"
#include "pki/openssl_util.h"

namespace orch::pki::internal {

/// What an input held, before the leaf is chosen and the chain ordered.
struct KeyAndCertificates {
  PkeyPtr key;                 // null when the input held no private key
  std::vector<X509Ptr> certs;  // in input order
};

/// True when `bytes` looks like PEM text (holds a "-----BEGIN " line).
bool LooksLikePem(std::string_view bytes);

/// Reads every CERTIFICATE block and at most one private-key block of PEM text.
StatusOr<KeyAndCertificates> ReadPem(std::string_view bytes, std::string_view password);

/// Parses a DER PKCS#12 spanning all of `der`; nullptr when it is not one.
Pkcs12Ptr ParsePkcs12Der(std::string_view der);

/// Decrypts `p12` with `password` and returns its key and certificates.
StatusOr<KeyAndCertificates> ReadPkcs12(PKCS12& p12, std::string_view password);

}  // namespace orch::pki::internal
