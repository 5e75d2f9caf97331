// PKCS#12 files as stores of several entries, handled as lists of SafeBags.
#include "pki/pkcs12_store.h"

#include <climits>
#include <memory>
#include <string>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>

#include "pki/hash.h"
#include "pki/import_internal.h"

namespace orch::pki {
namespace {

using internal::OpenSslErrorText;
using internal::OpenSslInternalError;

// Longest password, as for imports: PBE code takes an int length and nobody types more.
constexpr size_t kMaxPasswordBytes = 1024;
constexpr std::string_view kWrongPassword = "wrong password or corrupt PKCS#12";

void FreeBagStack(STACK_OF(PKCS12_SAFEBAG) * bags) {
  sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
}

void FreePkcs7Stack(STACK_OF(PKCS7) * safes) {
  sk_PKCS7_pop_free(safes, PKCS7_free);
}

using BagPtr = std::unique_ptr<PKCS12_SAFEBAG, internal::OpenSslDeleter<&PKCS12_SAFEBAG_free>>;
using BagStackPtr =
    std::unique_ptr<STACK_OF(PKCS12_SAFEBAG), internal::OpenSslDeleter<&FreeBagStack>>;
using Pkcs7StackPtr = std::unique_ptr<STACK_OF(PKCS7), internal::OpenSslDeleter<&FreePkcs7Stack>>;

Status CheckPassword(std::string_view password) {
  if (password.size() > kMaxPasswordBytes || password.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("PKCS#12 password is longer than 1024 bytes or contains NUL");
  }
  return Status::Ok();
}

std::string FriendlyName(PKCS12_SAFEBAG& bag) {
  char* name = PKCS12_get_friendlyname(&bag);
  if (name == nullptr) {
    ERR_clear_error();
    return {};
  }
  std::string out(name);
  OPENSSL_free(name);
  return out;
}

std::string LocalKeyId(const PKCS12_SAFEBAG& bag) {
  const ASN1_TYPE* attr = PKCS12_SAFEBAG_get0_attr(&bag, NID_localKeyID);
  if (attr == nullptr || attr->type != V_ASN1_OCTET_STRING) return {};
  const ASN1_OCTET_STRING* id = attr->value.octet_string;
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(id)),
                     static_cast<size_t>(ASN1_STRING_length(id)));
}

StatusOr<std::string> BagDer(const PKCS12_SAFEBAG& bag) {
  unsigned char* buffer = nullptr;
  int length = i2d_PKCS12_SAFEBAG(&bag, &buffer);
  if (length <= 0) return OpenSslInternalError("encoding a PKCS#12 bag");
  std::string der(reinterpret_cast<const char*>(buffer), static_cast<size_t>(length));
  // A plain keyBag holds its key unencrypted.
  OPENSSL_clear_free(buffer, static_cast<size_t>(length));
  return der;
}

StatusOr<BagPtr> ParseBag(std::string_view der) {
  if (der.empty() || der.size() > static_cast<size_t>(LONG_MAX)) {
    return InvalidArgumentError("PKCS#12 bag is empty or too large");
  }
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  const unsigned char* end = in + der.size();
  BagPtr bag(d2i_PKCS12_SAFEBAG(nullptr, &in, static_cast<long>(der.size())));
  if (!bag || in != end) {
    ERR_clear_error();
    return InvalidArgumentError("PKCS#12 bag is not DER");
  }
  return bag;
}

// X.509 certificates only; other certificate types (SDSI) are kept as kOther bags.
Status ReadCertificateBag(const PKCS12_SAFEBAG& bag, Pkcs12Bag& out) {
  if (PKCS12_SAFEBAG_get_bag_nid(&bag) != NID_x509Certificate) return Status::Ok();
  internal::X509Ptr cert(PKCS12_SAFEBAG_get1_cert(&bag));
  if (!cert) return InvalidArgumentError(OpenSslErrorText("unreadable certificate in PKCS#12"));
  ORCH_ASSIGN_OR_RETURN(out.certificate_der, internal::CertificateDer(*cert));
  out.kind = Pkcs12Bag::Kind::kCertificate;
  return Status::Ok();
}

StatusOr<Pkcs12Bag> DescribeBag(PKCS12_SAFEBAG& bag) {
  Pkcs12Bag out;
  out.friendly_name = FriendlyName(bag);
  out.local_key_id = LocalKeyId(bag);
  ORCH_ASSIGN_OR_RETURN(out.der, BagDer(bag));
  switch (PKCS12_SAFEBAG_get_nid(&bag)) {
    case NID_keyBag:
    case NID_pkcs8ShroudedKeyBag: out.kind = Pkcs12Bag::Kind::kPrivateKey; break;
    case NID_certBag: ORCH_RETURN_IF_ERROR(ReadCertificateBag(bag, out)); break;
    default: break;
  }
  return out;
}

