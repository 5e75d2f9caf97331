// PEM text of certificate files: encoding blocks, and reading what a certificate file holds
// without decoding any private key in it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace orch::pki {

/// What a PEM certificate file holds.
struct PemFileContents {
  std::vector<std::string> certificate_ders;  // every certificate block, in file order
  size_t private_key_blocks = 0;  // blocks labelled "... PRIVATE KEY", counted, not decoded
};

/// `der` as one PEM block labelled `label` ("CERTIFICATE", "PRIVATE KEY"): base64 in lines
/// of 64 characters, ending in a newline. Wipe the result (Cleanse) when it holds a key.
std::string PemEncode(std::string_view der, std::string_view label);

/// Reads PEM text as a certificate file. Empty or whitespace-only text holds nothing.
/// Otherwise every block must be well-formed, every certificate block must hold one X.509
/// certificate, and there must be at least one; InvalidArgument says which rule failed.
/// Text between blocks and blocks of other labels are ignored.
StatusOr<PemFileContents> ReadPemCertificateFile(std::string_view text);

}  // namespace orch::pki
