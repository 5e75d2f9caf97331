// End-to-end: the real orchd binary on a temporary config, socket and database.
#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/harness.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

// Binds a Unix socket at `path` and closes it without unlinking, as a killed process would.
void LeaveStaleSocket(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);
}

// Expects `orchd --check-config config` to print exactly `expected` and exit 1, and
// `orchd --config config` to exit 1 with `expected` in its log.
void ExpectCheckAndStartRefuse(const TempDir& dir, const std::string& config,
                               const std::string& expected) {
  ASSERT_OK_AND_ASSIGN(Process check, Process::Start({OrchdBinary(), "--check-config", config}, {},
                                                     dir.File("check.log")));
  EXPECT_EQ(check.WaitExit(), 1);
  EXPECT_EQ(check.Log(), expected + "\n");
  ASSERT_OK_AND_ASSIGN(Process start, Process::Start({OrchdBinary(), "--config", config}, {},
                                                     dir.File("start.log")));
  EXPECT_EQ(start.WaitExit(), 1);
  EXPECT_NE(start.Log().find(expected), std::string::npos) << start.Log();
}

// Expects an ErrorBody with `code` and a non-empty message.
void ExpectErrorBody(const HttpReply& reply, int status, const std::string& code) {
  EXPECT_EQ(reply.status, status) << reply.body;
  nlohmann::json body = reply.Json();
  ASSERT_TRUE(body.is_object()) << reply.body;
  EXPECT_EQ(body.value("errorCode", ""), code) << reply.body;
  EXPECT_TRUE(body.contains("errorDetails")) << reply.body;
  EXPECT_FALSE(body.value("errorMessage", "").empty()) << reply.body;
}

TEST(DaemonE2E, StatusAnswersVersionUptimeAndStoreHealth) {
  // Given a started orchd, GET /Status answers JSON with version, uptime and a healthy store.
  OrchdFixture orchd;
  ASSERT_OK(orchd.Start());
  ASSERT_OK_AND_ASSIGN(UnixClient client, orchd.Connect());
  ASSERT_OK_AND_ASSIGN(HttpReply reply, client.Request("GET", "/Status"));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.headers["content-type"], "application/json");
  nlohmann::json body = reply.Json();
  EXPECT_FALSE(body.value("Version", "").empty());
  EXPECT_TRUE(body["UptimeSeconds"].is_number_integer());
  EXPECT_EQ(body["Store"]["Healthy"], true);
  EXPECT_EQ(body["Store"]["Path"], orchd.dir().File("orchd.db"));
  EXPECT_GE(body["Store"]["SchemaVersion"].get<int>(), 1);
  // The same path is served under the /KeyfactorAPI prefix, on the same kept-alive connection.
  ASSERT_OK_AND_ASSIGN(reply, client.Request("GET", "/KeyfactorAPI/Status"));
  EXPECT_EQ(reply.status, 200);
}

TEST(DaemonE2E, ErrorsAreErrorBodies) {
  // Given a daemon with a 1 KiB body limit, 404, 405, 413 and 431 are ErrorBodies.
  OrchdFixture orchd("");
  WriteFile(orchd.config_path(), orchd.BaseYaml() + "  max_body: 1KiB\n");
  ASSERT_OK(orchd.Start());
  {
    ASSERT_OK_AND_ASSIGN(UnixClient client, orchd.Connect());
    ASSERT_OK_AND_ASSIGN(HttpReply reply, client.Request("GET", "/NoSuchThing"));
    ExpectErrorBody(reply, 404, "API_ERROR");
    ASSERT_OK_AND_ASSIGN(reply, client.Request("POST", "/Status", "{}"));
    ExpectErrorBody(reply, 405, "API_ERROR");
    EXPECT_EQ(reply.headers["allow"], "GET");
  }
  {
    ASSERT_OK_AND_ASSIGN(UnixClient client, orchd.Connect());
    ASSERT_OK_AND_ASSIGN(HttpReply reply,
                         client.Request("POST", "/Status", std::string(4096, 'x')));
    ExpectErrorBody(reply, 413, "LIMIT_ERROR");
  }
  {
    ASSERT_OK_AND_ASSIGN(UnixClient client, orchd.Connect());
    ASSERT_OK_AND_ASSIGN(HttpReply reply, client.Request("GET", "/Status", "",
                                                         {"X-Big: " + std::string(20000, 'h')}));
    ExpectErrorBody(reply, 431, "LIMIT_ERROR");
  }
  // After all of that the daemon still serves.
  ASSERT_OK_AND_ASSIGN(UnixClient client, orchd.Connect());
  ASSERT_OK_AND_ASSIGN(HttpReply reply, client.Request("GET", "/Status"));
  EXPECT_EQ(reply.status, 200);
}

