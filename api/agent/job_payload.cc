#include "api/agent/job_payload.h"

#include <memory>
#include <utility>

#include "pki/base64.h"
#include "pki/certificate.h"
#include "pki/hash.h"
#include "pki/secret_box.h"
#include "store/store_reader.h"

namespace orch::api::agent_wire {
namespace {

using nlohmann::json;

StatusOr<JobCertificateRows> ReadCertificateRows(store::CatalogRepository& catalog,
                                                 const store::JobRow& job) {
  ORCH_ASSIGN_OR_RETURN(store::CertificateRecord cert, catalog.GetCertificate(job.certificate_id));
  JobCertificateRows rows{std::move(cert), std::nullopt, std::nullopt};
  if (!job.include_private_key) return rows;
  rows.sealed_key = catalog.GetSealedPrivateKey(rows.cert.id);
  if (!rows.sealed_key->ok() || !rows.sealed_key->value()) return rows;
  rows.chain = catalog.GetCertificateChain(rows.cert.id);
  return rows;
}

// The secret sealed under `aad`, opened; "" when there is none.
StatusOr<std::string> OpenSecret(const pki::SecretBox& box,
                                 const std::optional<std::string>& sealed, const std::string& aad) {
  if (!sealed) return std::string();
  return box.Open(*sealed, aad);
}

// EntryContents: the certificate's DER, or a PKCS#12 with its chain and key when the job
// includes the private key.
StatusOr<std::string> EntryContents(const pki::SecretBox& box, const store::JobRow& job,
                                    const StatusOr<JobCertificateRows>& rows,
                                    const std::string& pfx_password) {
  if (!rows.ok()) return rows.status();
  const store::CertificateRecord& cert = rows->cert;
  if (!job.include_private_key) return cert.der;
  if (!rows->sealed_key->ok()) return rows->sealed_key->status();
  const std::optional<std::string>& sealed_key = rows->sealed_key->value();
  if (!sealed_key) return FailedPreconditionError("the certificate has no private key");
  ORCH_ASSIGN_OR_RETURN(std::string key,
                        box.Open(*sealed_key, store::CertificateKeyAad(cert.thumbprint)));
  StatusOr<std::string> p12 = [&]() -> StatusOr<std::string> {
    ORCH_ASSIGN_OR_RETURN(pki::CertificateInfo leaf, pki::DescribeCertificate(cert.der));
    if (!rows->chain->ok()) return rows->chain->status();
    std::vector<pki::CertificateInfo> chain;
    for (const std::string& der : rows->chain->value()) {
      ORCH_ASSIGN_OR_RETURN(pki::CertificateInfo info, pki::DescribeCertificate(der));
      chain.push_back(std::move(info));
    }
    return pki::BuildPkcs12(leaf, chain, key, pfx_password, job.alias);
  }();
  pki::Cleanse(key);
  return p12;
}

}  // namespace

StatusOr<JobRows> ReadJobRows(store::Repositories& store, const std::string& job_id) {
  store::CatalogRepository& catalog = store.catalog();
  store::JobRepository& jobs = store.jobs();
  ORCH_ASSIGN_OR_RETURN(store::JobRow job, jobs.GetJob(job_id));
  ORCH_ASSIGN_OR_RETURN(store::CertStoreRecord target, catalog.GetCertStore(job.store_id));
  ORCH_ASSIGN_OR_RETURN(store::SealedJobPasswords sealed, jobs.GetSealedPasswords(job.job_id));
  JobRows rows{std::move(job), std::move(target), std::move(sealed), std::nullopt};
  rows.certificate = ReadCertificateRows(catalog, rows.job);
  return rows;
}

void ReadJobRows(const AgentApi::Context& context, const std::string& job_id,
                 std::function<void(StatusOr<JobRows>)> done) {
  context.deps.reader->Read<JobRows>(
      [job_id](store::Repositories& store) { return ReadJobRows(store, job_id); }, std::move(done));
}

StatusOr<json> JobPayload(const AgentApi::Context& context, const JobRows& rows) {
  const pki::SecretBox& box = *context.deps.secret_box;
  const store::JobRow& job = rows.job;
  const store::CertStoreRecord& target = rows.target;
  ORCH_ASSIGN_OR_RETURN(
      std::string store_password,
      OpenSecret(box, target.sealed_password, store::CertStorePasswordAad(target.id)));
  ORCH_ASSIGN_OR_RETURN(std::string pfx_password,
                        OpenSecret(box, rows.sealed.pfx, store::JobSecretAad(job.job_id, "pfx")));
  ORCH_ASSIGN_OR_RETURN(
      std::string entry_password,
      OpenSecret(box, rows.sealed.entry, store::JobSecretAad(job.job_id, "entry")));
  StatusOr<std::string> contents = EntryContents(box, job, *rows.certificate, pfx_password);
  json payload;
  if (contents.ok()) {
    auto secret = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
    payload = {{"OperationType", job.operation_type},
               {"ClientMachine", job.client_machine},
               {"StorePath", job.store_path},
               {"StorePassword", secret(store_password)},
               {"StoreType", job.store_type},
               {"Category", job.store_type},
               {"Alias", job.alias},
               {"PrivateKeyEntry", job.include_private_key},
               {"EntryPassword", secret(entry_password)},
               {"Thumbprint", job.thumbprint},
               {"EntryContents", pki::Base64Encode(*contents)},
               {"PfxPassword", secret(pfx_password)},
               {"Overwrite", job.overwrite},
               {"Properties", target.properties_json},
               // An orchd extension: whether the agent may create a missing store file.
               {"CreateIfMissing", target.create_if_missing}};
  }
  pki::Cleanse(store_password);
  pki::Cleanse(pfx_password);
  pki::Cleanse(entry_password);
  if (!contents.ok()) return contents.status();
  return payload;
}

}  // namespace orch::api::agent_wire
