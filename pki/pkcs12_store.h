// PKCS#12 files as certificate stores with several entries, each a certificate (and its key)
// under an alias (friendlyName). Files are read and written bag by bag, so the bags of
// entries nobody changes are written back exactly as they were read: their certificates and
// their keys, which stay encrypted under the file's password.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pki/certificate.h"

namespace orch::pki {

/// One SafeBag of a PKCS#12 file.
struct Pkcs12Bag {
  enum class Kind { kCertificate, kPrivateKey, kOther };
  Kind kind = Kind::kOther;
  std::string friendly_name;    // the friendlyName attribute as UTF-8; empty when absent
  std::string local_key_id;     // the localKeyId attribute's bytes; empty when absent
  std::string certificate_der;  // kCertificate only: the X.509 certificate
  /// The SafeBag, DER-encoded. A kPrivateKey bag is either a pkcs8ShroudedKeyBag (encrypted
  /// under the file's password) or, as some tools write them, a plain keyBag: wipe it.
  std::string der;
};

/// Every bag of the DER PKCS#12 `der`, in file order, after checking its MAC with
/// `password` (an empty password also matches files written with none). InvalidArgument:
/// "not a PKCS#12 file"; "wrong password or corrupt PKCS#12"; content it cannot open (a
/// public-key-encrypted safe); a password over 1024 bytes or containing NUL.
/// Legacy-encrypted files (RC2-40, 3DES) are read too.
StatusOr<std::vector<Pkcs12Bag>> ReadPkcs12Bags(std::string_view der, std::string_view password);

/// The bags of one entry: `leaf` with friendlyName `alias` (none when empty); when
/// `private_key_pkcs8_der` is given, the key as a pkcs8ShroudedKeyBag encrypted under
/// `password` (PBES2: PBKDF2-HMAC-SHA-256, AES-256-CBC) with the same friendlyName, and both
/// bags carrying localKeyId = SHA-1 of the leaf's DER; then one bag without attributes per
/// `chain` certificate. InvalidArgument on bad DER, a key that does not match `leaf`, or a
/// password as ReadPkcs12Bags() refuses it.
StatusOr<std::vector<Pkcs12Bag>> MakePkcs12EntryBags(
    std::string_view alias, const CertificateInfo& leaf, const std::vector<CertificateInfo>& chain,
    std::optional<std::string_view> private_key_pkcs8_der, std::string_view password);

/// A DER PKCS#12 of `bags`, in order, under `password`: pkcs8ShroudedKeyBags in a plain
/// SafeContents (they are encrypted already), every other bag in one SafeContents encrypted
/// with AES-256-CBC (PBKDF2-HMAC-SHA-256), and a SHA-256 MAC. InvalidArgument when `bags` is
/// empty, a bag is not DER, or the password is refused as by ReadPkcs12Bags().
StatusOr<std::string> WritePkcs12Bags(const std::vector<Pkcs12Bag>& bags,
                                      std::string_view password);

}  // namespace orch::pki
