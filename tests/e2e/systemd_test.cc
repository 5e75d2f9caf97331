// End-to-end: orchd under the systemd protocols (sd_notify, socket activation, unit files).
#include <signal.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

#include "tests/e2e/harness.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

TEST(SystemdE2E, NotifiesReadyReloadingAndStopping) {
  // Given orchd under a NOTIFY_SOCKET, it reports READY, RELOADING+MONOTONIC_USEC, READY, STOPPING.
  OrchdFixture orchd;
  ASSERT_OK(orchd.Start());  // waits for READY=1 itself
  orchd.process().Signal(SIGHUP);
  std::optional<std::string> reloading = orchd.notify().WaitFor("RELOADING=1");
  ASSERT_TRUE(reloading.has_value());
  EXPECT_NE(reloading->find("MONOTONIC_USEC="), std::string::npos) << *reloading;
  std::optional<std::string> ready = orchd.notify().Receive();
  ASSERT_TRUE(ready.has_value());
  EXPECT_NE(ready->find("READY=1"), std::string::npos) << *ready;
  orchd.process().Signal(SIGTERM);
  std::optional<std::string> stopping = orchd.notify().WaitFor("STOPPING=1");
  ASSERT_TRUE(stopping.has_value());
  EXPECT_EQ(orchd.process().WaitExit(), 0);
}

TEST(SystemdE2E, PingsWatchdogFromEventLoop) {
  // Given WATCHDOG_USEC, orchd sends WATCHDOG=1 repeatedly while it serves.
  OrchdFixture orchd;
  ASSERT_OK(orchd.Start({"WATCHDOG_USEC=200000"}));
  ASSERT_TRUE(orchd.notify().WaitFor("WATCHDOG=1"));
  ASSERT_TRUE(orchd.notify().WaitFor("WATCHDOG=1"));
}

