// The job history: GET /OrchestratorJobs/JobHistory and its /Stream for following,
// POST /OrchestratorJobs/Acknowledge and POST /OrchestratorJobs/Reschedule (SPEC §5.10, §7.1).
#include <charconv>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/control/control_api.h"
#include "api/control/history_json.h"
#include "api/control/job_permissions.h"
#include "api/control/targets_request.h"
#include "api/json_body.h"
#include "common/claims.h"
#include "common/logging.h"
#include "jobs/url.h"
#include "scheduler/scheduler.h"
#include "store/run_repository.h"
#include "store/store_reader.h"
#include "store/store_writer.h"

namespace orch::api {
namespace {

using nlohmann::json;

constexpr std::string_view kReadClaim = claims::kAgentsRead;
constexpr std::string_view kModifyClaim = claims::kAgentsModify;
// Rows replayed before following when a stream names `after`.
constexpr int kMaxReplayRows = 1000;

// Follows the history: every run the scheduler writes or changes, as one NDJSON line. A stream
// that replays rows follows from before its replay is read, and keeps what is published until
// it starts, so that no run falls between the replay and the following.
class HistoryStream final : public BodyStream, public std::enable_shared_from_this<HistoryStream> {
 public:
  explicit HistoryStream(const ControlDeps& deps) : deps_(deps) {}

  // Subscribes now; runs published before Start() are sent after the replay.
  void Follow() {
    if (handle_ != 0 || deps_.scheduler == nullptr) return;
    std::weak_ptr<HistoryStream> self = weak_from_this();
    handle_ = deps_.scheduler->Subscribe([self](const store::RunRecord& run) {
      if (std::shared_ptr<HistoryStream> stream = self.lock()) stream->Published(run);
    });
  }

  void SetReplay(std::vector<store::RunRecord> replay) { replay_ = std::move(replay); }

  void Start(std::shared_ptr<ChunkSink> sink) override {
    sink_ = std::move(sink);
    // A run published while the replay was read may be in both: it is sent once.
    std::set<std::string> replayed;
    for (const store::RunRecord& run : replay_) {
      std::string line = Line(run);
      if (!Write(line)) return;
      replayed.insert(std::move(line));
    }
    for (const store::RunRecord& run : early_) {
      std::string line = Line(run);
      if (replayed.count(line) == 0 && !Write(line)) return;
    }
    replay_.clear();
    early_.clear();
    Follow();
  }

  void Stop() override { Unsubscribe(); }

  ~HistoryStream() override { Unsubscribe(); }

 private:
  static std::string Line(const store::RunRecord& run) {
    return HistoryRowJson(run).dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  }

  void Published(const store::RunRecord& run) {
    if (!sink_) return early_.push_back(run);
    Write(Line(run));
  }

  bool Write(const std::string& line) {
    if (sink_->Write(line)) return true;
    Unsubscribe();
    return false;
  }

  void Unsubscribe() {
    if (handle_ != 0 && deps_.scheduler != nullptr) deps_.scheduler->Unsubscribe(handle_);
    handle_ = 0;
  }

