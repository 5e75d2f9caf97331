// Certificate-add jobs: POST /CertificateStores/Certificates/Add,
// GET /OrchestratorJobs/ScheduledJobs and POST /OrchestratorJobs/Unschedule.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/control/add_committer.h"
#include "api/control/add_request.h"
#include "api/control/control_api.h"
#include "api/control/job_permissions.h"
#include "api/control/targets_request.h"
#include "api/json_body.h"
#include "common/guid.h"
#include "common/logging.h"
#include "jobs/ascii.h"
#include "jobs/bounded_json.h"
#include "jobs/store_types.h"
#include "pki/secret_box.h"
#include "scheduler/scheduler.h"
#include "store/catalog_facts.h"
#include "store/catalog_repository.h"
#include "store/job_repository.h"
#include "store/store_reader.h"
#include "store/store_writer.h"

namespace orch::api {
namespace {

using nlohmann::json;

// The peer's user name as jobs and logs record it; `caller` is the Authorizer's Identify().
std::string RequesterName(const Request& request, const Caller& caller) {
  if (!request.peer) return "";
  if (caller.user) return *caller.user;
  return "uid " + std::to_string(request.peer->uid);
}

std::string TargetField(size_t index, std::string_view member) {
  return "CertificateStores[" + std::to_string(index) + "]." + std::string(member);
}

// Every store exists, can take an Add and, when asked, gets a key the certificate has.
StatusOr<std::vector<store::CertStoreFacts>> LoadTargets(const store::CatalogFacts& facts,
                                                         const AddRequest& add,
                                                         const store::CertificateFacts& cert) {
  std::vector<store::CertStoreFacts> stores;
  for (size_t i = 0; i < add.targets.size(); ++i) {
    const AddTarget& target = add.targets[i];
    ORCH_ASSIGN_OR_RETURN(store::CertStoreFacts record, facts.Store(target.store_id));
    const jobs::StoreType* type = jobs::FindStoreType(record.store_type);
    if (type == nullptr || !type->operations.add) {
      return FailedPreconditionError("certificate store " + record.id + " (type " +
                                     std::to_string(record.store_type) + ") does not support Add")
          .WithField(TargetField(i, "CertificateStoreId"));
    }
    if (target.include_private_key && !cert.has_private_key) {
      return FailedPreconditionError("certificate " + std::to_string(cert.id) +
                                     " has no private key to include")
          .WithField(TargetField(i, "IncludePrivateKey"));
    }
    stores.push_back(std::move(record));
  }
  return stores;
}

std::optional<std::string> Seal(const pki::SecretBox& box, const std::optional<std::string>& secret,
                                const std::string& job_id, std::string_view which) {
  if (!secret || secret->empty()) return std::nullopt;
  return box.Seal(*secret, store::JobSecretAad(job_id, which));
}

std::vector<store::NewJob> BuildJobs(const ControlDeps& deps,
                                     const std::optional<PeerCredentials>& peer,
                                     const std::string& requester, const AddRequest& add,
                                     const store::CertificateFacts& cert) {
  const WallTime now = deps.clock->WallNow();
  const WallTime first = jobs::FirstFire(add.schedule, now);
  const std::string schedule_json = jobs::ScheduleToJson(add.schedule).dump();
  std::vector<store::NewJob> out;
  for (const AddTarget& target : add.targets) {
    store::NewJob job;
    job.job_id = NewGuid();
    job.store_id = target.store_id;
    job.certificate_id = cert.id;
    job.alias = target.alias.empty() ? cert.thumbprint : target.alias;
    job.overwrite = target.overwrite;
    job.include_private_key = target.include_private_key;
    job.sealed_pfx_password = Seal(*deps.secret_box, target.pfx_password, job.job_id, "pfx");
    job.sealed_entry_password = Seal(*deps.secret_box, target.entry_password, job.job_id, "entry");
    job.job_fields_json = target.job_fields.dump(-1, ' ', false, json::error_handler_t::replace);
    job.schedule_json = schedule_json;
    job.schedule_type = jobs::CompactSchedule(add.schedule);
    if (first != WallTime::max()) job.next_fire = first;
    job.requested = now;
    if (peer) job.requester_uid = peer->uid;
    job.requester_name = requester;
    out.push_back(std::move(job));
  }
  return out;
}

// An Add between its checks: what it asks, who asks, and the certificate and stores it names.
// Its passwords are cleansed when it goes.
struct PendingAdd {
  AddRequest add;
  std::vector<std::string> claims;
  std::optional<PeerCredentials> peer;
  std::string requester;
  store::CertificateFacts cert;
  std::vector<store::CertStoreFacts> stores;