TEST(SystemdE2E, ServesSocketHandedOverBySocketActivation) {
  // Given systemd-socket-activate owning the control socket, orchd adopts it and answers on it.
  OrchdFixture orchd;
  const std::string activated = orchd.dir().File("activated.sock");
  NotifyListener notify(orchd.dir().File("notify-sa.sock"));
  ASSERT_OK_AND_ASSIGN(Process launcher,
                       Process::Start({"/usr/bin/systemd-socket-activate", "-l", activated, "-E",
                                       "NOTIFY_SOCKET=" + notify.path(), OrchdBinary(), "--config",
                                       orchd.config_path()},
                                      {}, orchd.dir().File("activate.log")));
  // The launcher binds the socket before it waits for a connection; wait for the file to appear.
  for (int i = 0; i < 500 && !Exists(activated); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(Exists(activated)) << launcher.Log();
  // The first connection makes the launcher exec orchd with the listening socket as fd 3.
  ASSERT_OK_AND_ASSIGN(UnixClient client, UnixClient::Connect(activated));
  ASSERT_OK_AND_ASSIGN(HttpReply reply, client.Request("GET", "/Status"));
  EXPECT_EQ(reply.status, 200) << launcher.Log();
  std::optional<std::string> ready = notify.WaitFor("READY=1");
  ASSERT_TRUE(ready.has_value());
  // STATUS= and the ready line name the socket actually served, not control.socket.
  EXPECT_NE(ready->find("STATUS=serving on " + activated + " and "), std::string::npos) << *ready;
  std::string log = launcher.Log();
  EXPECT_NE(log.find("socket activation"), std::string::npos) << log;
  EXPECT_NE(log.find("ready: control socket " + activated + ","), std::string::npos) << log;
  // orchd did not bind its configured path: the activated socket was used instead.
  EXPECT_FALSE(Exists(orchd.socket_path()));
  launcher.Signal(SIGTERM);
  EXPECT_EQ(launcher.WaitExit(), 0) << launcher.Log();
}

constexpr char kSystemdAnalyze[] = "/usr/bin/systemd-analyze";

// Copies the shipped unit files into `dir`, their ExecStart= pointing at the built binaries.
void StageUnits(const TempDir& dir) {
  for (const char* unit : {"orchd.service", "orchd.socket", "orch-agent.service"}) {
    std::string text = ReadFile(SourceDir() + "/systemd/" + unit);
    ASSERT_FALSE(text.empty()) << unit;
    for (const auto& [packaged, built] :
         {std::pair<std::string, std::string>{"/usr/bin/orchd ", OrchdBinary() + " "},
          {"/usr/bin/orch-agent ", std::string(ORCH_AGENT_BINARY) + " "}}) {
      if (size_t at = text.find(packaged); at != std::string::npos) {
        text.replace(at, packaged.size(), built);
      }
    }
    WriteFile(dir.File(unit), text);
  }
}

// The figure of "→ Overall exposure level for UNIT: 1.4 OK" in `systemd-analyze security`'s
// output; nullopt when there is no such line.
std::optional<double> OverallExposure(const std::string& output, const std::string& unit) {
  const std::string marker = "Overall exposure level for " + unit + ": ";
  const size_t at = output.find(marker);
  if (at == std::string::npos) return std::nullopt;
  const char* figure = output.c_str() + at + marker.size();
  char* end = nullptr;
  const double exposure = std::strtod(figure, &end);
  if (end == figure) return std::nullopt;
  return exposure;
}

// Runs `systemd-analyze security --offline=yes` on one staged unit and checks its exposure.
void ExpectExposureAtMost(const std::string& unit, double bound) {
  TempDir dir;
  StageUnits(dir);
  ASSERT_OK_AND_ASSIGN(Process security,
                       Process::Start({kSystemdAnalyze, "security", "--offline=yes",
                                       "--no-pager", dir.File(unit)},
                                      {}, dir.File("security.log")));
  ASSERT_EQ(security.WaitExit(), 0) << security.Log();
  const std::string output = security.Log();
  std::optional<double> exposure = OverallExposure(output, unit);
  ASSERT_TRUE(exposure.has_value()) << output;
  EXPECT_LE(*exposure, bound) << output;
  ::testing::Test::RecordProperty("exposure", std::to_string(*exposure));
}

constexpr char kNoSystemdAnalyze[] =
    "/usr/bin/systemd-analyze is missing (scripts/install-deps.sh installs the systemd package)";

TEST(SystemdE2E, UnitFilesVerifyClean) {
  // Given the shipped unit files pointing at the built binary, systemd-analyze verify is silent.
  if (!Exists(kSystemdAnalyze)) GTEST_SKIP() << kNoSystemdAnalyze;
  TempDir dir;
  StageUnits(dir);
  ASSERT_OK_AND_ASSIGN(
      Process verify,
      Process::Start({kSystemdAnalyze, "verify", dir.File("orchd.socket"),
                      dir.File("orchd.service"), dir.File("orch-agent.service")},
                     {}, dir.File("verify.log")));
  EXPECT_EQ(verify.WaitExit(), 0);
  EXPECT_EQ(verify.Log(), "");
}

TEST(SystemdE2E, OrchdServiceSandboxExposureAtMostTwo) {
  // Given orchd.service, systemd-analyze security rates its exposure 2.0 or less (SPEC §18).
  if (!Exists(kSystemdAnalyze)) GTEST_SKIP() << kNoSystemdAnalyze;
  ExpectExposureAtMost("orchd.service", 2.0);
}

TEST(SystemdE2E, OrchAgentServiceSandboxExposureAtMostTwoAndAHalf) {
  // Given orch-agent.service (root, with the capabilities deploys need), its exposure is 2.5 or
  // less.
  if (!Exists(kSystemdAnalyze)) GTEST_SKIP() << kNoSystemdAnalyze;
  ExpectExposureAtMost("orch-agent.service", 2.5);
}

}  // namespace
}  // namespace orch::e2e
