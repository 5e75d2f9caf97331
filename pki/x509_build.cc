#include "pki/x509_build.h"

#include <ctime>
#include <memory>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/guid.h"

namespace orch::pki::internal {
namespace {

using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<&BN_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<&GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, OpenSslDeleter<&GENERAL_NAME_free>>;

constexpr size_t kMaxCommonNameChars = 64;  // ub-common-name, RFC 5280

// Characters, not bytes: UTF-8 continuation bytes do not count.
size_t Utf8Length(std::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

Status SetRandomSerial(X509& cert) {
  std::string bytes = RandomBytes(16);
  bytes[0] = static_cast<char>(bytes[0] & 0x7F);  // positive
  bytes[0] = static_cast<char>(bytes[0] | 0x40);  // and 16 bytes long: never zero
  BignumPtr serial(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                             static_cast<int>(bytes.size()), nullptr));
  if (!serial || BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(&cert)) == nullptr) {
    return OpenSslInternalError("setting a serial number");
  }
  return Status::Ok();
}

Status AddNameEntry(X509_NAME& name, const char* field, std::string_view value) {
  if (X509_NAME_add_entry_by_txt(&name, field, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1) {
    return InvalidArgumentError(OpenSslErrorText(std::string("cannot use as ") + field));
  }
  return Status::Ok();
}

Status SetValidity(X509& cert, WallTime not_before, WallTime not_after) {
  const std::time_t from = std::chrono::system_clock::to_time_t(not_before);
  const std::time_t to = std::chrono::system_clock::to_time_t(not_after);
  if (ASN1_TIME_set(X509_getm_notBefore(&cert), from) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(&cert), to) == nullptr) {
    return OpenSslInternalError("setting the validity");
  }
  return Status::Ok();
}

StatusOr<GeneralNamePtr> NewGeneralName(const std::string& name) {
  GeneralNamePtr general(GENERAL_NAME_new());
  if (!general) return OpenSslInternalError("allocating a name");
  if (ASN1_OCTET_STRING* ip = a2i_IPADDRESS(name.c_str())) {
    GENERAL_NAME_set0_value(general.get(), GEN_IPADD, ip);
    return general;
  }
  ERR_clear_error();
  ASN1_IA5STRING* dns = ASN1_IA5STRING_new();
  if (dns == nullptr || ASN1_STRING_set(dns, name.data(), static_cast<int>(name.size())) != 1) {
    ASN1_IA5STRING_free(dns);
    return OpenSslInternalError("encoding a DNS name");
  }
  GENERAL_NAME_set0_value(general.get(), GEN_DNS, dns);
  return general;
}

int NoPassword(char*, int, int, void*) {
  return 0;
}

}  // namespace

Status AddCommonName(X509_NAME& name, std::string_view common_name) {
  if (common_name.empty() || Utf8Length(common_name) > kMaxCommonNameChars) {
    return InvalidArgumentError("a CN must have 1 to 64 characters");
  }
  return AddNameEntry(name, "CN", common_name);
}

StatusOr<PkeyPtr> NewEcP256Key() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return OpenSslInternalError("generating an EC P-256 key");
  return key;
}

StatusOr<X509Ptr> NewCertificate(std::string_view common_name, std::string_view organization,
                                 EVP_PKEY& public_key, WallTime not_before, WallTime not_after) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return OpenSslInternalError("allocating a certificate");
  }
  ORCH_RETURN_IF_ERROR(SetRandomSerial(*cert));
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (!organization.empty()) ORCH_RETURN_IF_ERROR(AddNameEntry(*subject, "O", organization));
  ORCH_RETURN_IF_ERROR(AddCommonName(*subject, common_name));
  ORCH_RETURN_IF_ERROR(SetValidity(*cert, not_before, not_after));
  if (X509_set_pubkey(cert.get(), &public_key) != 1) {
    return OpenSslInternalError("setting the public key");
  }
  return cert;
}

Status AddExtension(X509& cert, X509& issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, &issuer, &cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return OpenSslInternalError(std::string("building extension ") + value);
  const int added = X509_add_ext(&cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (added != 1) return OpenSslInternalError(std::string("adding extension ") + value);
  return Status::Ok();
}

Status AddSubjectAltNames(X509& cert, const std::vector<std::string>& names) {
  GeneralNamesPtr general_names(sk_GENERAL_NAME_new_null());
  if (!general_names) return OpenSslInternalError("allocating names");
  for (const std::string& name : names) {
    ORCH_ASSIGN_OR_RETURN(GeneralNamePtr general, NewGeneralName(name));
    GENERAL_NAME* raw = general.release();  // the stack owns it once pushed
    if (sk_GENERAL_NAME_push(general_names.get(), raw) <= 0) {
      GENERAL_NAME_free(raw);
      return OpenSslInternalError("adding a name");
    }
  }
  if (X509_add1_ext_i2d(&cert, NID_subject_alt_name, general_names.get(), 0, 0) != 1) {
    return OpenSslInternalError("adding subjectAltName");
  }
  return Status::Ok();
}

Status SignWith(X509& cert, X509& issuer, EVP_PKEY& issuer_key) {
  if (X509_set_issuer_name(&cert, X509_get_subject_name(&issuer)) != 1) {
    return OpenSslInternalError("setting the issuer");
  }
  // EdDSA keys sign the message itself and take no separate digest.
  const bool takes_digest =
      EVP_PKEY_is_a(&issuer_key, "ED25519") != 1 && EVP_PKEY_is_a(&issuer_key, "ED448") != 1;
  if (X509_sign(&cert, &issuer_key, takes_digest ? EVP_sha256() : nullptr) <= 0) {
    return OpenSslInternalError("signing a certificate");
  }
  return Status::Ok();
}

StatusOr<std::string> CertificatePem(X509& cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), &cert) != 1) {
    return OpenSslInternalError("encoding a certificate as PEM");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

StatusOr<std::string> PrivateKeyPem(EVP_PKEY& key) {
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), &key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslInternalError("encoding a private key as PEM");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

StatusOr<X509Ptr> ParseCertificatePem(std::string_view pem) {
  ORCH_ASSIGN_OR_RETURN(BioPtr bio, MemoryBio(pem));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, &NoPassword, nullptr));
  if (!cert) return InvalidArgumentError(OpenSslErrorText("no PEM certificate"));
  return cert;
}

StatusOr<PkeyPtr> ParsePrivateKeyPem(std::string_view pem) {
  ORCH_ASSIGN_OR_RETURN(BioPtr bio, MemoryBio(pem));
  // NoPassword: an encrypted key is refused instead of prompting on a terminal.
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, &NoPassword, nullptr));
  if (!key) return InvalidArgumentError(OpenSslErrorText("no unencrypted PEM private key"));
  return key;
}

}  // namespace orch::pki::internal