// `password` is null when the file was written with no password at all.
StatusOr<BagStackPtr> UnpackSafe(PKCS7& safe, const char* password) {
  BagStackPtr bags;
  switch (OBJ_obj2nid(safe.type)) {
    case NID_pkcs7_data: bags.reset(PKCS12_unpack_p7data(&safe)); break;
    case NID_pkcs7_encrypted:
      bags.reset(PKCS12_unpack_p7encdata(&safe, password, password == nullptr ? 0 : -1));
      break;
    default:
      return InvalidArgumentError(
          "PKCS#12 holds a public-key encrypted part, which cannot be read");
  }
  if (!bags) return InvalidArgumentError(OpenSslErrorText(kWrongPassword));
  return bags;
}

StatusOr<std::vector<Pkcs12Bag>> ReadBags(PKCS12& p12, const std::string& password) {
  internal::ScopedPkcs12LibCtx scope;
  std::optional<const char*> mac_password = internal::Pkcs12MacPassword(p12, password);
  if (!mac_password) return InvalidArgumentError(std::string(kWrongPassword));
  Pkcs7StackPtr safes(PKCS12_unpack_authsafes(&p12));
  if (!safes) return InvalidArgumentError(OpenSslErrorText(kWrongPassword));
  std::vector<Pkcs12Bag> out;
  for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
    ORCH_ASSIGN_OR_RETURN(BagStackPtr bags,
                          UnpackSafe(*sk_PKCS7_value(safes.get(), i), *mac_password));
    for (int j = 0; j < sk_PKCS12_SAFEBAG_num(bags.get()); ++j) {
      ORCH_ASSIGN_OR_RETURN(Pkcs12Bag bag, DescribeBag(*sk_PKCS12_SAFEBAG_value(bags.get(), j)));
      out.push_back(std::move(bag));
    }
  }
  return out;
}

StatusOr<BagPtr> CertificateBag(std::string_view der, std::string_view what) {
  internal::X509Ptr cert = internal::ParseCertificateDer(der);
  if (!cert) return InvalidArgumentError(std::string(what) + " is not a DER certificate");
  BagPtr bag(PKCS12_SAFEBAG_create_cert(cert.get()));
  if (!bag) return OpenSslInternalError("making a PKCS#12 certificate bag");
  return bag;
}

// The job's PKCS#8 structure is encrypted as given, so the stored key is exactly the job's.
StatusOr<BagPtr> ShroudedKeyBag(std::string_view leaf_der, std::string_view key_der,
                                std::string_view password) {
  internal::X509Ptr leaf = internal::ParseCertificateDer(leaf_der);
  if (!leaf) return InvalidArgumentError("the leaf certificate is not a DER certificate");
  ORCH_ASSIGN_OR_RETURN(internal::PkeyPtr key, internal::ParsePrivateKeyPkcs8Der(key_der));
  if (!internal::KeyMatchesCertificate(*leaf, *key)) {
    return InvalidArgumentError("private key does not match the certificate");
  }
  const auto* in = reinterpret_cast<const unsigned char*>(key_der.data());
  internal::Pkcs8Ptr info(d2i_PKCS8_PRIV_KEY_INFO(nullptr, &in, static_cast<long>(key_der.size())));
  if (!info) return OpenSslInternalError("re-reading a private key");
  std::string password_copy(password);  // OpenSSL wants a C string
  BagPtr bag(PKCS12_SAFEBAG_create_pkcs8_encrypt(NID_aes_256_cbc, password_copy.c_str(),
                                                 static_cast<int>(password_copy.size()), nullptr, 0,
                                                 PKCS12_DEFAULT_ITER, info.get()));
  Cleanse(password_copy);
  if (!bag) return OpenSslInternalError("encrypting a private key for PKCS#12");
  return bag;
}

Status AddAttributes(PKCS12_SAFEBAG& bag, std::string_view alias, std::string& key_id) {
  if (!alias.empty() &&
      PKCS12_add_friendlyname_utf8(&bag, alias.data(), static_cast<int>(alias.size())) != 1) {
    return InvalidArgumentError(OpenSslErrorText("alias cannot be a PKCS#12 friendlyName"));
  }
  if (!key_id.empty() &&
      PKCS12_add_localkeyid(&bag, reinterpret_cast<unsigned char*>(key_id.data()),
                            static_cast<int>(key_id.size())) != 1) {
    return OpenSslInternalError("adding a PKCS#12 localKeyId");
  }
  return Status::Ok();
}

Status AppendBag(PKCS12_SAFEBAG& bag, std::vector<Pkcs12Bag>& out) {
  ORCH_ASSIGN_OR_RETURN(Pkcs12Bag described, DescribeBag(bag));
  out.push_back(std::move(described));
  return Status::Ok();
}

// Empty stacks add nothing; PKCS12_add_safe allocates `*safes` on first use.
bool AddSafe(STACK_OF(PKCS7) * *safes, STACK_OF(PKCS12_SAFEBAG) & bags, int safe_nid,
             const std::string& password) {
  if (sk_PKCS12_SAFEBAG_num(&bags) == 0) return true;
  return PKCS12_add_safe(safes, &bags, safe_nid, PKCS12_DEFAULT_ITER, password.c_str()) == 1;
}

