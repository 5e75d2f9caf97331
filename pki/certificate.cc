#include "pki/certificate.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <string>
#include <utility>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "common/guid.h"
#include "pki/hash.h"
#include "pki/import_internal.h"

namespace orch::pki {
namespace {

using internal::BioPtr;
using internal::KeyAndCertificates;
using internal::X509Ptr;

// Longest import password; PBE code takes an int length and nobody types more than this.
constexpr size_t kMaxPasswordBytes = 1024;
// Most certificates accepted in one import (leaf and chain together).
constexpr size_t kMaxCertificates = 100;

// RFC 2253 (most-specific first, RFC escaping, short names) but with the ", " separator
// operators see in the product's UI and API, and UTF-8 left readable instead of \XX-escaped.
constexpr unsigned long kDnFlags =
    (XN_FLAG_RFC2253 & ~XN_FLAG_SEP_MASK & ~ASN1_STRFLGS_ESC_MSB) | XN_FLAG_SEP_CPLUS_SPC;

std::string UpperHex(std::string_view bytes) {
  std::string hex = HexEncode(bytes);
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return hex;
}

StatusOr<std::string> DnString(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return internal::OpenSslInternalError("allocating a memory BIO");
  if (X509_NAME_print_ex(bio.get(), name, 0, kDnFlags) < 0) {
    return InvalidArgumentError(internal::OpenSslErrorText("unprintable distinguished name"));
  }
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(std::max(length, 0L)));
}

// Serial numbers are shown as the hex of their magnitude bytes, like Windows and the
// product's API do ("0A1B"), with "-" for the (invalid but existing) negative ones.
std::string SerialHex(const ASN1_INTEGER* serial) {
  std::string_view bytes(reinterpret_cast<const char*>(ASN1_STRING_get0_data(serial)),
                         static_cast<size_t>(ASN1_STRING_length(serial)));
  std::string hex = bytes.empty() ? "00" : UpperHex(bytes);
  if (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER) hex.insert(0, "-");
  return hex;
}

// Converts through calendar fields rather than time_t so years up to 9999 work; WallTime
// counts nanoseconds and ends in 2262, so later times are clamped to its last second.
StatusOr<WallTime> ToWallTime(const ASN1_TIME* time) {
  using namespace std::chrono;
  std::tm tm{};
  if (ASN1_TIME_to_tm(time, &tm) != 1) {
    return InvalidArgumentError(internal::OpenSslErrorText("invalid certificate validity time"));
  }
  sys_days date = year{tm.tm_year + 1900} / month{static_cast<unsigned>(tm.tm_mon + 1)} /
                  day{static_cast<unsigned>(tm.tm_mday)};
  sys_seconds t = date + hours{tm.tm_hour} + minutes{tm.tm_min} + seconds{tm.tm_sec};
  const sys_seconds latest = floor<seconds>(WallTime::max());
  const sys_seconds earliest = ceil<seconds>(WallTime::min());
  return WallTime(std::clamp(t, earliest, latest));
}

StatusOr<CertificateInfo> Describe(const X509& cert) {
  CertificateInfo info;
  ORCH_ASSIGN_OR_RETURN(info.der, internal::CertificateDer(cert));
  info.thumbprint = CertificateThumbprint(info.der);
  info.serial_number = SerialHex(X509_get0_serialNumber(&cert));
  ORCH_ASSIGN_OR_RETURN(info.issued_dn, DnString(X509_get_subject_name(&cert)));
  ORCH_ASSIGN_OR_RETURN(info.issuer_dn, DnString(X509_get_issuer_name(&cert)));
  ORCH_ASSIGN_OR_RETURN(info.not_before, ToWallTime(X509_get0_notBefore(&cert)));
  ORCH_ASSIGN_OR_RETURN(info.not_after, ToWallTime(X509_get0_notAfter(&cert)));
  return info;
}

// A certificate of the input together with its facts.
struct Candidate {
  X509Ptr cert;
  CertificateInfo info;
};

// Name and key-identifier match only: enough to order a chain, not to trust it.
bool Issued(const Candidate& issuer, const Candidate& subject) {
  bool issued = X509_check_issued(issuer.cert.get(), subject.cert.get()) == X509_V_OK;
  ERR_clear_error();
  return issued;
}

bool IsSelfIssued(const Candidate& c) {
  return Issued(c, c);
}

StatusOr<std::vector<Candidate>> Deduplicate(std::vector<X509Ptr> certs) {
  // Chain ordering compares every pair, so a 1 MiB file of tiny certificates must not turn
  // into millions of comparisons; real chains are a handful long.
  if (certs.size() > kMaxCertificates) {
    return InvalidArgumentError("input holds " + std::to_string(certs.size()) +
                                " certificates; the limit is " + std::to_string(kMaxCertificates));
  }
  std::vector<Candidate> out;
  for (X509Ptr& cert : certs) {
    ORCH_ASSIGN_OR_RETURN(CertificateInfo info, Describe(*cert));
    bool seen = std::any_of(out.begin(), out.end(),
                            [&](const Candidate& c) { return c.info.der == info.der; });
    if (!seen) out.push_back({std::move(cert), std::move(info)});
  }
  return out;
}

bool IssuedAnother(const std::vector<Candidate>& all, size_t i) {
  for (size_t j = 0; j < all.size(); ++j) {
    if (j != i && Issued(all[i], all[j])) return true;
  }
  return false;
}

// Among `indexes`, the first certificate that issued none of the others; else the first.
size_t PickEndEntity(const std::vector<Candidate>& all, const std::vector<size_t>& indexes) {
  for (size_t i : indexes) {
    if (!IssuedAnother(all, i)) return i;
  }
  return indexes.front();
}

StatusOr<size_t> PickLeaf(const std::vector<Candidate>& all, const EVP_PKEY* key) {
  std::vector<size_t> indexes;
  for (size_t i = 0; i < all.size(); ++i) {
    if (key == nullptr || internal::KeyMatchesCertificate(*all[i].cert, *key)) {
      indexes.push_back(i);
    }
  }
  if (indexes.empty()) {
    return InvalidArgumentError("the private key does not match any certificate in the input");
  }
  return PickEndEntity(all, indexes);
}

// Walks issuer links up from the leaf; certificates off that path follow in input order.
std::vector<size_t> ChainOrder(const std::vector<Candidate>& all, size_t leaf) {
  std::vector<bool> used(all.size(), false);
  used[leaf] = true;
  std::vector<size_t> order;
  for (size_t current = leaf; !IsSelfIssued(all[current]);) {
    size_t next = 0;
    while (next < all.size() && (used[next] || !Issued(all[next], all[current]))) ++next;
    if (next == all.size()) break;
    used[next] = true;
    order.push_back(next);
    current = next;
  }
  for (size_t i = 0; i < all.size(); ++i) {
    if (!used[i]) order.push_back(i);
  }
  return order;
}

StatusOr<ImportedCertificate> Assemble(KeyAndCertificates input) {
  ORCH_ASSIGN_OR_RETURN(std::vector<Candidate> all, Deduplicate(std::move(input.certs)));
  ORCH_ASSIGN_OR_RETURN(size_t leaf, PickLeaf(all, input.key.get()));
  ImportedCertificate out;
  for (size_t i : ChainOrder(all, leaf)) out.chain.push_back(std::move(all[i].info));
  out.leaf = std::move(all[leaf].info);
  if (input.key) {
    ORCH_ASSIGN_OR_RETURN(out.private_key_pkcs8_der, internal::PrivateKeyPkcs8Der(*input.key));
  }
  return out;
}

StatusOr<KeyAndCertificates> ReadAnyFormat(std::string_view bytes, std::string_view password) {
  if (internal::LooksLikePem(bytes)) return internal::ReadPem(bytes, password);
  if (X509Ptr cert = internal::ParseCertificateDer(bytes)) {
    KeyAndCertificates out;
    out.certs.push_back(std::move(cert));
    return out;
  }
  if (internal::Pkcs12Ptr p12 = internal::ParsePkcs12Der(bytes)) {
    return internal::ReadPkcs12(*p12, password);
  }
  return InvalidArgumentError("not a PEM, DER or PKCS#12 certificate");
}

}  // namespace

std::string CertificateThumbprint(std::string_view der) {
  return UpperHex(Sha1(der));
}

StatusOr<CertificateInfo> DescribeCertificate(std::string_view der) {
  X509Ptr cert = internal::ParseCertificateDer(der);
  if (!cert) return InvalidArgumentError("not a DER certificate");
  return Describe(*cert);
}

StatusOr<ImportedCertificate> ImportCertificate(std::string_view bytes, std::string_view password) {
  if (bytes.empty()) return InvalidArgumentError("certificate is empty");
  if (bytes.size() > kMaxImportBytes) {
    return InvalidArgumentError("certificate is " + std::to_string(bytes.size()) +
                                " bytes; the limit is " + std::to_string(kMaxImportBytes) +
                                " bytes (1 MiB)");
  }
  // Passwords reach OpenSSL as C strings with int lengths.
  if (password.size() > kMaxPasswordBytes || password.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("password is longer than 1024 bytes or contains NUL");
  }
  ORCH_ASSIGN_OR_RETURN(KeyAndCertificates input, ReadAnyFormat(bytes, password));
  return Assemble(std::move(input));
}

}  // namespace orch::pki
