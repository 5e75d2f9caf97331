// The job history: GET /OrchestratorJobs/JobHistory and its /Stream for following,
// POST /OrchestratorJobs/Acknowledge and POST /OrchestratorJobs/Reschedule (SPEC §5.10, §7.1).
#include <charconv>
#include <memory>

#include <nlohmann/json.hpp>

#include "api/control/control_api.h"
#include "api/control/history_json.h"
#include "api/control/job_permissions.h"
#include "api/json_body.h"
#include "common/claims.h"
#include "common/logging.h"
#include "jobs/url.h"
#include "scheduler/scheduler.h"
#include "store/read_pool.h"
#include "store/run_store.h"

namespace orch::api {
namespace {

using nlohmann::json;

constexpr std::string_view kReadClaim = claims::kAgentsRead;
constexpr std::string_view kModifyClaim = claims::kAgentsModify;
constexpr size_t kMaxAuditIds = 10000;
// Rows replayed before following when a stream names `after`.
constexpr int kMaxReplayRows = 1000;

// Follows the history: every run the scheduler writes or changes, as one NDJSON line.
class HistoryStream final : public BodyStream, public std::enable_shared_from_this<HistoryStream> {
 public:
  HistoryStream(const ControlDeps& deps, std::vector<store::RunRecord> replay)
      : deps_(deps), replay_(std::move(replay)) {}

  void Start(std::shared_ptr<ChunkSink> sink) override {
    sink_ = std::move(sink);
    for (const store::RunRecord& run : replay_) {
      if (!Send(run)) return;
    }
    replay_.clear();
    if (deps_.scheduler == nullptr) return;
    std::weak_ptr<HistoryStream> self = weak_from_this();
    handle_ = deps_.scheduler->Subscribe([self](const store::RunRecord& run) {
      if (std::shared_ptr<HistoryStream> stream = self.lock()) stream->Send(run);
    });
  }

  void Stop() override { Unsubscribe(); }

  ~HistoryStream() override { Unsubscribe(); }

 private:
  bool Send(const store::RunRecord& run) {
    if (sink_->Write(HistoryRowJson(run).dump(-1, ' ', false, json::error_handler_t::replace) +
                     "\n")) {
      return true;
    }
    Unsubscribe();
    return false;
  }

  void Unsubscribe() {
    if (handle_ != 0 && deps_.scheduler != nullptr) deps_.scheduler->Unsubscribe(handle_);
    handle_ = 0;
  }

