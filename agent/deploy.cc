#include "agent/deploy.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <string>
#include <utility>

#include "agent/path_confinement.h"
#include "agent/pem_store.h"
#include "agent/pkcs12_store.h"
#include "agent/store_file.h"
#include "jobs/store_types.h"
#include "pki/certificate.h"
#include "pki/hash.h"

namespace orch::agent {
namespace {

bool SameThumbprint(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

// The certificate, chain and (only when the job includes it) key the job deploys.
StatusOr<pki::ImportedCertificate> ReadEntry(const DeployRequest& request) {
  if (request.entry_contents.empty()) return InvalidArgumentError("EntryContents is empty");
  auto imported = pki::ImportCertificate(request.entry_contents, request.pfx_password);
  if (!imported.ok()) return imported.status().Context("EntryContents");
  pki::ImportedCertificate entry = std::move(imported).value();
  if (request.include_private_key && !entry.HasPrivateKey()) {
    return InvalidArgumentError("EntryContents hold no private key but IncludePrivateKey is set");
  }
  if (!request.include_private_key && entry.private_key_pkcs8_der) {
    pki::Cleanse(*entry.private_key_pkcs8_der);
    entry.private_key_pkcs8_der.reset();
  }
  if (!request.thumbprint.empty() && !SameThumbprint(request.thumbprint, entry.leaf.thumbprint)) {
    return InvalidArgumentError("EntryContents hold certificate " + entry.leaf.thumbprint +
                                ", not " + request.thumbprint);
  }
  return entry;
}

StatusOr<DeployResult> Dispatch(const DeployRequest& request,
                                const std::vector<std::string>& store_roots, FileSyscalls& files) {
  const bool pem = request.store_type == jobs::kPemStoreType;
  if (!pem && request.store_type != jobs::kPkcs12StoreType) {
    return InvalidArgumentError("store type " + std::to_string(request.store_type) +
                                " is not one this agent serves");
  }
  ORCH_ASSIGN_OR_RETURN(std::string path, ConfineStorePath(request.store_path, store_roots));
  ORCH_ASSIGN_OR_RETURN(pki::ImportedCertificate entry, ReadEntry(request));
  StoreJob job{request, path, entry, store_roots, files};
  DeployResult result = pem ? DeployPemStore(job) : DeployPkcs12Store(job);
  if (entry.private_key_pkcs8_der) pki::Cleanse(*entry.private_key_pkcs8_der);
  return result;
}

}  // namespace

DeployResult Deploy(const DeployRequest& request, const std::vector<std::string>& store_roots,
                    FileSyscalls& files) {
  // Nothing below is meant to throw; a JSON type error or an exhausted heap still ends as a
  // Failure report rather than ending the agent.
  try {
    return ResultOrFailure(Dispatch(request, store_roots, files));
  } catch (const std::exception& e) {
    return DeployResult::Failure(std::string("unexpected error: ") + e.what());
  } catch (...) {
    return DeployResult::Failure("unexpected error");
  }
}

DeployResult Deploy(const DeployRequest& request, const std::vector<std::string>& store_roots) {
  return Deploy(request, store_roots, RealFileSyscalls::Instance());
}

}  // namespace orch::agent
