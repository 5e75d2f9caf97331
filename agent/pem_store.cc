#include "agent/pem_store.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <optional>
#include <string>
#include <utility>

#include "agent/path_confinement.h"
#include "common/file_io.h"
#include "pki/pem.h"

namespace orch::agent {
namespace {

// The store properties a PEM store understands.
struct PemOptions {
  bool trust_store = false;
  std::string separate_key_path;  // empty: the key goes into the store file
};

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Property names are matched without regard to case, like every member name of the protocol.
const nlohmann::json* FindProperty(const nlohmann::json& properties, std::string_view name) {
  if (!properties.is_object()) return nullptr;
  for (const auto& [key, value] : properties.items()) {
    if (EqualsIgnoringCase(key, name) && !value.is_null()) return &value;
  }
  return nullptr;
}

StatusOr<bool> TrustStoreProperty(const nlohmann::json& properties) {
  const nlohmann::json* value = FindProperty(properties, "IsTrustStore");
  if (value == nullptr) return false;
  if (value->is_boolean()) return value->get<bool>();
  if (value->is_string() && EqualsIgnoringCase(value->get_ref<const std::string&>(), "true")) {
    return true;
  }
  if (value->is_string() && EqualsIgnoringCase(value->get_ref<const std::string&>(), "false")) {
    return false;
  }
  return InvalidArgumentError("store property IsTrustStore must be true or false");
}

StatusOr<PemOptions> ReadOptions(const nlohmann::json& properties) {
  if (!properties.is_null() && !properties.is_object()) {
    return InvalidArgumentError("store properties are not a JSON object");
  }
  PemOptions options;
  ORCH_ASSIGN_OR_RETURN(options.trust_store, TrustStoreProperty(properties));
  if (const nlohmann::json* path = FindProperty(properties, "SeparatePrivateKeyFilePath")) {
    if (!path->is_string()) {
      return InvalidArgumentError("store property SeparatePrivateKeyFilePath must be a string");
    }
    options.separate_key_path = path->get<std::string>();
  }
  return options;
}

bool Contains(const std::vector<std::string>& ders, const std::string& der) {
  return std::find(ders.begin(), ders.end(), der) != ders.end();
}

StatusOr<DeployResult> AppendToBundle(const StoreJob& job,
                                      const std::optional<ExistingFile>& existing,
                                      const pki::PemFileContents& found) {
  const pki::CertificateInfo& leaf = job.entry.leaf;
  if (Contains(found.certificate_ders, leaf.der)) {
    return DeployResult::Warning("certificate " + leaf.thumbprint + " is already present in " +
                                 job.path);
  }
  std::string text = existing ? existing->contents : std::string();
  ScopedCleanse wipe(text);
  if (!text.empty() && text.back() != '\n') text.push_back('\n');
  text += pki::PemEncode(leaf.der, "CERTIFICATE");
  ORCH_RETURN_IF_ERROR(
      WriteStoreFile(job.path, text, existing, found.private_key_blocks > 0, job.files));
  return DeployResult::Success("added certificate " + leaf.thumbprint + " to trust store " +
                               job.path);
}

std::string CertificatesPem(const pki::ImportedCertificate& entry) {
  std::string text = pki::PemEncode(entry.leaf.der, "CERTIFICATE");
  for (const pki::CertificateInfo& cert : entry.chain) {
    text += pki::PemEncode(cert.der, "CERTIFICATE");
  }
  return text;
}

// Puts the key file back as it was found: its contents, mode and owner, or no file at all.
Status PutBackKeyFile(const StoreJob& job, const std::string& key_path,
                      const std::optional<ExistingFile>& old_key) {
  if (old_key) return WriteStoreFile(key_path, old_key->contents, old_key, false, job.files);
  if (job.files.Unlink(key_path) != 0) return ErrnoStatus("cannot remove", key_path, errno);
  return Status::Ok();
}

// The key file is written first and put back when the certificate file cannot be written, so
// the two files do not disagree after a failure.
Status WriteWithSeparateKey(const StoreJob& job, const std::string& certificates,
                            const std::optional<ExistingFile>& existing,
                            const std::string& key_path, const std::string& key_pem) {
  ORCH_ASSIGN_OR_RETURN(std::optional<ExistingFile> old_key, ReadExistingFile(key_path));
  ORCH_RETURN_IF_ERROR(WriteStoreFile(key_path, key_pem, old_key, true, job.files));
  Status written = WriteStoreFile(job.path, certificates, existing, false, job.files);
  if (written.ok()) return written;
  Status put_back = PutBackKeyFile(job, key_path, old_key);
  if (put_back.ok()) return written;
  return Status(written.code(),
                written.message() + "; the key file could not be put back: " + put_back.message());
}

StatusOr<std::string> ConfinedKeyPath(const StoreJob& job, const PemOptions& options) {
  auto key_path = ConfineStorePath(options.separate_key_path, job.store_roots);
  if (!key_path.ok()) return key_path.status().Context("SeparatePrivateKeyFilePath");
  if (*key_path == job.path) {
    return InvalidArgumentError("SeparatePrivateKeyFilePath names the store file itself");
  }
  return key_path;
}

StatusOr<DeployResult> ReplaceCertificate(const StoreJob& job, const PemOptions& options,
                                          const std::optional<ExistingFile>& existing,
                                          const pki::PemFileContents& found) {
  const pki::CertificateInfo& leaf = job.entry.leaf;
  const bool present = !found.certificate_ders.empty();
  if (present && !job.request.overwrite) {
    const std::string& current = found.certificate_ders.front();
    if (current == leaf.der) {
      return DeployResult::Warning("certificate " + leaf.thumbprint + " is already present in " +
                                   job.path);
    }
    return DeployResult::Failure(job.path + " holds certificate " + ThumbprintOf(current) +
                                 " and Overwrite is false");
  }
  std::string text = CertificatesPem(job.entry);
  ScopedCleanse wipe_text(text);
  const std::optional<std::string>& key = job.entry.private_key_pkcs8_der;
  if (key && !options.separate_key_path.empty()) {
    ORCH_ASSIGN_OR_RETURN(std::string key_path, ConfinedKeyPath(job, options));
    std::string key_pem = pki::PemEncode(*key, "PRIVATE KEY");
    ScopedCleanse wipe_key(key_pem);
    ORCH_RETURN_IF_ERROR(WriteWithSeparateKey(job, text, existing, key_path, key_pem));
  } else {
    if (key) text += pki::PemEncode(*key, "PRIVATE KEY");
    ORCH_RETURN_IF_ERROR(WriteStoreFile(job.path, text, existing, key.has_value(), job.files));
  }
  if (present) {
    return DeployResult::Success("replaced the certificate in " + job.path + " with " +
                                 leaf.thumbprint);
  }
  return DeployResult::Success("added certificate " + leaf.thumbprint + " to " + job.path);
}

StatusOr<DeployResult> DeployPem(const StoreJob& job) {
  ORCH_ASSIGN_OR_RETURN(PemOptions options, ReadOptions(job.request.properties));
  if (options.trust_store && job.entry.private_key_pkcs8_der) {
    return DeployResult::Failure("a trust store (IsTrustStore) takes no private key");
  }
  ORCH_ASSIGN_OR_RETURN(std::optional<ExistingFile> existing, ReadStoreFile(job));
  pki::PemFileContents found;
  if (existing) {
    auto read = pki::ReadPemCertificateFile(existing->contents);
    if (!read.ok()) {
      return DeployResult::Failure("store file " + job.path + " is not a PEM certificate file (" +
                                   read.status().message() + "); it was left unchanged");
    }
    found = std::move(read).value();
  }
  if (options.trust_store) return AppendToBundle(job, existing, found);
  return ReplaceCertificate(job, options, existing, found);
}

}  // namespace

DeployResult DeployPemStore(const StoreJob& job) {
  return ResultOrFailure(DeployPem(job));
}

}  // namespace orch::agent