  ~PendingAdd() { CleanseSecrets(add); }
};

// The checks made from memory. The certificate and stores come from the catalog facts; a
// collection-scoped caller must hold the claim of the collection it names (whether the
// certificate is in it is read next, off the loop).
Status CheckFromMemory(const ControlDeps& deps, PendingAdd& pending) {
  // A caller with no schedule claim at all learns nothing about certificates or stores.
  ORCH_RETURN_IF_ERROR(CheckScheduleAccess(pending.claims, std::nullopt, "", /*any_scope=*/true));
  const store::CatalogFacts& facts = *deps.catalog_facts;
  ORCH_ASSIGN_OR_RETURN(pending.cert, facts.Certificate(pending.add.certificate_id));
  ORCH_ASSIGN_OR_RETURN(pending.stores, LoadTargets(facts, pending.add, pending.cert));
  return CheckCollectionClaim(pending.claims, pending.add.collection_id);
}

// The last checks (the stores' containers), then the jobs, handed to the group commit.
void CommitAdd(const ControlDeps& deps, const std::shared_ptr<PendingAdd>& pending, ReplyFn reply) {
  for (const store::CertStoreFacts& s : pending->stores) {
    if (Status allowed =
            CheckScheduleAccess(pending->claims, s.container_id, "certificate store " + s.id);
        !allowed.ok()) {
      return reply(ErrorReply(allowed));
    }
  }
  std::vector<store::NewJob> new_jobs =
      BuildJobs(deps, pending->peer, pending->requester, pending->add, pending->cert);
  CleanseSecrets(pending->add);
  json ids = json::array();
  for (const store::NewJob& job : new_jobs) ids.push_back(job.job_id);
  deps.committer->Submit(std::move(new_jobs),
                         [reply = std::move(reply), ids = std::move(ids), who = pending->requester,
                          certificate = pending->add.certificate_id](Status committed) {
                           if (!committed.ok()) return reply(ErrorReply(committed));
                           GetLogger("api")->info(
                               "accepted {} add job(s) of certificate {} for {}: {}", ids.size(),
                               certificate, who, ids.dump());
                           reply(JsonReply(ids));
                         });
}

// Checked on the loop from memory; only a collection-scoped caller's check reads the store
// (the collection's query over the certificate's row), on a reader.
void Add(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  StatusOr<json> parsed = ParseJsonBody(request);
  if (!parsed.ok()) return reply(ErrorReply(parsed.status()));
  StatusOr<AddRequest> add = ParseAddRequest(*parsed);
  if (!add.ok()) return reply(ErrorReply(add.status()));
  // The peer is resolved once; its claims and name serve the whole request.
  const Caller caller = deps.authorizer->Identify(request);
  auto pending = std::make_shared<PendingAdd>();
  pending->add = std::move(add).value();
  pending->claims = caller.claims;
  pending->peer = request.peer;
  pending->requester = RequesterName(request, caller);
  if (Status checked = CheckFromMemory(deps, *pending); !checked.ok()) {
    return reply(ErrorReply(checked));
  }
  if (Authorizer::Holds(pending->claims, kCollectionsReadClaim)) {
    return CommitAdd(deps, pending, std::move(reply));
  }
  deps.reader->Read<bool>(
      [claims = pending->claims, certificate = pending->cert.id,
       collection = pending->add.collection_id](store::Repositories& db) -> StatusOr<bool> {
        store::CatalogRepository& catalog = db.catalog();
        ORCH_RETURN_IF_ERROR(CheckCollectionAccess(claims, catalog, certificate, collection));
        return true;
      },
      [deps, pending, reply = std::move(reply)](StatusOr<bool> allowed) {
        if (!allowed.ok()) return reply(ErrorReply(allowed.status()));
        CommitAdd(deps, pending, reply);
      });
}

json ScheduleOf(const std::string& schedule_json) {
  StatusOr<json> schedule = jobs::ParseJson(schedule_json);
  return schedule.ok() ? std::move(schedule).value() : json(nullptr);
}

json JobJson(const store::JobRow& j) {
  auto guid_or_null = [](const std::string& id) { return id.empty() ? json(nullptr) : json(id); };
  StatusOr<json> fields = jobs::ParseJson(j.job_fields_json);
  return {{"JobId", j.job_id},
          {"JobType", j.job_type},
          {"OperationType", j.operation_type},
          {"CertificateStoreId", j.store_id},
          {"ClientMachine", j.client_machine},
          {"StorePath", j.store_path},
          {"CertStoreType", j.store_type},
          {"ContainerId", j.container_id ? json(*j.container_id) : json(nullptr)},
          {"AgentId", guid_or_null(j.agent_id)},
          {"AgentPoolId", guid_or_null(j.agent_pool_id)},
          {"CertificateId", j.certificate_id},
          {"Thumbprint", j.thumbprint},
          {"Alias", j.alias},
          {"Overwrite", j.overwrite},
          {"IncludePrivateKey", j.include_private_key},
          {"JobFields", fields.ok() ? std::move(fields).value() : json::object()},
          {"Schedule", ScheduleOf(j.schedule_json)},
          {"ScheduleType", j.schedule_type ? json(*j.schedule_type) : json(nullptr)},
          {"NextRunTime", TimeJson(j.next_fire)},
          {"State", j.state},
          {"Requested", TimeJson(j.requested)},
          {"RequestedBy", j.requester_name},
          {"SkippedOverlap", j.skipped_overlap},
          {"MissedCatchup", j.missed_catchup}};
}

// The paging and the caller's scope are settled on the loop; the page is read and rendered by
// a reader.
void ScheduledJobs(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  StatusOr<jobs::Paging> paging = PagingOf(request, store::JobQueryFields(), "NextRunTime");
  if (!paging.ok()) return reply(ErrorReply(paging.status()));
  if (Status scoped = RestrictToScheduleScope(deps.authorizer->ClaimsOf(request), "s.container_id",
                                              paging->filter);
      !scoped.ok()) {
    return reply(ErrorReply(scoped));
  }
  deps.reader->Read<Response>(
      [paging = std::move(paging).value()](store::Repositories& store) -> StatusOr<Response> {
        ORCH_ASSIGN_OR_RETURN(store::Page<store::JobRow> page,
                              store.jobs().ListJobs(paging));
        json rows = json::array();
        for (const store::JobRow& row : page.rows) rows.push_back(JobJson(row));
        return ListReply(std::move(rows), page.total, page.total_exact);
      },
      [reply = std::move(reply)](StatusOr<Response> response) {
        reply(Reply(std::move(response)));
      });
}

// On the writer: the jobs named, by query or by id (every one must exist).
StatusOr<std::vector<store::JobTarget>> FindTargets(store::JobRepository& job_store,
                                                    const JobTargets& targets) {
  if (targets.query) return job_store.MatchJobs(*targets.query);
  ORCH_ASSIGN_OR_RETURN(std::vector<store::JobTarget> found, job_store.FindJobs(targets.ids));
  std::string missing;
  for (const std::string& id : targets.ids) {
    bool present = false;
    for (const store::JobTarget& target : found) present = present || target.job_id == id;
    if (!present) missing += (missing.empty() ? "" : ", ") + id;
  }
  if (!missing.empty()) return NotFoundError("no job with Id " + missing);
  return found;
}

// What an Unschedule wrote: the jobs it named and what changed (nothing when it named none).
struct UnscheduleOutcome {
  std::vector<std::string> ids;
  store::UnscheduledJobs unscheduled;
};

// On the writer: the jobs are found, checked against the caller's schedule scope and
// unscheduled in one transaction, so the check and the change see the same rows.
StatusOr<UnscheduleOutcome> WriteUnschedule(store::Repositories& db, const JobTargets& spec,
                                            const std::vector<std::string>& claims) {
  store::JobRepository& job_store = db.jobs();
  ORCH_ASSIGN_OR_RETURN(std::vector<store::JobTarget> targets, FindTargets(job_store, spec));
  UnscheduleOutcome outcome;
  for (const store::JobTarget& target : targets) {
    ORCH_RETURN_IF_ERROR(CheckScheduleAccess(claims, target.container_id, "job " + target.job_id));
    outcome.ids.push_back(target.job_id);
  }
  if (outcome.ids.empty()) return outcome;
  ORCH_ASSIGN_OR_RETURN(outcome.unscheduled, job_store.Unschedule(outcome.ids));
  return outcome;
}

// The body and the caller's claims are checked on the loop.
StatusOr<JobTargets> UnscheduleRequest(const Request& request, const Caller& caller) {
  ORCH_ASSIGN_OR_RETURN(json parsed, ParseJsonBody(request));
  ORCH_RETURN_IF_ERROR(JsonFields::Of(parsed).status());
  // Without any schedule claim the call is refused before it reveals which jobs exist.
  ORCH_RETURN_IF_ERROR(CheckScheduleAccess(caller.claims, std::nullopt, "", /*any_scope=*/true));
  return ParseJobTargetsRequest(parsed);
}

// After the jobs' rows are committed, the scheduler drops their fires and cancels their
// waiting runs; the answer follows the cancel's commit.
void AfterUnschedule(scheduler::Scheduler* scheduler, UnscheduleOutcome outcome,
                     const std::string& who, ReplyFn reply) {
  auto answer = [reply = std::move(reply), changed = outcome.unscheduled.changed,
                 count = outcome.ids.size(), who] {
    GetLogger("api")->info("unscheduled {} of {} job(s) for {}", changed, count, who);
    reply(NoContentReply());
  };
  if (scheduler == nullptr) return answer();
  // The jobs are unscheduled for good; a failure to cancel leaves runs to be closed when their
  // agent asks for them.
  scheduler->JobsUnscheduled(
      outcome.ids, outcome.unscheduled.dequeued, [answer = std::move(answer)](Status s) {
        if (!s.ok()) {
          GetLogger("api")->error("unschedule: cancelling waiting runs: {}", s.ToString());
        }
        answer();
      });
}

void Unschedule(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  const Caller caller = deps.authorizer->Identify(request);
  StatusOr<JobTargets> targets = UnscheduleRequest(request, caller);
  if (!targets.ok()) return reply(ErrorReply(targets.status()));
  deps.writer->Submit<UnscheduleOutcome>(
      [targets = std::move(targets).value(), claims = caller.claims](store::Repositories& db) {
        return WriteUnschedule(db, targets, claims);
      },
      [scheduler = deps.scheduler, who = RequesterName(request, caller),
       reply = std::move(reply)](StatusOr<UnscheduleOutcome> outcome) {
        if (!outcome.ok()) return reply(ErrorReply(outcome.status()));
        if (outcome->ids.empty()) return reply(NoContentReply());
        AfterUnschedule(scheduler, std::move(outcome).value(), who, std::move(reply));
      });
}

}  // namespace

void RegisterJobRoutes(Router& router, const ControlDeps& deps) {
  router.AddAsync("POST", "/CertificateStores/Certificates/Add",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    Add(deps, request, std::move(reply));
                  });
  router.AddAsync("GET", "/OrchestratorJobs/ScheduledJobs",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    ScheduledJobs(deps, request, std::move(reply));
                  });
  router.AddAsync("POST", "/OrchestratorJobs/Unschedule",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    Unschedule(deps, request, std::move(reply));
                  });
}

}  // namespace orch::api