TEST(DaemonE2E, MalformedRequestClosesOnlyItsConnection) {
  // Given two open connections, garbage on one closes it while the other keeps working.
  OrchdFixture orchd;
  ASSERT_OK(orchd.Start());
  ASSERT_OK_AND_ASSIGN(UnixClient bad, orchd.Connect());
  ASSERT_OK_AND_ASSIGN(UnixClient good, orchd.Connect());
  ASSERT_OK_AND_ASSIGN(HttpReply first, good.Request("GET", "/Status"));
  EXPECT_EQ(first.status, 200);

  ASSERT_OK(bad.SendRaw("THIS IS NOT HTTP\x01\x02\r\n\r\n"));
  ASSERT_OK_AND_ASSIGN(HttpReply refused, bad.ReadReply());
  EXPECT_EQ(refused.status, 400);
  EXPECT_TRUE(refused.Json().contains("errorCode"));
  EXPECT_TRUE(bad.PeerClosed());

  ASSERT_OK_AND_ASSIGN(HttpReply second, good.Request("GET", "/Status"));
  EXPECT_EQ(second.status, 200);
}

TEST(DaemonE2E, ReloadRejectsBrokenYamlAndAppliesValidEdit) {
  // Given a 1 KiB body limit, a broken reload keeps it, and a valid edit to 8 KiB applies it.
  OrchdFixture orchd;
  const std::string base = orchd.BaseYaml();
  WriteFile(orchd.config_path(), base + "  max_body: 1KiB\n");
  ASSERT_OK(orchd.Start());
  const std::string two_kib(2048, 'x');
  auto post_status = [&]() -> int {
    auto client = orchd.Connect();
    if (!client.ok()) return -1;
    auto reply = client->Request("POST", "/Status", two_kib);
    return reply.ok() ? reply->status : -1;
  };
  EXPECT_EQ(post_status(), 413);

  WriteFile(orchd.config_path(), base + "  max_body: [unclosed\n");
  orchd.process().Signal(SIGHUP);
  ASSERT_TRUE(orchd.notify().WaitFor("READY=1"));
  EXPECT_EQ(post_status(), 413);  // the old limit still holds
  std::string log = orchd.process().Log();
  EXPECT_NE(log.find(orchd.config_path() + ":"), std::string::npos) << log;
  EXPECT_NE(log.find("reload rejected"), std::string::npos) << log;

  WriteFile(orchd.config_path(), base + "  max_body: 8KiB\n");
  orchd.process().Signal(SIGHUP);
  ASSERT_TRUE(orchd.notify().WaitFor("READY=1"));
  EXPECT_EQ(post_status(), 405);  // the body is now read, and POST is not a /Status method
}

