// Certificate stores, containers and store types: GET/POST/PUT /CertificateStores,
// GET/DELETE /CertificateStores/{id}, GET /CertificateStoreTypes,
// GET/POST /CertificateStoreContainers.
#include <nlohmann/json.hpp>

#include "api/control/control_api.h"
#include "api/control/job_permissions.h"
#include "api/control/off_loop.h"
#include "api/control/store_request.h"
#include "api/json_body.h"
#include "common/claims.h"
#include "common/guid.h"
#include "common/logging.h"
#include "jobs/ascii.h"
#include "jobs/bounded_json.h"
#include "jobs/store_types.h"
#include "pki/hash.h"
#include "pki/secret_box.h"
#include "scheduler/scheduler.h"
#include "store/agent_repository.h"
#include "store/catalog_facts.h"
#include "store/catalog_repository.h"
#include "store/pool_repository.h"
#include "store/store_writer.h"

namespace orch::api {
namespace {

using nlohmann::json;

constexpr std::string_view kModifyClaim = claims::kStoresModify;

// Reads are open to whoever may change stores or schedule jobs into them; a caller whose
// schedule claims are scoped to containers sees the stores of those containers only.
bool ReadsEveryStore(const std::vector<std::string>& claims) {
  return Authorizer::Holds(claims, kModifyClaim) || Authorizer::Holds(claims, kScheduleClaim);
}

// Checked before a read reveals which stores exist.
Status RequireSomeStoreRead(const std::vector<std::string>& claims) {
  if (ReadsEveryStore(claims) ||
      CheckScheduleAccess(claims, std::nullopt, "", /*any_scope=*/true).ok()) {
    return Status::Ok();
  }
  return PermissionDeniedError("the caller lacks the claim " + std::string(kModifyClaim) + " or " +
                               std::string(kScheduleClaim) + " (or one scoped to a container)");
}

Status RequireStoreRead(const std::vector<std::string>& claims,
                        const store::CertStoreRecord& record) {
  if (ReadsEveryStore(claims)) return Status::Ok();
  return CheckScheduleAccess(claims, record.container_id, "certificate store " + record.id);
}

json StoreJson(const store::CertStoreRecord& s) {
  StatusOr<json> properties = jobs::ParseJson(s.properties_json);
  return {{"Id", s.id},
          {"ClientMachine", s.client_machine},
          {"Storepath", s.store_path},
          {"CertStoreType", s.store_type},
          {"ContainerId", s.container_id ? json(*s.container_id) : json(nullptr)},
          {"ContainerName", s.container_name.empty() ? json(nullptr) : json(s.container_name)},
          {"AgentId", s.agent_id.empty() ? json(nullptr) : json(s.agent_id)},
          {"AgentPoolId", s.agent_pool_id.empty() ? json(nullptr) : json(s.agent_pool_id)},
          {"Properties", properties.ok() ? std::move(properties).value() : json::object()},
          {"CreateIfMissing", s.create_if_missing},
          {"Password", {{"HasValue", s.sealed_password.has_value()}}},
          {"Created", TimeJson(s.created_at)}};
}

json StoreTypeJson(const jobs::StoreType& t) {
  const jobs::SupportedOperations& ops = t.operations;
  return {{"StoreType", t.store_type},
          {"Name", t.name},
          {"ShortName", t.short_name},
          {"Capability", t.capability},
          {"LocalStore", false},
          {"SupportedOperations",
           {{"Add", ops.add},
            {"Create", ops.create},
            {"Discovery", ops.discovery},
            {"Enrollment", ops.enrollment},
            {"Remove", ops.remove}}},
          {"ManagementJobType", t.management_job_type},
          {"InventoryJobType", t.inventory_job_type},
          {"ReenrollmentJobType", t.reenrollment_job_type}};
}

// The agent or pool a store is bound to must exist (the Default pool always does).
Status CheckBinding(store::Repositories& db, const store::CertStoreRecord& record) {
  if (!record.agent_id.empty()) {
    ORCH_ASSIGN_OR_RETURN(bool known, db.agents().AgentExists(record.agent_id));
    if (!known) return FieldError("AgentId", "names no agent: " + record.agent_id);
  } else {
    ORCH_ASSIGN_OR_RETURN(bool known, db.pools().PoolExists(record.agent_pool_id));
    if (!known) return FieldError("AgentPoolId", "names no agent pool: " + record.agent_pool_id);
  }
  return Status::Ok();
}

Status WithContainerField(Status status) {
  if (status.code() == StatusCode::kNotFound && status.field() == "ContainerId") {
    return InvalidArgumentError(status.message()).WithField("ContainerId");
  }
  return status;
}

// The store a POST or PUT describes, checked and sealed; `replace_password` says whether
// the body set the password (always for a new store).
StatusOr<store::CertStoreRecord> StoreOfBody(const ControlDeps& deps, const Request& request,
                                             bool create, bool& replace_password) {
  ORCH_RETURN_IF_ERROR(deps.authorizer->Require(request, kModifyClaim));
  ORCH_ASSIGN_OR_RETURN(json parsed, ParseJsonBody(request));
  ORCH_ASSIGN_OR_RETURN(StoreRequest body, ParseStoreRequest(parsed, /*with_id=*/!create));
  store::CertStoreRecord record = std::move(body.record);
  if (create) {
    record.id = NewGuid();
    record.created_at = deps.clock->WallNow();
  }
  replace_password = body.password.has_value();
  if (!body.password) return record;
  if (!body.password->empty()) {
    record.sealed_password =
        deps.secret_box->Seal(*body.password, store::CertStorePasswordAad(record.id));
  }
  pki::Cleanse(*body.password);
  return record;
}

// Runs on the writer's connection: the binding is checked in the write's own transaction, and
// the answer is the row as written.
StatusOr<store::CertStoreRecord> WriteStore(store::Repositories& db,
                                            const store::CertStoreRecord& record, bool create,
                                            bool replace_password) {
  ORCH_RETURN_IF_ERROR(CheckBinding(db, record));
  store::CatalogRepository& catalog = db.catalog();
  ORCH_RETURN_IF_ERROR(WithContainerField(
      create ? catalog.AddCertStore(record) : catalog.UpdateCertStore(record, replace_password)));
  return catalog.GetCertStore(record.id);
}

// POST (create) or PUT /CertificateStores. The row is written by the writer; the catalog facts
// and the scheduler learn of it once it is committed, before the caller is answered.
void PutStore(const ControlDeps& deps, const Request& request, bool create, ReplyFn reply) {
  bool replace_password = true;
  StatusOr<store::CertStoreRecord> record = StoreOfBody(deps, request, create, replace_password);
  if (!record.ok()) return reply(ErrorReply(record.status()));
  deps.writer->Submit<store::CertStoreRecord>(
      [record = std::move(record).value(), create, replace_password](store::Repositories& db) {
        return WriteStore(db, record, create, replace_password);
      },
      [facts = deps.catalog_facts, scheduler = deps.scheduler, create,
       reply = std::move(reply)](StatusOr<store::CertStoreRecord> written) {
        if (!written.ok()) return reply(ErrorReply(written.status()));
        facts->PutStore(store::CatalogFacts::Of(*written));
        if (create) {
          GetLogger("api")->info("certificate store {} created ({} {})", written->id,
                                 written->client_machine, written->store_path);
        } else if (scheduler != nullptr) {
          // Runs waiting on the store now go to its new agent or pool.
          scheduler->StoresChanged({written->id});
        }
        reply(JsonReply(StoreJson(*written)));
      });
}

StatusOr<std::string> StoreIdOf(const PathParams& params) {
  if (!IsGuid(params[0])) return FieldError("Id", "must be a GUID");
  return jobs::AsciiLowercase(params[0]);
}

// The caller's claims are checked on the loop before the read and, against the row's
// container, on the reader.
void GetStore(const ControlDeps& deps, const Request& request, const PathParams& params,
              ReplyFn reply) {
  std::vector<std::string> claims = deps.authorizer->ClaimsOf(request);
  if (Status allowed = RequireSomeStoreRead(claims); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<std::string> id = StoreIdOf(params);
  if (!id.ok()) return reply(ErrorReply(id.status()));
  ReadAndReply(
      *deps.reader,
      [id = *id, claims = std::move(claims)](store::Repositories& db) -> StatusOr<Response> {
        ORCH_ASSIGN_OR_RETURN(store::CertStoreRecord record, db.catalog().GetCertStore(id));
        ORCH_RETURN_IF_ERROR(RequireStoreRead(claims, record));
        return JsonReply(StoreJson(record));
      },
      std::move(reply));
}

// The row goes on the writer; the catalog facts forget the store once that is committed.
void DeleteStore(const ControlDeps& deps, const Request& request, const PathParams& params,
                 ReplyFn reply) {
  if (Status allowed = deps.authorizer->Require(request, kModifyClaim); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<std::string> id = StoreIdOf(params);
  if (!id.ok()) return reply(ErrorReply(id.status()));
  deps.writer->Submit(
      [id = *id](store::Repositories& db) { return db.catalog().DeleteCertStore(id); },
      [facts = deps.catalog_facts, id = *id, reply = std::move(reply)](const Status& deleted) {
        if (!deleted.ok()) return reply(ErrorReply(deleted));
        facts->EraseStore(id);
        GetLogger("api")->info("certificate store {} deleted", id);
        reply(NoContentReply());
      });
}

void ListStores(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  const std::vector<std::string> claims = deps.authorizer->ClaimsOf(request);
  if (Status allowed = RequireSomeStoreRead(claims); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<jobs::Paging> paging = PagingOf(request, store::CertStoreQueryFields(), "");
  if (!paging.ok()) return reply(ErrorReply(paging.status()));
  if (!ReadsEveryStore(claims)) {
    if (Status scoped = RestrictToScheduleScope(claims, "s.container_id", paging->filter);
        !scoped.ok()) {
      return reply(ErrorReply(scoped));
    }
  }
  ReadAndReply(
      *deps.reader,
      [paging = std::move(paging).value()](store::Repositories& db) -> StatusOr<Response> {
        ORCH_ASSIGN_OR_RETURN(auto page, db.catalog().ListCertStores(paging));
        json rows = json::array();
        for (const store::CertStoreRecord& s : page.rows) rows.push_back(StoreJson(s));
        return ListReply(std::move(rows), page.total, page.total_exact);
      },
      std::move(reply));
}

void ListStoreTypes(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  if (Status allowed = RequireSomeStoreRead(deps.authorizer->ClaimsOf(request)); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<jobs::Paging> paging = PagingOf(request, store::StoreTypeQueryFields(), "StoreType");
  if (!paging.ok()) return reply(ErrorReply(paging.status()));
  ReadAndReply(
      *deps.reader,
      [paging = std::move(paging).value()](store::Repositories& db) -> StatusOr<Response> {
        ORCH_ASSIGN_OR_RETURN(store::Page<int> page, db.catalog().ListStoreTypes(paging));
        json rows = json::array();
        for (int type : page.rows) rows.push_back(StoreTypeJson(*jobs::FindStoreType(type)));
        return ListReply(std::move(rows), page.total, page.total_exact);
      },
      std::move(reply));
}

void ListContainers(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  if (Status allowed = RequireSomeStoreRead(deps.authorizer->ClaimsOf(request)); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<jobs::Paging> paging = PagingOf(request, store::ContainerQueryFields(), "Id");
  if (!paging.ok()) return reply(ErrorReply(paging.status()));
  ReadAndReply(
      *deps.reader,
      [paging = std::move(paging).value()](store::Repositories& db) -> StatusOr<Response> {
        ORCH_ASSIGN_OR_RETURN(auto page, db.catalog().ListContainers(paging));
        json rows = json::array();
        for (const store::ContainerRecord& c : page.rows) {
          rows.push_back({{"Id", c.id}, {"Name", c.name}});
        }
        return ListReply(std::move(rows), page.total, page.total_exact);
      },
      std::move(reply));
}

// The name is checked on the loop; the container is written by the writer and answered once
// committed.
void CreateContainer(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  StatusOr<std::string> name = [&]() -> StatusOr<std::string> {
    ORCH_RETURN_IF_ERROR(deps.authorizer->Require(request, kModifyClaim));
    ORCH_ASSIGN_OR_RETURN(json parsed, ParseJsonBody(request));
    return ParseContainerRequest(parsed);
  }();
  if (!name.ok()) return reply(ErrorReply(name.status()));
  deps.writer->Submit<store::ContainerRecord>(
      [name = *name](store::Repositories& db) { return db.catalog().AddContainer(name); },
      [reply = std::move(reply)](StatusOr<store::ContainerRecord> created) {
        if (!created.ok()) return reply(ErrorReply(created.status()));
        reply(JsonReply(json{{"Id", created->id}, {"Name", created->name}}));
      });
}

}  // namespace

void RegisterStoreRoutes(Router& router, const ControlDeps& deps) {
  router.AddAsync("GET", "/CertificateStores",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    ListStores(deps, request, std::move(reply));
                  });
  router.AddAsync("POST", "/CertificateStores",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    PutStore(deps, request, /*create=*/true, std::move(reply));
                  });
  router.AddAsync("PUT", "/CertificateStores",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    PutStore(deps, request, /*create=*/false, std::move(reply));
                  });
  router.AddAsync("GET", "/CertificateStores/{id}",
                  [deps](const Request& request, const PathParams& params, ReplyFn reply) {
                    GetStore(deps, request, params, std::move(reply));
                  });
  router.AddAsync("DELETE", "/CertificateStores/{id}",
                  [deps](const Request& request, const PathParams& params, ReplyFn reply) {
                    DeleteStore(deps, request, params, std::move(reply));
                  });
  router.AddAsync("GET", "/CertificateStoreTypes",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    ListStoreTypes(deps, request, std::move(reply));
                  });
  router.AddAsync("GET", "/CertificateStoreContainers",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    ListContainers(deps, request, std::move(reply));
                  });
  router.AddAsync("POST", "/CertificateStoreContainers",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    CreateContainer(deps, request, std::move(reply));
                  });
}

}  // namespace orch::api