  ControlDeps deps_;
  std::vector<store::RunRecord> replay_;
  std::shared_ptr<ChunkSink> sink_;
  uint64_t handle_ = 0;
};

// The claim and the paging are checked on the loop; the page is read and rendered by a reader.
void JobHistory(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  if (Status allowed = deps.authorizer->Require(request, kReadClaim); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<jobs::Paging> paging = PagingOf(request, store::RunQueryFields(), "JobHistoryId");
  if (!paging.ok()) return reply(ErrorReply(paging.status()));
  deps.reader->Read<Response>(
      [paging = std::move(paging).value()](store::SqliteStore& store) -> StatusOr<Response> {
        ORCH_ASSIGN_OR_RETURN(store::Page<store::RunRecord> page,
                              store::RunStore(store).ListRuns(paging));
        json rows = json::array();
        for (const store::RunRecord& run : page.rows) rows.push_back(HistoryRowJson(run));
        return ListReply(std::move(rows), page.total, page.total_exact);
      },
      [reply = std::move(reply)](StatusOr<Response> response) {
        reply(Reply(std::move(response)));
      });
}

// ?after=<JobHistoryId>: replay the rows after it (at most kMaxReplayRows) before following.
StatusOr<Response> StreamHistory(const ControlDeps& deps, const Request& request) {
  ORCH_RETURN_IF_ERROR(deps.authorizer->Require(request, kReadClaim));
  const std::map<std::string, std::string> params = jobs::ParseQueryString(request.query);
  std::vector<store::RunRecord> replay;
  if (auto after = params.find("after"); after != params.end()) {
    int64_t id = 0;
    const std::string& text = after->second;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (error != std::errc() || end != text.data() + text.size() || id < 0) {
      return FieldError("after", "must be a job history id (a whole number)");
    }
    ORCH_ASSIGN_OR_RETURN(replay, store::RunStore(*deps.store).RunsAfter(id, kMaxReplayRows));
  }
  Response response;
  response.content_type = "application/x-ndjson";
  response.stream = std::make_shared<HistoryStream>(deps, std::move(replay));
  return response;
}

StatusOr<std::vector<int64_t>> ParseAuditIds(const JsonFields& body, const json& list) {
  if (!list.is_array() || list.empty() || list.size() > kMaxAuditIds) {
    return FieldError(body.Field("JobAuditIds"), "must be a non-empty array of at most " +
                                                     std::to_string(kMaxAuditIds) +
                                                     " job history ids");
  }
  std::vector<int64_t> ids;
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_number_integer() || list[i].get<int64_t>() <= 0) {
      return FieldError("JobAuditIds[" + std::to_string(i) + "]",
                        "must be a positive integer job history id");
    }
    ids.push_back(list[i].get<int64_t>());
  }
  return ids;
}

// The runs a call names: {JobAuditIds: [...]} or {Query: "..."}; exactly one of the two.
StatusOr<std::vector<int64_t>> TargetRuns(const ControlDeps& deps, const Request& request) {
  ORCH_ASSIGN_OR_RETURN(json parsed, ParseJsonBody(request));
  ORCH_ASSIGN_OR_RETURN(JsonFields body, JsonFields::Of(parsed));
  const json* ids = body.Find("JobAuditIds");
  const json* query = body.Find("Query");
  if ((ids == nullptr) == (query == nullptr)) {
    return FieldError("JobAuditIds", "exactly one of JobAuditIds and Query must be given");
  }
  if (ids != nullptr) return ParseAuditIds(body, *ids);
  if (!query->is_string()) return FieldError("Query", "must be a query string");
  StatusOr<jobs::SqlFilter> filter =
      jobs::CompileQuery(query->get<std::string>(), store::RunQueryFields());
  if (!filter.ok()) return InvalidArgumentError(filter.status().message()).WithField("Query");
  return store::RunStore(*deps.store).MatchRuns(*filter, kMaxAuditIds);
}

StatusOr<Response> Acknowledge(const ControlDeps& deps, const Request& request) {
  ORCH_RETURN_IF_ERROR(deps.authorizer->Require(request, kModifyClaim));
  ORCH_ASSIGN_OR_RETURN(std::vector<int64_t> ids, TargetRuns(deps, request));
  if (ids.empty()) return NoContentReply();
  ORCH_ASSIGN_OR_RETURN(int64_t changed, store::RunStore(*deps.store).Acknowledge(ids));
  if (deps.scheduler != nullptr) deps.scheduler->RunsChanged(ids);
  GetLogger("api")->info("acknowledged {} job history entr{}", changed, changed == 1 ? "y" : "ies");
  return NoContentReply();
}

StatusOr<Response> Reschedule(const ControlDeps& deps, const Request& request) {
  const std::vector<std::string> claims = deps.authorizer->ClaimsOf(request);
  ORCH_RETURN_IF_ERROR(CheckScheduleAccess(claims, std::nullopt, "", /*any_scope=*/true));
  ORCH_ASSIGN_OR_RETURN(std::vector<int64_t> ids, TargetRuns(deps, request));
  if (ids.empty()) return NoContentReply();
  store::RunStore runs(*deps.store);
  for (int64_t id : ids) {
    ORCH_ASSIGN_OR_RETURN(std::optional<store::RunRecord> run, runs.FindRun(id));
    if (!run) return NotFoundError("no job history entry with Id " + std::to_string(id));
    ORCH_RETURN_IF_ERROR(
        CheckScheduleAccess(claims, run->container_id, "job history entry " + std::to_string(id)));
  }
  ORCH_ASSIGN_OR_RETURN(std::vector<store::RunRecord> created,
                        runs.Rerun(ids, deps.clock->WallNow()));
  if (deps.scheduler != nullptr) deps.scheduler->RunsCreated(created);
  GetLogger("api")->info("rescheduled {} failed run(s) as {} new run(s)", ids.size(),
                         created.size());
  return NoContentReply();
}

}  // namespace

void RegisterHistoryRoutes(Router& router, const ControlDeps& deps) {
  router.AddAsync("GET", "/OrchestratorJobs/JobHistory",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    JobHistory(deps, request, std::move(reply));
                  });
  router.Add("GET", "/OrchestratorJobs/JobHistory/Stream",
             [deps](const Request& request, const PathParams&) {
               return Reply(StreamHistory(deps, request));
             });
  router.Add("POST", "/OrchestratorJobs/Acknowledge",
             [deps](const Request& request, const PathParams&) {
               return Reply(Acknowledge(deps, request));
             });
  router.Add("POST", "/OrchestratorJobs/Reschedule",
             [deps](const Request& request, const PathParams&) {
               return Reply(Reschedule(deps, request));
             });
}

}  // namespace orch::api
