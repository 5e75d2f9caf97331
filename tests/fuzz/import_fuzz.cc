// Certificate, CSR and PKCS#12 import (SPEC §7.2, §6): the first byte gives the length of a
// password taken from the input's end; the rest is the file. Every reader of untrusted
// certificate bytes sees it.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "pki/certificate.h"
#include "pki/csr.h"
#include "pki/pem.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t password_size = std::min<size_t>(data[0] % 16, rest.size());
  const std::string_view bytes = rest.substr(0, rest.size() - password_size);
  const std::string_view password = rest.substr(rest.size() - password_size);
  (void)orch::pki::ImportCertificate(bytes, password);
  (void)orch::pki::VerifyCsr(bytes);
  (void)orch::pki::DescribeCertificate(bytes);
  (void)orch::pki::ReadPemCertificateFile(bytes);
  return 0;
}
