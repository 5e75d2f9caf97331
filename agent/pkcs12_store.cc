#include "agent/pkcs12_store.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "pki/pkcs12_store.h"

namespace orch::agent {
namespace {

using pki::Pkcs12Bag;
using Kind = pki::Pkcs12Bag::Kind;

// The bags of entry `alias`: those named so, and unnamed ones tied to them by localKeyId.
bool InEntry(const Pkcs12Bag& bag, const std::string& alias, const std::set<std::string>& ids) {
  if (bag.friendly_name == alias) return true;
  return bag.friendly_name.empty() && !bag.local_key_id.empty() && ids.contains(bag.local_key_id);
}

std::set<std::string> KeyIdsOf(const std::vector<Pkcs12Bag>& bags, const std::string& alias) {
  std::set<std::string> ids;
  for (const Pkcs12Bag& bag : bags) {
    if (bag.friendly_name == alias && !bag.local_key_id.empty()) ids.insert(bag.local_key_id);
  }
  return ids;
}

void RemoveEntry(std::vector<Pkcs12Bag>& bags, const std::string& alias) {
  const std::set<std::string> ids = KeyIdsOf(bags, alias);
  std::erase_if(bags, [&](const Pkcs12Bag& bag) { return InEntry(bag, alias, ids); });
}

// The certificate of entry `alias`; nullopt when the alias is unused. An entry of a key alone
// has an empty certificate.
std::optional<std::string> EntryCertificate(const std::vector<Pkcs12Bag>& bags,
                                            const std::string& alias) {
  const std::set<std::string> ids = KeyIdsOf(bags, alias);
  std::optional<std::string> certificate;
  for (const Pkcs12Bag& bag : bags) {
    if (!InEntry(bag, alias, ids)) continue;
    if (bag.kind == Kind::kCertificate) return bag.certificate_der;
    certificate = "";
  }
  return certificate;
}

bool HoldsCertificate(const std::vector<Pkcs12Bag>& bags, const std::string& der) {
  return std::any_of(bags.begin(), bags.end(), [&](const Pkcs12Bag& bag) {
    return bag.kind == Kind::kCertificate && bag.certificate_der == der;
  });
}

// The entry's own bags always go in; its chain certificates (bags with neither alias nor
// localKeyId) only when the file does not hold them yet.
void AddEntry(std::vector<Pkcs12Bag>& bags, std::vector<Pkcs12Bag> entry) {
  for (Pkcs12Bag& bag : entry) {
    bool chain = bag.friendly_name.empty() && bag.local_key_id.empty();
    if (chain && HoldsCertificate(bags, bag.certificate_der)) continue;
    bags.push_back(std::move(bag));
  }
}

bool HoldsKey(const std::vector<Pkcs12Bag>& bags) {
  return std::any_of(bags.begin(), bags.end(),
                     [](const Pkcs12Bag& bag) { return bag.kind == Kind::kPrivateKey; });
}

StatusOr<std::vector<Pkcs12Bag>> ReadBags(const StoreJob& job,
                                          const std::optional<ExistingFile>& existing) {
  if (!existing) return std::vector<Pkcs12Bag>();
  auto bags = pki::ReadPkcs12Bags(existing->contents, job.request.store_password);
  if (!bags.ok()) {
    return FailedPreconditionError("cannot open PKCS#12 store " + job.path + " (" +
                                   bags.status().message() + "); it was left unchanged");
  }
  return bags;
}

// Nothing to write: the alias holds this certificate, or another one without Overwrite.
std::optional<DeployResult> Refusal(const StoreJob& job, const std::string& alias,
                                    const std::optional<std::string>& current) {
  if (!current || job.request.overwrite) return std::nullopt;
  const pki::CertificateInfo& leaf = job.entry.leaf;
  if (*current == leaf.der) {
    return DeployResult::Warning("certificate " + leaf.thumbprint + " is already present in " +
                                 job.path + " under alias " + alias);
  }
  std::string held =
      current->empty() ? "a key without certificate" : "certificate " + ThumbprintOf(*current);
  return DeployResult::Failure("alias " + alias + " in " + job.path + " holds " + held +
                               " and Overwrite is false");
}

StatusOr<DeployResult> DeployPkcs12(const StoreJob& job) {
  const pki::ImportedCertificate& entry = job.entry;
  const std::string alias = job.request.alias.empty() ? entry.leaf.thumbprint : job.request.alias;
  ORCH_ASSIGN_OR_RETURN(std::optional<ExistingFile> existing, ReadStoreFile(job));
  ORCH_ASSIGN_OR_RETURN(std::vector<Pkcs12Bag> bags, ReadBags(job, existing));
  const std::optional<std::string> current = EntryCertificate(bags, alias);
  if (auto refusal = Refusal(job, alias, current)) return *refusal;
  RemoveEntry(bags, alias);
  std::optional<std::string_view> key;
  if (entry.private_key_pkcs8_der) key = *entry.private_key_pkcs8_der;
  ORCH_ASSIGN_OR_RETURN(
      std::vector<Pkcs12Bag> added,
      pki::MakePkcs12EntryBags(alias, entry.leaf, entry.chain, key, job.request.store_password));
  AddEntry(bags, std::move(added));
  ORCH_ASSIGN_OR_RETURN(std::string der, pki::WritePkcs12Bags(bags, job.request.store_password));
  ORCH_RETURN_IF_ERROR(WriteStoreFile(job.path, der, existing, HoldsKey(bags), job.files));
  const std::string what = current ? "replaced alias " : "added alias ";
  return DeployResult::Success(what + alias + " with certificate " + entry.leaf.thumbprint +
                               " in " + job.path);
}

}  // namespace

DeployResult DeployPkcs12Store(const StoreJob& job) {
  return ResultOrFailure(DeployPkcs12(job));
}

}  // namespace orch::agent