  ControlDeps deps_;
  std::vector<store::RunRecord> replay_;
  std::vector<store::RunRecord> early_;
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
      [paging = std::move(paging).value()](store::Repositories& store) -> StatusOr<Response> {
        ORCH_ASSIGN_OR_RETURN(store::Page<store::RunRecord> page,
                              store.runs().ListRuns(paging));
        json rows = json::array();
        for (const store::RunRecord& run : page.rows) rows.push_back(HistoryRowJson(run));
        return ListReply(std::move(rows), page.total, page.total_exact);
      },
      [reply = std::move(reply)](StatusOr<Response> response) {
        reply(Reply(std::move(response)));
      });
}

Response StreamResponse(std::shared_ptr<HistoryStream> stream) {
  Response response;
  response.content_type = "application/x-ndjson";
  response.stream = std::move(stream);
  return response;
}

// ?after=<JobHistoryId>: replay the rows after it (at most kMaxReplayRows) before following.
// The rows are read by a reader, with the stream already following.
void StreamHistory(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  if (Status allowed = deps.authorizer->Require(request, kReadClaim); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  const std::map<std::string, std::string> params = jobs::ParseQueryString(request.query);
  auto stream = std::make_shared<HistoryStream>(deps);
  const auto after = params.find("after");
  if (after == params.end()) return reply(StreamResponse(std::move(stream)));
  int64_t id = 0;
  const std::string& text = after->second;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (error != std::errc() || end != text.data() + text.size() || id < 0) {
    return reply(ErrorReply(FieldError("after", "must be a job history id (a whole number)")));
  }
  stream->Follow();
  deps.reader->Read<std::vector<store::RunRecord>>(
      [id](store::Repositories& store) {
        return store.runs().RunsAfter(id, kMaxReplayRows);
      },
      [stream, reply = std::move(reply)](StatusOr<std::vector<store::RunRecord>> replay) {
        if (!replay.ok()) return reply(ErrorReply(replay.status()));
        stream->SetReplay(std::move(replay).value());
        reply(StreamResponse(stream));
      });
}

// Parsed and compiled on the loop, so bad input is answered without touching the store.
StatusOr<RunTargets> ParseTargets(const Request& request) {
  ORCH_ASSIGN_OR_RETURN(json parsed, ParseJsonBody(request));
  return ParseRunTargetsRequest(parsed);
}

// On the writer: the ids of the runs, matched in the same transaction that changes them.
StatusOr<std::vector<int64_t>> ResolveTargets(store::RunRepository& runs, const RunTargets& targets) {
  if (!targets.query) return targets.ids;
  return runs.MatchRuns(*targets.query, kMaxTargetIds);
}

// What an Acknowledge or a Reschedule wrote: the runs it named and what it changed or created.
struct RunsWritten {
  std::vector<int64_t> ids;
  int64_t changed = 0;
  std::vector<store::RunRecord> created;
};

// The runs are matched and acknowledged together on the writer; the scheduler's listeners
// hear of them once that is committed.
void Acknowledge(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  if (Status allowed = deps.authorizer->Require(request, kModifyClaim); !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<RunTargets> targets = ParseTargets(request);
  if (!targets.ok()) return reply(ErrorReply(targets.status()));
  deps.writer->Submit<RunsWritten>(
      [targets = std::move(targets).value()](store::Repositories& db) -> StatusOr<RunsWritten> {
        store::RunRepository& runs = db.runs();
        RunsWritten written;
        ORCH_ASSIGN_OR_RETURN(written.ids, ResolveTargets(runs, targets));
        if (written.ids.empty()) return written;
        ORCH_ASSIGN_OR_RETURN(written.changed, runs.Acknowledge(written.ids));
        return written;
      },
      [scheduler = deps.scheduler, reply = std::move(reply)](StatusOr<RunsWritten> written) {
        if (!written.ok()) return reply(ErrorReply(written.status()));
        if (written->ids.empty()) return reply(NoContentReply());
        if (scheduler != nullptr) scheduler->RunsChanged(written->ids);
        GetLogger("api")->info("acknowledged {} job history entr{}", written->changed,
                               written->changed == 1 ? "y" : "ies");
        reply(NoContentReply());
      });
}

// On the writer: every run must exist and lie in the caller's schedule scope; each then gets
// a new run, all in one transaction.
StatusOr<RunsWritten> WriteReschedule(store::Repositories& db, const RunTargets& targets,
                                      const std::vector<std::string>& claims, WallTime now) {
  store::RunRepository& runs = db.runs();
  RunsWritten written;
  ORCH_ASSIGN_OR_RETURN(written.ids, ResolveTargets(runs, targets));
  if (written.ids.empty()) return written;
  for (int64_t id : written.ids) {
    ORCH_ASSIGN_OR_RETURN(std::optional<store::RunRecord> run, runs.FindRun(id));
    if (!run) return NotFoundError("no job history entry with Id " + std::to_string(id));
    ORCH_RETURN_IF_ERROR(
        CheckScheduleAccess(claims, run->container_id, "job history entry " + std::to_string(id)));
  }
  ORCH_ASSIGN_OR_RETURN(written.created, runs.Rerun(written.ids, now));
  return written;
}

// The new runs are written on the writer; the scheduler is told of them once committed.
void Reschedule(const ControlDeps& deps, const Request& request, ReplyFn reply) {
  std::vector<std::string> claims = deps.authorizer->ClaimsOf(request);
  if (Status allowed = CheckScheduleAccess(claims, std::nullopt, "", /*any_scope=*/true);
      !allowed.ok()) {
    return reply(ErrorReply(allowed));
  }
  StatusOr<RunTargets> targets = ParseTargets(request);
  if (!targets.ok()) return reply(ErrorReply(targets.status()));
  deps.writer->Submit<RunsWritten>(
      [targets = std::move(targets).value(), claims = std::move(claims),
       now = deps.clock->WallNow()](store::Repositories& db) {
        return WriteReschedule(db, targets, claims, now);
      },
      [scheduler = deps.scheduler, reply = std::move(reply)](StatusOr<RunsWritten> written) {
        if (!written.ok()) return reply(ErrorReply(written.status()));
        if (written->ids.empty()) return reply(NoContentReply());
        if (scheduler != nullptr) scheduler->RunsCreated(written->created);
        GetLogger("api")->info("rescheduled {} failed run(s) as {} new run(s)", written->ids.size(),
                               written->created.size());
        reply(NoContentReply());
      });
}

}  // namespace

void RegisterHistoryRoutes(Router& router, const ControlDeps& deps) {
  router.AddAsync("GET", "/OrchestratorJobs/JobHistory",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    JobHistory(deps, request, std::move(reply));
                  });
  router.AddAsync("GET", "/OrchestratorJobs/JobHistory/Stream",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    StreamHistory(deps, request, std::move(reply));
                  });
  router.AddAsync("POST", "/OrchestratorJobs/Acknowledge",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    Acknowledge(deps, request, std::move(reply));
                  });
  router.AddAsync("POST", "/OrchestratorJobs/Reschedule",
                  [deps](const Request& request, const PathParams&, ReplyFn reply) {
                    Reschedule(deps, request, std::move(reply));
                  });
}

}  // namespace orch::api