// Certificates (and any other bag) go first, encrypted, as PKCS12_create writes them; shrouded
// keys are encrypted bag by bag already (safe_nid -1 packs them unencrypted).
StatusOr<std::string> Pack(STACK_OF(PKCS12_SAFEBAG) & shrouded, STACK_OF(PKCS12_SAFEBAG) & others,
                           const std::string& password) {
  STACK_OF(PKCS7)* raw_safes = nullptr;
  bool added = AddSafe(&raw_safes, others, NID_aes_256_cbc, password) &&
               AddSafe(&raw_safes, shrouded, -1, password);
  Pkcs7StackPtr safes(raw_safes);
  if (!added) return OpenSslInternalError("encrypting PKCS#12 contents");
  internal::Pkcs12Ptr p12(PKCS12_add_safes(safes.get(), 0));
  if (!p12) return OpenSslInternalError("assembling a PKCS#12");
  if (PKCS12_set_mac(p12.get(), password.c_str(), static_cast<int>(password.size()), nullptr, 0,
                     PKCS12_DEFAULT_ITER, EVP_sha256()) != 1) {
    return OpenSslInternalError("adding the PKCS#12 MAC");
  }
  return internal::Pkcs12Der(*p12);
}

StatusOr<std::string> WriteBags(const std::vector<Pkcs12Bag>& bags, const std::string& password) {
  BagStackPtr shrouded(sk_PKCS12_SAFEBAG_new_null());
  BagStackPtr others(sk_PKCS12_SAFEBAG_new_null());
  if (!shrouded || !others) return OpenSslInternalError("allocating PKCS#12 bag stacks");
  for (const Pkcs12Bag& bag : bags) {
    ORCH_ASSIGN_OR_RETURN(BagPtr parsed, ParseBag(bag.der));
    bool is_shrouded = PKCS12_SAFEBAG_get_nid(parsed.get()) == NID_pkcs8ShroudedKeyBag;
    if (sk_PKCS12_SAFEBAG_push(is_shrouded ? shrouded.get() : others.get(), parsed.get()) <= 0) {
      return OpenSslInternalError("building a PKCS#12 bag stack");
    }
    parsed.release();  // the stack owns it once pushed
  }
  return Pack(*shrouded, *others, password);
}

}  // namespace

StatusOr<std::vector<Pkcs12Bag>> ReadPkcs12Bags(std::string_view der, std::string_view password) {
  ORCH_RETURN_IF_ERROR(CheckPassword(password));
  internal::Pkcs12Ptr p12 = internal::ParsePkcs12Der(der);
  if (!p12) return InvalidArgumentError("not a PKCS#12 file");
  std::string password_copy(password);  // OpenSSL wants a C string
  auto bags = ReadBags(*p12, password_copy);
  Cleanse(password_copy);
  return bags;
}

StatusOr<std::vector<Pkcs12Bag>> MakePkcs12EntryBags(
    std::string_view alias, const CertificateInfo& leaf, const std::vector<CertificateInfo>& chain,
    std::optional<std::string_view> private_key_pkcs8_der, std::string_view password) {
  ORCH_RETURN_IF_ERROR(CheckPassword(password));
  std::string key_id = private_key_pkcs8_der ? Sha1(leaf.der) : std::string();
  std::vector<Pkcs12Bag> out;
  ORCH_ASSIGN_OR_RETURN(BagPtr leaf_bag, CertificateBag(leaf.der, "the leaf certificate"));
  ORCH_RETURN_IF_ERROR(AddAttributes(*leaf_bag, alias, key_id));
  ORCH_RETURN_IF_ERROR(AppendBag(*leaf_bag, out));
  if (private_key_pkcs8_der) {
    ORCH_ASSIGN_OR_RETURN(BagPtr key_bag,
                          ShroudedKeyBag(leaf.der, *private_key_pkcs8_der, password));
    ORCH_RETURN_IF_ERROR(AddAttributes(*key_bag, alias, key_id));
    ORCH_RETURN_IF_ERROR(AppendBag(*key_bag, out));
  }
  for (const CertificateInfo& info : chain) {
    ORCH_ASSIGN_OR_RETURN(BagPtr bag, CertificateBag(info.der, "a chain certificate"));
    ORCH_RETURN_IF_ERROR(AppendBag(*bag, out));
  }
  return out;
}

StatusOr<std::string> WritePkcs12Bags(const std::vector<Pkcs12Bag>& bags,
                                      std::string_view password) {
  ORCH_RETURN_IF_ERROR(CheckPassword(password));
  if (bags.empty()) return InvalidArgumentError("a PKCS#12 needs at least one bag");
  std::string password_copy(password);  // OpenSSL wants a C string
  auto der = WriteBags(bags, password_copy);
  Cleanse(password_copy);
  return der;
}

}  // namespace orch::pki