TEST(DaemonE2E, ReloadRefusesPoolsNamedLikeAnotherIgnoringCase) {
  // Given a running orchd, reloads declaring "default agent pool", or both "p" and "P", are
  // rejected naming the setting, and no pool is created.
  OrchdFixture orchd;
  ASSERT_OK(orchd.Start());
  for (const std::string& pools : {std::string("pools:\n  - name: default agent pool\n"),
                                   std::string("pools:\n  - name: p\n  - name: P\n")}) {
    WriteFile(orchd.config_path(), pools + orchd.BaseYaml());
    orchd.process().Signal(SIGHUP);
    ASSERT_TRUE(orchd.notify().WaitFor("reload rejected")) << orchd.process().Log();
  }
  std::string log = orchd.process().Log();
  EXPECT_NE(log.find(orchd.config_path() + ":2:11: pools[0].name: "), std::string::npos) << log;
  EXPECT_NE(log.find(orchd.config_path() + ":3:11: pools[1].name: "), std::string::npos) << log;
  ASSERT_OK_AND_ASSIGN(UnixClient client, orchd.Connect());
  ASSERT_OK_AND_ASSIGN(HttpReply reply, client.Request("GET", "/AgentPools"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  ASSERT_EQ(reply.Json().size(), 1u) << reply.body;
  EXPECT_EQ(reply.Json()[0]["Name"], "Default Agent Pool");
}

TEST(DaemonE2E, SigtermExitsZeroAndRemovesSocket) {
  // Given a running daemon, SIGTERM drains, exits 0 and removes the socket file.
  OrchdFixture orchd;
  ASSERT_OK(orchd.Start());
  ASSERT_TRUE(Exists(orchd.socket_path()));
  orchd.process().Signal(SIGTERM);
  std::optional<int> code = orchd.process().WaitExit();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << orchd.process().Log();
  EXPECT_FALSE(Exists(orchd.socket_path()));
}

TEST(DaemonE2E, SigpipeDoesNotEndTheDaemon) {
  // Given a running daemon started with SIGPIPE at its default, a SIGPIPE (what a write to a
  // vanished client raises) leaves it running and answering.
  OrchdFixture orchd;
  ASSERT_OK(orchd.Start());
  orchd.process().Signal(SIGPIPE);
  EXPECT_FALSE(orchd.process().WaitExit(std::chrono::milliseconds(300)).has_value())
      << orchd.process().Log();
  ASSERT_OK_AND_ASSIGN(UnixClient client, orchd.Connect());
  ASSERT_OK_AND_ASSIGN(HttpReply reply, client.Request("GET", "/Status"));
  EXPECT_EQ(reply.status, 200);
}

TEST(DaemonE2E, SecondDaemonNeverStealsALiveSocket) {
  // Given a live orchd, a second one on the same socket (another state dir) refuses to start.
  OrchdFixture first;
  ASSERT_OK(first.Start());
  TempDir other;
  WriteFile(other.File("orchd.yaml"),
            "state_dir: " + other.path() + "\ncontrol:\n  socket: " + first.socket_path() + "\n");
  ASSERT_OK_AND_ASSIGN(Process second,
                       Process::Start({OrchdBinary(), "--config", other.File("orchd.yaml")}, {},
                                      other.File("second.log")));
  std::optional<int> code = second.WaitExit();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  EXPECT_NE(second.Log().find(first.socket_path()), std::string::npos) << second.Log();
  // The first daemon still owns and serves its socket.
  ASSERT_OK_AND_ASSIGN(UnixClient client, first.Connect());
  ASSERT_OK_AND_ASSIGN(HttpReply reply, client.Request("GET", "/Status"));
  EXPECT_EQ(reply.status, 200);
}

TEST(DaemonE2E, SecondDaemonRefusedForALiveSocketCreatesNothing) {
  // Given a live orchd, a second one on the same socket with an empty state directory of its
  // own exits 1 and leaves that directory empty: no database, CA, master key or lock file.
  OrchdFixture first;
  ASSERT_OK(first.Start());
  TempDir other;
  TempDir state;
  WriteFile(other.File("orchd.yaml"), "state_dir: " + state.path() +
                                          "\nagents:\n  listen: \"127.0.0.1:0\"\ncontrol:\n"
                                          "  socket: " +
                                          first.socket_path() + "\n");
  ASSERT_OK_AND_ASSIGN(Process second,
                       Process::Start({OrchdBinary(), "--config", other.File("orchd.yaml")}, {},
                                      other.File("second.log")));
  EXPECT_EQ(second.WaitExit(), 1);
  EXPECT_NE(second.Log().find("another process is serving " + first.socket_path()),
            std::string::npos)
      << second.Log();
  EXPECT_TRUE(std::filesystem::is_empty(state.path()));
}

TEST(DaemonE2E, SecondDaemonRefusedForAnAgentPortInUseCreatesNothing) {
  // Given a TCP port something listens on, an orchd told to listen there for agents exits 1
  // and leaves its empty state directory empty.
  int taken = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(taken, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(::listen(taken, 1), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(::getsockname(taken, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string port = std::to_string(ntohs(address.sin_port));
  TempDir other;
  TempDir state;
  WriteFile(other.File("orchd.yaml"), "state_dir: " + state.path() +
                                          "\nagents:\n  listen: \"127.0.0.1:" + port +
                                          "\"\ncontrol:\n  socket: " + other.File("o.sock") + "\n");
  ASSERT_OK_AND_ASSIGN(Process orchd,
                       Process::Start({OrchdBinary(), "--config", other.File("orchd.yaml")}, {},
                                      other.File("orchd.log")));
  EXPECT_EQ(orchd.WaitExit(), 1);
  ::close(taken);
  EXPECT_NE(orchd.Log().find("agent listener: cannot listen on 127.0.0.1:" + port),
            std::string::npos)
      << orchd.Log();
  EXPECT_TRUE(std::filesystem::is_empty(state.path()));
}

TEST(DaemonE2E, SecondDaemonOnSameStateDirIsRefused) {
  // Given a live orchd, a second one on the same state directory refuses, naming the lock.
  OrchdFixture first;
  ASSERT_OK(first.Start());
  ASSERT_OK_AND_ASSIGN(Process second,
                       first.Spawn({"--config", first.config_path()}, "second.log"));
  std::optional<int> code = second.WaitExit();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  EXPECT_NE(second.Log().find("another orchd"), std::string::npos) << second.Log();
}

TEST(DaemonE2E, StaleSocketFileIsReplaced) {
  // Given a socket file left by a dead process, orchd replaces it and serves.
  OrchdFixture orchd;
  LeaveStaleSocket(orchd.socket_path());
  ASSERT_TRUE(Exists(orchd.socket_path()));
  ASSERT_OK(orchd.Start());
  ASSERT_OK_AND_ASSIGN(UnixClient client, orchd.Connect());
  ASSERT_OK_AND_ASSIGN(HttpReply reply, client.Request("GET", "/Status"));
  EXPECT_EQ(reply.status, 200);
}

TEST(DaemonE2E, CheckConfigReportsFileLineColumn) {
  // Given configs with an unknown key in a section and at the top level, --check-config exits
  // 1 naming file:line:col and the setting.
  OrchdFixture orchd;
  WriteFile(orchd.config_path(), "control:\n  sockett: /tmp/x.sock\n");
  ASSERT_OK_AND_ASSIGN(Process p,
                       orchd.Spawn({"--check-config", orchd.config_path()}, "check.log"));
  EXPECT_EQ(p.WaitExit(), 1);
  EXPECT_NE(p.Log().find(orchd.config_path() + ":2:3: control.sockett: unknown key"),
            std::string::npos)
      << p.Log();
  WriteFile(orchd.config_path(), "controll:\n  socket: /tmp/x.sock\n");
  ASSERT_OK_AND_ASSIGN(Process top,
                       orchd.Spawn({"--check-config", orchd.config_path()}, "top.log"));
  EXPECT_EQ(top.WaitExit(), 1);
  EXPECT_NE(top.Log().find(orchd.config_path() + ":1:1: controll: unknown key"), std::string::npos)
      << top.Log();
  WriteFile(orchd.config_path(), orchd.BaseYaml());
  ASSERT_OK_AND_ASSIGN(Process ok, orchd.Spawn({"--check-config", orchd.config_path()}, "ok.log"));
  EXPECT_EQ(ok.WaitExit(), 0) << ok.Log();
}

TEST(DaemonE2E, MissingControlGroupIsRefusedByCheckAndStartAtItsPosition) {
  // Given control.group naming a group this host lacks, --check-config and start both refuse it
  // with file:line:col, and the refused start creates nothing in its state directory.
  TempDir dir;
  const std::string config = dir.File("orchd.yaml");
  WriteFile(config, "state_dir: " + dir.File("state") + "\nagents:\n  listen: \"127.0.0.1:0\"\n" +
                        "control:\n  group: no-such-group-orchd\n");
  const std::string expected =
      config + ":5:10: control.group: no such group \"no-such-group-orchd\"";
  ExpectCheckAndStartRefuse(dir, config, expected);
  EXPECT_FALSE(Exists(dir.File("state")));
}

TEST(DaemonE2E, LongStateDirIsRefusedByCheckAndStartBeforeAnythingIsCreated) {
  // Given a state_dir too long for the default control socket under it, --check-config and
  // start refuse state_dir at its position, and start creates nothing.
  TempDir dir;
  const std::string state = dir.File(std::string(100, 's'));
  const std::string config = dir.File("orchd.yaml");
  WriteFile(config, "agents:\n  listen: \"127.0.0.1:0\"\nstate_dir: " + state + "\n");
  const std::string expected = config + ":3:12: state_dir: the default control socket " + state +
                               "/orchd.sock is " + std::to_string(state.size() + 11) +
                               " bytes, longer than 107; set control.socket to a shorter path";
  ExpectCheckAndStartRefuse(dir, config, expected);
  EXPECT_FALSE(Exists(state));
}

TEST(DaemonE2E, UnknownRoleUsersAndGroupsAreWarnedAboutByCheckStartAndReload) {
  // Given a role naming a user and a group this host lacks, --check-config passes and prints a
  // warning for each at its position, and start and reload log them.
  const std::string roles =
      "roles:\n  - name: ops\n    users: [no-such-user-orchd]\n    groups: [no-such-group-orchd]\n"
      "    claims: [/ssl/read/]\n";
  OrchdFixture orchd(roles);
  const std::string user_warning = orchd.config_path() +
                                   ":10:13: roles[0].users[0]: warning: no user "
                                   "\"no-such-user-orchd\" on this host; this entry matches nobody";
  const std::string group_warning =
      orchd.config_path() +
      ":11:14: roles[0].groups[0]: warning: no group "
      "\"no-such-group-orchd\" on this host; this entry matches nobody";
  ASSERT_OK_AND_ASSIGN(Process check,
                       orchd.Spawn({"--check-config", orchd.config_path()}, "c.log"));
  EXPECT_EQ(check.WaitExit(), 0);
  EXPECT_NE(check.Log().find(user_warning + "\n"), std::string::npos) << check.Log();
  EXPECT_NE(check.Log().find(group_warning + "\n"), std::string::npos) << check.Log();

  ASSERT_OK(orchd.Start());
  EXPECT_NE(orchd.process().Log().find(user_warning), std::string::npos) << orchd.process().Log();
  orchd.process().Signal(SIGHUP);
  ASSERT_TRUE(orchd.notify().WaitFor("configuration reloaded"));
  EXPECT_NE(orchd.process().Log().find("reload: " + group_warning), std::string::npos)
      << orchd.process().Log();
}

TEST(DaemonE2E, StartsWithTheStoreInADirectoryThatDoesNotExistYet) {
  // Given store.path in directories that do not exist, --check-config accepts it and start
  // creates them (mode 0750) and serves the database there.
  OrchdFixture orchd("store:\n  path: db/new/orchd.db\n");
  ASSERT_OK_AND_ASSIGN(Process check,
                       orchd.Spawn({"--check-config", orchd.config_path()}, "c.log"));
  EXPECT_EQ(check.WaitExit(), 0) << check.Log();
  ASSERT_OK(orchd.Start());
  ASSERT_OK_AND_ASSIGN(UnixClient client, orchd.Connect());
  ASSERT_OK_AND_ASSIGN(HttpReply reply, client.Request("GET", "/Status"));
  EXPECT_EQ(reply.Json()["Store"]["Path"], orchd.dir().File("db/new/orchd.db"));
  struct stat st {};
  ASSERT_EQ(::stat(orchd.dir().File("db/new").c_str(), &st), 0);
  const mode_t umask = ::umask(0);
  ::umask(umask);
  EXPECT_EQ(st.st_mode & 07777, 0750u & ~umask);
}

TEST(DaemonE2E, UsageErrorsExitTwoWithOneLine) {
  // Given --check-config without its file, an unknown option or a stray argument, orchd exits 2
  // with one line on stderr; --help exits 0 and states the exit codes.
  TempDir dir;
  int run = 0;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--check-config"}, {"--bogus"}, {"stray"}}) {
    std::vector<std::string> argv = {OrchdBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string log = dir.File("usage" + std::to_string(++run) + ".log");
    ASSERT_OK_AND_ASSIGN(Process p, Process::Start(argv, {}, log));
    EXPECT_EQ(p.WaitExit(), 2) << args[0];
    EXPECT_THAT(p.Log(), ::testing::MatchesRegex("orchd: [^\n]+ \\(see orchd --help\\)\n"))
        << args[0];
  }
  EXPECT_THAT(ReadFile(dir.File("usage1.log")), ::testing::HasSubstr("--check-config"));
  EXPECT_THAT(ReadFile(dir.File("usage2.log")), ::testing::HasSubstr("--bogus"));
  ASSERT_OK_AND_ASSIGN(Process help,
                       Process::Start({OrchdBinary(), "--help"}, {}, dir.File("help.log")));
  EXPECT_EQ(help.WaitExit(), 0);
  EXPECT_THAT(help.Log(), ::testing::HasSubstr("2 when the command line is wrong"));
}

TEST(DaemonE2E, RefusesDatabaseFromNewerOrchd) {
  // Given a database whose schema version is newer than this build's, orchd refuses to start.
  OrchdFixture orchd;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(orchd.dir().File("orchd.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version=999", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  ASSERT_OK_AND_ASSIGN(Process refused, orchd.Spawn({"--config", orchd.config_path()}, "o.log"));
  EXPECT_EQ(refused.WaitExit(), 1);
  std::string log = refused.Log();
  EXPECT_NE(log.find("999"), std::string::npos) << log;
  EXPECT_NE(log.find("newer"), std::string::npos) << log;
}

}  // namespace
}  // namespace orch::e2e

namespace orch::e2e {
namespace {

TEST(DaemonE2E, ShippedConfigurationsAreValid) {
  // Given the packaged and example configuration files, --check-config accepts each with its
  // control.group turned into a group this host has; as shipped, it accepts them on a host
  // with the orchd group (the package's sysusers snippet makes it) and refuses exactly that
  // group anywhere else.
  TempDir dir;
  const bool has_orchd_group = ::getgrnam("orchd") != nullptr;
  const std::string own_group = ::getgrgid(::getgid())->gr_name;
  for (const std::string file : {"/systemd/orchd.yaml", "/docs/orchd.example.yaml"}) {
    const std::string shipped = SourceDir() + file;
    std::string text = ReadFile(shipped);
    const size_t group_at = text.find("  group: orchd");
    ASSERT_NE(group_at, std::string::npos) << file;
    const std::string local = dir.File("local.yaml");
    WriteFile(local, text.replace(group_at, 14, "  group: " + own_group));
    ASSERT_OK_AND_ASSIGN(Process p,
                         Process::Start({OrchdBinary(), "--check-config", local}, {},
                                        dir.File("local" + std::to_string(group_at) + ".log")));
    EXPECT_EQ(p.WaitExit(), 0) << file << ": " << p.Log();

    const std::string log = dir.File("shipped" + std::to_string(group_at) + ".log");
    ASSERT_OK_AND_ASSIGN(Process as_shipped,
                         Process::Start({OrchdBinary(), "--check-config", shipped}, {}, log));
    if (has_orchd_group) {
      EXPECT_EQ(as_shipped.WaitExit(), 0) << file << ": " << as_shipped.Log();
    } else {
      EXPECT_EQ(as_shipped.WaitExit(), 1);
      EXPECT_THAT(as_shipped.Log(),
                  ::testing::MatchesRegex(".*:[0-9]+:10: control.group: no such group \"orchd\"\n"))
          << file;
    }
  }
}

}  // namespace
}  // namespace orch::e2e

namespace orch::e2e {
namespace {

TEST(DaemonE2E, MasterKeyCreatedPrivateOnFirstStartAndKept) {
  // Given a fresh state directory, orchd creates a 0600 master key and reuses it after a restart.
  OrchdFixture orchd;
  ASSERT_OK(orchd.Start());
  const std::string key_path = orchd.dir().File("master.key");
  struct stat st {};
  ASSERT_EQ(::stat(key_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string key = ReadFile(key_path);
  EXPECT_EQ(key.size(), 32u);
  orchd.process().Signal(SIGTERM);
  ASSERT_EQ(orchd.process().WaitExit(), 0);
  ASSERT_OK(orchd.Start());
  EXPECT_EQ(ReadFile(key_path), key);
}

TEST(DaemonE2E, RefusesMasterKeyReadableByOthers) {
  // Given a master key file readable by the group, orchd refuses to start and says how to fix it.
  OrchdFixture orchd;
  WriteFile(orchd.dir().File("master.key"), std::string(32, 'k'));
  ASSERT_EQ(::chmod(orchd.dir().File("master.key").c_str(), 0640), 0);
  ASSERT_OK_AND_ASSIGN(Process p, orchd.Spawn({"--config", orchd.config_path()}, "o.log"));
  EXPECT_EQ(p.WaitExit(), 1);
  EXPECT_NE(p.Log().find("chmod 600"), std::string::npos) << p.Log();
}

}  // namespace
}  // namespace orch::e2e
