#include "bench/bench_orchd.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "pki/base64.h"
#include "pki/test_certs.h"

namespace orch::bench {
namespace {

using Steady = std::chrono::steady_clock;

double MsSince(Steady::time_point start) {
  return std::chrono::duration<double, std::milli>(Steady::now() - start).count();
}

std::string ConfigYaml(const e2e::TempDir& dir, const OrchdSettings& settings,
                       const std::string& extra_yaml) {
  return "state_dir: " + dir.path() +
         "\n"
         "logging:\n"
         "  level: " +
         settings.log_level +
         "\n"
         "store:\n"
         "  synchronous: " +
         settings.synchronous +
         "\n"
         "agents:\n"
         "  listen: \"127.0.0.1:0\"\n"
         "  tls:\n"
         "    names: [localhost, 127.0.0.1]\n"
         "control:\n"
         "  socket: " +
         dir.File("orchd.sock") + "\n" + extra_yaml;
}

}  // namespace

BenchOrchd::BenchOrchd(OrchdSettings settings, const std::string& extra_yaml)
    : settings_(std::move(settings)) {
  e2e::WriteFile(dir_.File("orchd.yaml"), ConfigYaml(dir_, settings_, extra_yaml));
}

BenchOrchd::~BenchOrchd() {
  if (process_) Stop(milliseconds(30000)).IgnoreError();
  if (settings_.log_dir.empty()) return;
  // The state directory goes away with this object; its log is kept when asked.
  static std::atomic<int> kept{0};
  std::error_code ec;
  std::filesystem::create_directories(settings_.log_dir, ec);
  e2e::WriteFile(settings_.log_dir + "/orchd-" + std::to_string(::getpid()) + "-" +
                     std::to_string(++kept) + ".log",
                 e2e::ReadFile(log_path()));
}

Status BenchOrchd::Start(milliseconds timeout) {
  if (process_) return FailedPreconditionError("orchd is already running");
  notify_.reset();
  ::unlink(dir_.File("notify.sock").c_str());
  notify_.emplace(dir_.File("notify.sock"));
  const Steady::time_point spawned = Steady::now();
  ORCH_ASSIGN_OR_RETURN(e2e::Process p,
                        e2e::Process::Start({settings_.orchd, "--config", dir_.File("orchd.yaml")},
                                            {"NOTIFY_SOCKET=" + notify_->path()}, log_path()));
  process_.emplace(std::move(p));
  if (!notify_->WaitFor("READY=1", timeout, process_->pidfd())) {
    process_.reset();  // kills it
    return UnavailableError("orchd did not report READY=1; log:\n" + LogTail());
  }
  last_start_.ready_ms = MsSince(spawned);
  // READY=1 is sent just before the loop runs; /Status answers once it turns.
  const Steady::time_point deadline = Steady::now() + timeout;
  while (true) {
    StatusOr<e2e::UnixClient> client = Connect();
    if (client.ok()) {
      StatusOr<e2e::HttpReply> reply = Call(*client, "GET", "/Status", "", timeout);
      if (reply.ok() && reply->status == 200) {
        last_start_.status_ms = MsSince(spawned);
        const json body = reply->Json();
        version_ = body.value("Version", "");
        agent_port_ = body["AgentListener"].value("Port", uint16_t{0});
        return Status::Ok();
      }
    }
    if (Steady::now() > deadline) return UnavailableError("GET /Status never answered 200");
    std::this_thread::sleep_for(milliseconds(2));
  }
}

Status BenchOrchd::Stop(milliseconds timeout) {
  if (!process_) return Status::Ok();
  process_->Signal(SIGTERM);
  std::optional<int> code = process_->WaitExit(timeout);
  process_.reset();  // SIGKILL when it did not exit
  if (!code) return UnavailableError("orchd did not exit after SIGTERM within the timeout");
  if (*code != 0) return InternalError("orchd exited with " + std::to_string(*code));
  return Status::Ok();
}

StatusOr<int64_t> BenchOrchd::RssBytes() const {
  if (!process_) return FailedPreconditionError("orchd is not running");
  std::ifstream status("/proc/" + std::to_string(process_->pid()) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    long long kib = 0;
    if (std::sscanf(line.c_str(), "VmRSS: %lld kB", &kib) == 1) return int64_t{kib} * 1024;
  }
  return InternalError("no VmRSS in /proc/<pid>/status");
}

StatusOr<double> BenchOrchd::CpuSeconds() const {
  if (!process_) return FailedPreconditionError("orchd is not running");
  const std::string stat = e2e::ReadFile("/proc/" + std::to_string(process_->pid()) + "/stat");
  // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return InternalError("unreadable /proc/<pid>/stat");
  unsigned long long utime = 0, stime = 0;
  if (std::sscanf(stat.c_str() + close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                  &utime, &stime) != 2) {
    return InternalError("unreadable /proc/<pid>/stat");
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::string BenchOrchd::LogTail(size_t bytes) const {
  const std::string log = e2e::ReadFile(log_path());
  return log.size() <= bytes ? log : log.substr(log.size() - bytes);
}

std::string RequestText(const std::string& method, const std::string& target,
                        const std::string& body) {
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return request + "\r\n" + body;
}

StatusOr<e2e::HttpReply> Call(e2e::UnixClient& client, const std::string& method,
                              const std::string& target, const std::string& body,
                              milliseconds timeout) {
  ORCH_RETURN_IF_ERROR(client.SendRaw(RequestText(method, target, body)));
  return client.ReadReply(timeout);
}

StatusOr<json> CallJson(const BenchOrchd& orchd, const std::string& method,
                        const std::string& target, const json& body, int expected) {
  ORCH_ASSIGN_OR_RETURN(e2e::UnixClient client, orchd.Connect());
  ORCH_ASSIGN_OR_RETURN(e2e::HttpReply reply,
                        Call(client, method, target, body.is_null() ? "" : body.dump()));
  if (reply.status != expected) {
    return InternalError(method + " " + target + " answered " + std::to_string(reply.status) +
                         ": " + reply.body.substr(0, 500));
  }
  return reply.Json();
}

StatusOr<int64_t> TotalCount(const BenchOrchd& orchd, const std::string& target) {
  ORCH_ASSIGN_OR_RETURN(e2e::UnixClient client, orchd.Connect());
  ORCH_ASSIGN_OR_RETURN(e2e::HttpReply reply,
                        Call(client, "GET", target, "", milliseconds(600000)));
  auto count = reply.headers.find("x-total-count");
  if (reply.status != 200 || count == reply.headers.end()) {
    return InternalError("GET " + target + " answered " + std::to_string(reply.status));
  }
  return std::stoll(count->second);
}

StatusOr<int64_t> ImportCertificate(const BenchOrchd& orchd) {
  const std::string der = pki::testing::EcChain().leaf.cert_der;
  ORCH_ASSIGN_OR_RETURN(json cert, CallJson(orchd, "POST", "/Certificates/Import",
                                            {{"Certificate", pki::Base64Encode(der)}}, 200));
  return cert.value("Id", int64_t{0});
}

StatusOr<std::vector<std::string>> CreatePoolStores(const BenchOrchd& orchd, int count,
                                                    const std::string& machine_prefix) {
  ORCH_ASSIGN_OR_RETURN(e2e::UnixClient client, orchd.Connect());
  std::vector<std::string> ids;
  ids.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    char machine[96];
    std::snprintf(machine, sizeof machine, "%s-%05d.example.com", machine_prefix.c_str(), i);
    const json store = {{"ClientMachine", machine},
                        {"Storepath", "/etc/ssl/" + std::string(machine) + "/site.pem"},
                        {"CertStoreType", 2},
                        {"AgentPoolId", kDefaultPool}};
    ORCH_ASSIGN_OR_RETURN(e2e::HttpReply reply,
                          Call(client, "POST", "/CertificateStores", store.dump()));
    if (reply.status != 200) {
      return InternalError("POST /CertificateStores answered " + std::to_string(reply.status) +
                           ": " + reply.body.substr(0, 300));
    }
    ids.push_back(reply.Json().value("Id", ""));
  }
  return ids;
}

std::string AddBody(int64_t certificate_id, const std::vector<std::string>& stores,
                    const json& schedule) {
  json targets = json::array();
  for (const std::string& id : stores) {
    targets.push_back({{"CertificateStoreId", id}, {"Alias", "bench"}});
  }
  return json{{"CertificateId", certificate_id},
              {"CertificateStores", std::move(targets)},
              {"Schedule", schedule}}
      .dump();
}

std::string IsoUtc(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const time_t seconds = static_cast<time_t>(ms / 1000);
  tm parts{};
  gmtime_r(&seconds, &parts);
  char text[40];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &parts);
  std::snprintf(text + n, sizeof text - n, ".%03lldZ", static_cast<long long>(ms % 1000));
  return text;
}

}  // namespace orch::bench
