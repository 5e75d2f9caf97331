// Certificates and certificate collections: POST /Certificates/Import, GET /Certificates,
// GET /Certificates/{id}, GET/POST /CertificateCollections, GET /CertificateCollections/{id}.
#include <nlohmann/json.hpp>

#include "api/control/certificate_request.h"
#include "api/control/control_api.h"
#include "api/control/job_permissions.h"
#include "api/control/off_loop.h"
#include "api/json_body.h"
#include "common/claims.h"
#include "common/logging.h"
#include "pki/base64.h"
#include "pki/certificate.h"
#include "pki/hash.h"
#include "pki/secret_box.h"
#include "store/catalog_facts.h"
#include "store/catalog_repository.h"
#include "store/store_writer.h"

namespace orch::api {
namespace {

using nlohmann::json;

constexpr std::string_view kImportClaim = claims::kImport;

json CertificateJson(const store::CertificateRecord& c) {
  return {{"Id", c.id},
          {"Thumbprint", c.thumbprint},
          {"SerialNumber", c.serial_number},
          {"IssuedDN", c.issued_dn},
          {"IssuerDN", c.issuer_dn},
          {"NotBefore", TimeJson(c.not_before)},
          {"NotAfter", TimeJson(c.not_after)},
          {"HasPrivateKey", c.has_private_key},
          {"ImportDate", TimeJson(c.imported_at)}};
}

json CollectionJson(const store::CollectionRecord& c) {
  return {{"Id", c.id}, {"Name", c.name}, {"Description", c.description}, {"Query", c.query}};
}

// What the database keeps of an import: facts, chain and the key sealed to its thumbprint.
store::NewCertificate ToNewCertificate(pki::ImportedCertificate& imported,
                                       const pki::SecretBox& box) {
  const pki::CertificateInfo& leaf = imported.leaf;
  store::NewCertificate out{leaf.thumbprint, leaf.serial_number, leaf.issued_dn, leaf.issuer_dn,
                            leaf.not_before, leaf.not_after,     leaf.der,       {},
                            std::nullopt};
  for (const pki::CertificateInfo& issuer : imported.chain) out.chain_der.push_back(issuer.der);
  if (imported.private_key_pkcs8_der) {
    out.sealed_private_key =
        box.Seal(*imported.private_key_pkcs8_der, store::CertificateKeyAad(leaf.thumbprint));
    pki::Cleanse(*imported.private_key_pkcs8_der);
  }
  return out;
}

StatusOr<pki::ImportedCertificate> DecodeAndImport(ImportRequest& body) {
  std::optional<std::string>& password = body.password;
  StatusOr<std::string> bytes = pki::Base64Decode(body.certificate);
  if (!bytes.ok()) {
    if (password) pki::Cleanse(*password);
    return FieldError("Certificate", "is not base64: " + bytes.status().message());
  }
  StatusOr<pki::ImportedCertificate> imported =
      pki::ImportCertificate(*bytes, password.value_or(""));
  if (password) pki::Cleanse(*password);
  if (!imported.ok()) {
    const std::string& message = imported.status().message();
    if (message.find("password") == std::string::npos) {
      return InvalidArgumentError(message).WithField("Certificate");
    }
    if (password) return InvalidArgumentError(message).WithField("Password");
    // Without a password the file did not open: most likely it needs one.
    return FieldError("Password",
                      "is required: the file does not open without one (" + message + ")");
  }
  return imported;
}

// The certificate an import would store: its key sealed, its password cleansed.
StatusOr<store::NewCertificate> PrepareImport(const ControlDeps& deps, const Request& request) {
  ORCH_RETURN_IF_ERROR(deps.authorizer->Require(request, kImportClaim));
  ORCH_ASSIGN_OR_RETURN(json parsed, ParseJsonBody(request));
  ORCH_ASSIGN_OR_RETURN(ImportRequest body, ParseImportRequest(parsed));
  ORCH_ASSIGN_OR_RETURN(pki::ImportedCertificate imported, DecodeAndImport(body));
  return ToNewCertificate(imported, *deps.secret_box);
}

// The row is written by the writer; the catalog facts learn of it once it is committed.
void Import(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  StatusOr<store::NewCertificate> record = PrepareImport(deps, request);
  if (!record.ok()) return reply(ErrorReply(record.status()));
  deps.writer->Submit<store::ImportOutcome>(
      [record = std::move(record).value(), now = deps.clock->WallNow()](store::Repositories& db) {
        return db.catalog().AddCertificate(record, now);
      },
      [facts = deps.catalog_facts,
       reply = std::move(reply)](StatusOr<store::ImportOutcome> outcome) {
        if (!outcome.ok()) return reply(ErrorReply(outcome.status()));
        facts->PutCertificate(store::CatalogFacts::Of(outcome->certificate));
        GetLogger("api")->info("certificate {} (Id {}) {}{}", outcome->certificate.thumbprint,
                               outcome->certificate.id,
                               outcome->created ? "imported" : "already stored",
                               outcome->key_added ? "; its private key was added" : "");
        reply(JsonReply(CertificateJson(outcome->certificate)));
      });
}

// The reads: claims and paging are checked on the loop; the rows are read and rendered by a
// reader.
void ListCertificates(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  if (Status allowed = deps.authorizer->Require(request, kCollectionsReadClaim); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<jobs::Paging> paging = PagingOf(request, store::CertificateQueryFields(), "Id");
  if (!paging.ok()) return reply(ErrorReply(paging.status()));
  ReadAndReply(
      *deps.reader,
      [paging = std::move(paging).value()](store::Repositories& db) -> StatusOr<Response> {
        ORCH_ASSIGN_OR_RETURN(store::Page<store::CertificateRecord> page,
                              db.catalog().ListCertificates(paging));
        json rows = json::array();
        for (const store::CertificateRecord& c : page.rows) rows.push_back(CertificateJson(c));
        return ListReply(std::move(rows), page.total, page.total_exact);
      },
      std::move(reply));
}

// On a reader: the certificate with its chain.
StatusOr<Response> ReadCertificate(store::Repositories& db, int64_t id) {
  store::CatalogRepository& catalog = db.catalog();
  ORCH_ASSIGN_OR_RETURN(store::CertificateRecord record, catalog.GetCertificate(id));
  ORCH_ASSIGN_OR_RETURN(std::vector<std::string> chain, catalog.GetCertificateChain(id));
  json body = CertificateJson(record);
  body["Chain"] = json::array();
  for (const std::string& der : chain) {
    ORCH_ASSIGN_OR_RETURN(pki::CertificateInfo info, pki::DescribeCertificate(der));
    body["Chain"].push_back({{"Thumbprint", info.thumbprint},
                             {"IssuedDN", info.issued_dn},
                             {"IssuerDN", info.issuer_dn},
                             {"NotBefore", TimeJson(info.not_before)},
                             {"NotAfter", TimeJson(info.not_after)}});
  }
  return JsonReply(body);
}

void GetCertificate(const ControlDeps& deps, const Request& request, const PathParams& params,
                    ReplyFn reply) {
  if (Status allowed = deps.authorizer->Require(request, kCollectionsReadClaim); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<int64_t> id = PathId(params[0], "Id");
  if (!id.ok()) return reply(ErrorReply(id.status()));
  ReadAndReply(
      *deps.reader, [id = *id](store::Repositories& db) { return ReadCertificate(db, id); },
      std::move(reply));
}

void ListCollections(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  if (Status allowed = deps.authorizer->Require(request, kCollectionsReadClaim); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<jobs::Paging> paging = PagingOf(request, store::CollectionQueryFields(), "Id");
  if (!paging.ok()) return reply(ErrorReply(paging.status()));
  ReadAndReply(
      *deps.reader,
      [paging = std::move(paging).value()](store::Repositories& db) -> StatusOr<Response> {
        ORCH_ASSIGN_OR_RETURN(auto page, db.catalog().ListCollections(paging));
        json rows = json::array();
        for (const store::CollectionRecord& c : page.rows) rows.push_back(CollectionJson(c));
        return ListReply(std::move(rows), page.total, page.total_exact);
      },
      std::move(reply));
}

void GetCollection(const ControlDeps& deps, const Request& request, const PathParams& params,
                   ReplyFn reply) {
  StatusOr<int64_t> id = PathId(params[0], "Id");
  if (!id.ok()) return reply(ErrorReply(id.status()));
  if (Status allowed =
          deps.authorizer->RequireScoped(request, kCollectionsReadClaim, std::to_string(*id));
      !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  ReadAndReply(
      *deps.reader,
      [id = *id](store::Repositories& db) -> StatusOr<Response> {
        ORCH_ASSIGN_OR_RETURN(store::CollectionRecord record,
                              db.catalog().GetCollection(id));
        return JsonReply(CollectionJson(record));
      },
      std::move(reply));
}

// The collection a POST describes, its query compiled to check it.
StatusOr<store::CollectionRecord> CollectionOfBody(const ControlDeps& deps,
                                                   const Request& request) {
  ORCH_RETURN_IF_ERROR(deps.authorizer->Require(request, kCollectionsReadClaim));
  ORCH_ASSIGN_OR_RETURN(json parsed, ParseJsonBody(request));
  return ParseCollectionRequest(parsed);
}

// The collection is written by the writer and answered once committed.
void AddCollection(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  StatusOr<store::CollectionRecord> record = CollectionOfBody(deps, request);
  if (!record.ok()) return reply(ErrorReply(record.status()));
  deps.writer->Submit<store::CollectionRecord>(
      [record = std::move(record).value()](store::Repositories& db) {
        return db.catalog().AddCollection(record);
      },
      [reply = std::move(reply)](StatusOr<store::CollectionRecord> created) {
        if (!created.ok()) return reply(ErrorReply(created.status()));
        reply(JsonReply(CollectionJson(*created)));
      });
}

}  // namespace

void RegisterCertificateRoutes(Router& router, const ControlDeps& deps) {
  router.AddAsync("POST", "/Certificates/Import",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    Import(deps, request, std::move(reply));
                  });
  router.AddAsync("GET", "/Certificates",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    ListCertificates(deps, request, std::move(reply));
                  });
  router.AddAsync("GET", "/Certificates/{id}",
                  [deps](const Request& request, const PathParams& params, ReplyFn reply) {
                    GetCertificate(deps, request, params, std::move(reply));
                  });
  router.AddAsync("GET", "/CertificateCollections",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    ListCollections(deps, request, std::move(reply));
                  });
  router.AddAsync("POST", "/CertificateCollections",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    AddCollection(deps, request, std::move(reply));
                  });
  router.AddAsync("GET", "/CertificateCollections/{id}",
                  [deps](const Request& request, const PathParams& params, ReplyFn reply) {
                    GetCollection(deps, request, params, std::move(reply));
                  });
}

}  // namespace orch::api
