// The PEM readers: the one behind ImportCertificate() (certificates and one optional private
// key) and ReadPemCertificateFile() for certificate stores.
#include <cstring>
#include <string>
#include <string_view>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "pki/import_internal.h"
#include "pki/pem.h"

namespace orch::pki {
namespace internal {
namespace {

// One block as PEM_read_bio() hands it out; the payload may be key material, so it is wiped.
struct PemBlock {
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long length = 0;

  PemBlock() = default;
  PemBlock(const PemBlock&) = delete;
  PemBlock& operator=(const PemBlock&) = delete;
  ~PemBlock() {
    OPENSSL_free(name);
    OPENSSL_free(header);
    if (data != nullptr) OPENSSL_clear_free(data, static_cast<size_t>(length));
  }
  std::string_view Name() const { return name; }
  std::string_view Payload() const {
    return {reinterpret_cast<const char*>(data), static_cast<size_t>(length)};
  }
};

// Hands the import password to OpenSSL's legacy PEM decryption.
int PasswordCallback(char* buffer, int size, int /*rwflag*/, void* user) {
  const auto* password = static_cast<const std::string_view*>(user);
  if (password->size() > static_cast<size_t>(size)) return -1;
  if (password->empty()) return 0;
  std::memcpy(buffer, password->data(), password->size());
  return static_cast<int>(password->size());
}

bool IsCertificateBlock(std::string_view name) {
  return name == "CERTIFICATE" || name == "X509 CERTIFICATE" || name == "TRUSTED CERTIFICATE";
}

bool IsPrivateKeyBlock(std::string_view name) {
  return name.ends_with("PRIVATE KEY");
}

StatusOr<X509Ptr> ParseCertificateBlock(const PemBlock& block) {
  const unsigned char* in = block.data;
  // TRUSTED CERTIFICATE blocks carry OpenSSL trust settings after the certificate.
  X509Ptr cert(block.Name() == "TRUSTED CERTIFICATE" ? d2i_X509_AUX(nullptr, &in, block.length)
                                                     : d2i_X509(nullptr, &in, block.length));
  if (!cert) return InvalidArgumentError(OpenSslErrorText("unreadable PEM CERTIFICATE block"));
  return cert;
}

StatusOr<PkeyPtr> DecryptPkcs8(std::string_view der, std::string_view password) {
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  X509SigPtr sealed(d2i_X509_SIG(nullptr, &in, static_cast<long>(der.size())));
  if (!sealed) return InvalidArgumentError(OpenSslErrorText("unreadable ENCRYPTED PRIVATE KEY"));
  Pkcs8Ptr info(PKCS8_decrypt(sealed.get(), password.data(), static_cast<int>(password.size())));
  if (!info) {
    ERR_clear_error();
    return InvalidArgumentError("wrong password or corrupt encrypted private key");
  }
  PkeyPtr key(EVP_PKCS82PKEY(info.get()));
  if (!key) return InvalidArgumentError(OpenSslErrorText("unusable private key"));
  return key;
}

// Undoes the "Proc-Type: 4,ENCRYPTED" encryption of traditional PEM keys, in place.
Status DecryptLegacyPem(PemBlock& block, std::string_view password) {
  EVP_CIPHER_INFO cipher;
  if (PEM_get_EVP_CIPHER_INFO(block.header, &cipher) != 1) {
    return InvalidArgumentError(OpenSslErrorText("unsupported PEM encryption header"));
  }
  if (cipher.cipher == nullptr) return Status::Ok();
  if (PEM_do_header(&cipher, block.data, &block.length, PasswordCallback, &password) != 1) {
    ERR_clear_error();
    return InvalidArgumentError("wrong password or corrupt encrypted private key");
  }
  return Status::Ok();
}

StatusOr<PkeyPtr> ParseKeyBlock(PemBlock& block, std::string_view password) {
  if (block.Name() == "ENCRYPTED PRIVATE KEY") return DecryptPkcs8(block.Payload(), password);
  ORCH_RETURN_IF_ERROR(DecryptLegacyPem(block, password));
  // Unencrypted PKCS#8 and the traditional RSA/EC/DSA structures are told apart by shape.
  const unsigned char* in = block.data;
  PkeyPtr key(d2i_AutoPrivateKey(nullptr, &in, block.length));
  if (!key) {
    return InvalidArgumentError(OpenSslErrorText("unreadable PEM " + std::string(block.Name())));
  }
  return key;
}

Status AddBlock(PemBlock& block, std::string_view password, KeyAndCertificates& out) {
  if (IsCertificateBlock(block.Name())) {
    ORCH_ASSIGN_OR_RETURN(X509Ptr cert, ParseCertificateBlock(block));
    out.certs.push_back(std::move(cert));
  } else if (IsPrivateKeyBlock(block.Name())) {
    if (out.key) return InvalidArgumentError("PEM holds more than one private key");
    ORCH_ASSIGN_OR_RETURN(out.key, ParseKeyBlock(block, password));
  }
  // Anything else (EC PARAMETERS, CERTIFICATE REQUEST, ...) is not ours to import.
  return Status::Ok();
}

// Reads the next block into `block`; false at the end of the input.
StatusOr<bool> NextBlock(BIO& bio, PemBlock& block) {
  if (PEM_read_bio(&bio, &block.name, &block.header, &block.data, &block.length) == 1) {
    return true;
  }
  unsigned long error = ERR_peek_last_error();
  if (ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE) {
    ERR_clear_error();
    return false;
  }
  return InvalidArgumentError(OpenSslErrorText("malformed PEM"));
}

}  // namespace

bool LooksLikePem(std::string_view bytes) {
  return bytes.find("-----BEGIN ") != std::string_view::npos;
}

StatusOr<KeyAndCertificates> ReadPem(std::string_view bytes, std::string_view password) {
  ORCH_ASSIGN_OR_RETURN(BioPtr bio, MemoryBio(bytes));
  KeyAndCertificates out;
  while (true) {
    PemBlock block;
    ORCH_ASSIGN_OR_RETURN(bool more, NextBlock(*bio, block));
    if (!more) break;
    ORCH_RETURN_IF_ERROR(AddBlock(block, password, out));
  }
  if (out.certs.empty()) return InvalidArgumentError("PEM holds no CERTIFICATE block");
  return out;
}

}  // namespace internal

namespace {

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// A certificate file's block: certificates are parsed (and must parse), keys only counted.
Status AddFileBlock(const internal::PemBlock& block, PemFileContents& out) {
  if (internal::IsCertificateBlock(block.Name())) {
    ORCH_ASSIGN_OR_RETURN(internal::X509Ptr cert, internal::ParseCertificateBlock(block));
    ORCH_ASSIGN_OR_RETURN(std::string der, internal::CertificateDer(*cert));
    out.certificate_ders.push_back(std::move(der));
  } else if (internal::IsPrivateKeyBlock(block.Name())) {
    ++out.private_key_blocks;
  }
  return Status::Ok();
}

}  // namespace

StatusOr<PemFileContents> ReadPemCertificateFile(std::string_view text) {
  PemFileContents out;
  if (IsBlank(text)) return out;
  ORCH_ASSIGN_OR_RETURN(internal::BioPtr bio, internal::MemoryBio(text));
  while (true) {
    internal::PemBlock block;
    ORCH_ASSIGN_OR_RETURN(bool more, internal::NextBlock(*bio, block));
    if (!more) break;
    ORCH_RETURN_IF_ERROR(AddFileBlock(block, out));
  }
  if (out.certificate_ders.empty()) return InvalidArgumentError("PEM holds no CERTIFICATE block");
  return out;
}

}  // namespace orch::pki
