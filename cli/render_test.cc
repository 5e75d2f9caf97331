#include "cli/render.h"

#include <algorithm>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "jobs/iso_time.h"

namespace orch::cli {
namespace {

using nlohmann::json;

// 2026-12-04 22:15 in Berlin (CET, UTC+1).
constexpr char kNow[] = "2026-12-04T21:15:00Z";

RenderContext At(std::string_view zone, int width = 80, bool color = false) {
  RenderContext ctx;
  ctx.now = *jobs::ParseIsoTime(kNow);
  ctx.zone = *jobs::TimeZone::Locate(zone);
  ctx.width = width;
  ctx.color = color;
  return ctx;
}

// GET /Agents as the daemon answers it: an approved agent, a disapproved one with a long
// machine name and a refused registration, and a new one that never called back, on a
// platform number the CLI does not know.
constexpr char kAgents[] = R"([
  {"AgentId": "4afb3320-4149-40f0-8368-ab4e50519e39", "ClientMachine": "web01.example.com",
   "Username": "bootstrap", "AgentPlatform": 7, "Version": "10.4.0.0", "Status": 2,
   "LastSeen": "2026-12-04T21:12:10.368Z", "Capabilities": ["CertStores.PEM.Management"],
   "Thumbprint": "92A3E6DFD7585E025DC7ED9017565042CD1C64E3", "LegacyThumbprint": null,
   "AuthCertificateReenrollment": 0,
   "LastThumbprintUsed": "92A3E6DFD7585E025DC7ED9017565042CD1C64E3",
   "LastErrorCode": null, "LastErrorMessage": null},
  {"AgentId": "9c1d2e3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
   "ClientMachine": "db-primary.eu-central.internal.example.com", "Username": "bootstrap",
   "AgentPlatform": 5, "Version": "10.2.1.0", "Status": 3, "LastSeen": "2026-12-02T08:00:00Z",
   "Capabilities": [], "Thumbprint": null, "LegacyThumbprint": null,
   "AuthCertificateReenrollment": 2, "LastThumbprintUsed": null,
   "LastErrorCode": -1609498623, "LastErrorMessage": "The agent is disapproved"},
  {"AgentId": "0f0e0d0c-0b0a-4908-8706-050403020100", "ClientMachine": "mail",
   "Username": "bootstrap", "AgentPlatform": 9, "Version": "10.4.0.0", "Status": 1,
   "LastSeen": null, "Capabilities": [], "Thumbprint": null, "LegacyThumbprint": null,
   "AuthCertificateReenrollment": 1, "LastThumbprintUsed": null, "LastErrorCode": null,
   "LastErrorMessage": null}
])";

// GET /OrchestratorJobs/ScheduledJobs: one job of each Schedule member, one with a long path
// and the default alias (the thumbprint).
constexpr char kScheduledJobs[] = R"([
  {"JobId": "57b34b55-578c-4f73-98be-848792696612", "JobType": "Management", "OperationType": 2,
   "CertificateStoreId": "b249bc40-28e6-43b2-b369-0ddb6bbe3d7c",
   "ClientMachine": "web01.example.com", "StorePath": "/etc/ssl/web.pem", "CertStoreType": 2,
   "ContainerId": 1, "AgentId": "2a8d6e4c-1111-4222-8333-444455556666", "AgentPoolId": null,
   "CertificateId": 1, "Thumbprint": "9F1115BB273C6104354477A0563E34557171E223",
   "Alias": "web", "Overwrite": false, "IncludePrivateKey": true, "JobFields": {},
   "Schedule": {"Daily": {"Time": "2026-11-23T01:00:00Z", "TimeZone": "Europe/Berlin"}},
   "ScheduleType": "D_02:00", "NextRunTime": "2026-12-05T01:00:00Z", "State": "Scheduled",
   "Requested": "2026-11-22T13:30:00Z", "RequestedBy": "alice", "SkippedOverlap": 0,
   "MissedCatchup": 0},
  {"JobId": "0c1f7e0a-45b2-4f4d-9e43-5e1f3a8f1c2d", "JobType": "Management", "OperationType": 2,
   "CertificateStoreId": "c349bc40-28e6-43b2-b369-0ddb6bbe3d7c",
   "ClientMachine": "app-server-042.prod.eu-west.example.com",
   "StorePath": "/opt/application/config/tls/keystores/production/keystore.p12",
   "CertStoreType": 102, "ContainerId": null, "AgentId": null,
   "AgentPoolId": "00000000-0000-0000-0000-000000000000", "CertificateId": 1,
   "Thumbprint": "9F1115BB273C6104354477A0563E34557171E223",
   "Alias": "9F1115BB273C6104354477A0563E34557171E223", "Overwrite": true,
   "IncludePrivateKey": true, "JobFields": {}, "Schedule": {"Interval": {"Minutes": 30}},
   "ScheduleType": "I_30", "NextRunTime": "2026-12-04T21:30:00Z", "State": "Scheduled",
   "Requested": "2026-12-01T09:00:00Z", "RequestedBy": "bob", "SkippedOverlap": 2,
   "MissedCatchup": 0},
  {"JobId": "1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5", "JobType": "Management", "OperationType": 2,
   "CertificateStoreId": "d449bc40-28e6-43b2-b369-0ddb6bbe3d7c", "ClientMachine": "web02",
   "StorePath": "/etc/ssl/a.pem", "CertStoreType": 2, "ContainerId": 1,
   "AgentId": "2a8d6e4c-1111-4222-8333-444455556666", "AgentPoolId": null, "CertificateId": 2,
   "Thumbprint": "0A1B", "Alias": "a", "Overwrite": false, "IncludePrivateKey": false,
   "JobFields": {}, "Schedule": {"Weekly": {"Days": [1, 3], "Time": "2026-11-23T13:30:00Z"}},
   "ScheduleType": "W_24_13:30", "NextRunTime": "2026-12-07T13:30:00Z", "State": "Scheduled",
   "Requested": "2026-11-22T13:30:00Z", "RequestedBy": "alice", "SkippedOverlap": 0,
   "MissedCatchup": 1},
  {"JobId": "2e2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5", "JobType": "Management", "OperationType": 2,
   "CertificateStoreId": "e549bc40-28e6-43b2-b369-0ddb6bbe3d7c", "ClientMachine": "web03",
   "StorePath": "/etc/ssl/b.pem", "CertStoreType": 2, "ContainerId": null,
   "AgentId": "2a8d6e4c-1111-4222-8333-444455556666", "AgentPoolId": null, "CertificateId": 2,
   "Thumbprint": "0A1B", "Alias": "b", "Overwrite": false, "IncludePrivateKey": false,
   "JobFields": {}, "Schedule": {"Monthly": {"Day": 31, "Time": "2031-02-01T03:00:00Z"}},
   "ScheduleType": "M_L_03:00", "NextRunTime": null, "State": "Unscheduled",
   "Requested": "2026-11-22T13:30:00Z", "RequestedBy": "alice", "SkippedOverlap": 0,
   "MissedCatchup": 0},
  {"JobId": "3f2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5", "JobType": "Management", "OperationType": 2,
   "CertificateStoreId": "f649bc40-28e6-43b2-b369-0ddb6bbe3d7c", "ClientMachine": "web04",
   "StorePath": "/etc/ssl/c.pem", "CertStoreType": 2, "ContainerId": null,
   "AgentId": "2a8d6e4c-1111-4222-8333-444455556666", "AgentPoolId": null, "CertificateId": 2,
   "Thumbprint": "0A1B", "Alias": "c", "Overwrite": false, "IncludePrivateKey": false,
   "JobFields": {}, "Schedule": {"ExactlyOnce": {"Time": "2027-01-31T08:00:00Z"}},
   "ScheduleType": "O_2027-01-31T08:00", "NextRunTime": "2027-01-31T08:00:00Z",
   "State": "Scheduled", "Requested": "2026-11-22T13:30:00Z", "RequestedBy": "alice",
   "SkippedOverlap": 0, "MissedCatchup": 0},
  {"JobId": "4a2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5", "JobType": "Management", "OperationType": 2,
   "CertificateStoreId": "a749bc40-28e6-43b2-b369-0ddb6bbe3d7c", "ClientMachine": "web05",
   "StorePath": "/etc/ssl/d.pem", "CertStoreType": 2, "ContainerId": null,
   "AgentId": "2a8d6e4c-1111-4222-8333-444455556666", "AgentPoolId": null, "CertificateId": 2,
   "Thumbprint": "0A1B", "Alias": "d", "Overwrite": false, "IncludePrivateKey": false,
   "JobFields": {}, "Schedule": {"Immediate": true}, "ScheduleType": null,
   "NextRunTime": null, "State": "Finished", "Requested": "2026-12-04T21:14:58Z",
   "RequestedBy": "alice", "SkippedOverlap": 0, "MissedCatchup": 0}
])";

// GET /OrchestratorJobs/JobHistory: a success, a failure that will be retried with a long
// message, its retry waiting for an agent, and a warning.
constexpr char kHistory[] = R"([
  {"JobHistoryId": 17, "AgentId": "2a8d6e4c-1111-4222-8333-444455556666",
   "AgentMachine": "agent01.example.com", "JobId": "57b34b55-578c-4f73-98be-848792696612",
   "JobType": "Management", "ScheduleType": "D_02:00", "ScheduledFor": "2026-12-04T01:00:00Z",
   "Attempt": 1, "OperationStart": "2026-12-04T01:00:01.250Z",
   "OperationEnd": "2026-12-04T01:00:02Z", "Message": "", "Result": 2, "Status": 3,
   "StorePath": "/etc/ssl/web.pem", "ClientMachine": "web01.example.com"},
  {"JobHistoryId": 18, "AgentId": "7b8d6e4c-1111-4222-8333-444455556666",
   "AgentMachine": "agent02.example.com", "JobId": "0c1f7e0a-45b2-4f4d-9e43-5e1f3a8f1c2d",
   "JobType": "Management", "ScheduleType": "I_30", "ScheduledFor": "2026-12-04T21:00:00Z",
   "Attempt": 1, "OperationStart": "2026-12-04T21:00:03Z",
   "OperationEnd": "2026-12-04T21:00:09Z",
   "Message": "Another certificate (thumbprint 1234ABCD) is present under alias 'web' and Overwrite is not set",
   "Result": 4, "Status": 5,
   "StorePath": "/opt/application/config/tls/keystores/production/keystore.p12",
   "ClientMachine": "app-server-042.prod.eu-west.example.com"},
  {"JobHistoryId": 19, "AgentId": null, "AgentMachine": "",
   "JobId": "0c1f7e0a-45b2-4f4d-9e43-5e1f3a8f1c2d", "JobType": "Management",
   "ScheduleType": "I_30", "ScheduledFor": "2026-12-04T21:01:09Z", "Attempt": 2,
   "OperationStart": null, "OperationEnd": null, "Message": "", "Result": 0, "Status": 1,
   "StorePath": "/opt/application/config/tls/keystores/production/keystore.p12",
   "ClientMachine": "app-server-042.prod.eu-west.example.com"},
  {"JobHistoryId": 1204, "AgentId": "2a8d6e4c-1111-4222-8333-444455556666",
   "AgentMachine": "agent01.example.com", "JobId": "1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5",
   "JobType": "Management", "ScheduleType": "W_24_13:30",
   "ScheduledFor": "2026-11-30T13:30:00Z", "Attempt": 1,
   "OperationStart": "2026-11-30T13:30:00.500Z", "OperationEnd": "2026-11-30T13:30:01Z",
   "Message": "already present", "Result": 3, "Status": 4, "StorePath": "/etc/ssl/a.pem",
   "ClientMachine": "web02"}
])";

// The widest line of `text`, in columns.
int Widest(const std::string& text) {
  int widest = 0;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    widest = std::max(widest, TextWidth(std::string_view(text).substr(start, end - start)));
  }
  return widest;
}

TEST(RenderAgentsTest, EightyColumnsInBerlin) {
  // Given three agents at 80 columns in Berlin, enums read as names, the machine is cut and the
  // time loses its hint before the ids are shortened, and the ids keep a distinct prefix.
  const std::string text = RenderAgents(json::parse(kAgents), At("Europe/Berlin"));
  EXPECT_EQ(text,
            "ID              MACHINE       STATUS       VERSION   LAST SEEN         REENROLL\n"
            "4afb3320-4149…  web01.examp…  Approved     10.4.0.0  2026-12-04 22:12  None\n"
            "9c1d2e3f-5a6b…  db-primary.…  Disapproved  10.2.1.0  2026-12-02 09:00  Required\n"
            "0f0e0d0c-0b0a…  mail          New          10.4.0.0  -                 Requested\n");
  EXPECT_EQ(Widest(text), 80);
}

TEST(RenderAgentsTest, WideTerminalInUtc) {
  // Given the same agents on a wide terminal in UTC, nothing is cut and times are UTC with a
  // relative hint.
  EXPECT_EQ(RenderAgents(json::parse(kAgents), At("", 200)),
            "ID                                    MACHINE                                     "
            "STATUS       VERSION   LAST SEEN                     REENROLL\n"
            "4afb3320-4149-40f0-8368-ab4e50519e39  web01.example.com                           "
            "Approved     10.4.0.0  2026-12-04 21:12 (2 min ago)  None\n"
            "9c1d2e3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f  db-primary.eu-central.internal.example.com  "
            "Disapproved  10.2.1.0  2026-12-02 08:00 (2 d ago)    Required\n"
            "0f0e0d0c-0b0a-4908-8706-050403020100  mail                                        New "
            "         10.4.0.0  -                             Requested\n");
}

TEST(RenderAgentsTest, EmptyListIsTheHeader) {
  // Given no agents, the answer is the header line alone.
  EXPECT_EQ(RenderAgents(json::array(), At("")),
            "ID  MACHINE  STATUS  VERSION  LAST SEEN  REENROLL\n");
}

TEST(RenderScheduledJobsTest, EightyColumnsInBerlin) {
  // Given one job per Schedule member at 80 columns in Berlin, path and alias are cut first,
  // ids go down to 8 characters, and next runs keep only their relative hint.
  const std::string text = RenderScheduledJobs(json::parse(kScheduledJobs), At("Europe/Berlin"));
  EXPECT_EQ(text,
            "JOB ID     MACHINE      STORE PATH  ALIAS  SCHEDULE     NEXT RUN     STATE\n"
            "57b34b55…  web01.exam…  /etc/ssl/…  web    daily 02:0…  in 3 h       Scheduled\n"
            "0c1f7e0a…  app-server…  /opt/appl…  9F11…  every 30 m…  in 15 min    Scheduled\n"
            "1d2e3f40…  web02        /etc/ssl/…  a      weekly Mon…  in 2 d       Scheduled\n"
            "2e2e3f40…  web03        /etc/ssl/…  b      monthly 31…  -            Unscheduled\n"
            "3f2e3f40…  web04        /etc/ssl/…  c      once 2027-…  in 57 d      Scheduled\n"
            "4a2e3f40…  web05        /etc/ssl/…  d      now          -            Finished\n");
  EXPECT_EQ(Widest(text), 80);
}

TEST(RenderScheduledJobsTest, WideTerminalInUtc) {
  // Given the same jobs on a wide terminal in UTC, schedules read as phrases (a zoned one in its
  // own zone, the others in UTC) and only the longest path and alias are cut.
  EXPECT_EQ(RenderScheduledJobs(json::parse(kScheduledJobs), At("", 220)),
            "JOB ID                                MACHINE                                  STORE "
            "PATH                           ALIAS                               SCHEDULE           "
            "        NEXT RUN                      STATE\n"
            "57b34b55-578c-4f73-98be-848792696612  web01.example.com                        "
            "/etc/ssl/web.pem                     web                                 daily 02:00 "
            "Europe/Berlin  2026-12-05 01:00 (in 3 h)     Scheduled\n"
            "0c1f7e0a-45b2-4f4d-9e43-5e1f3a8f1c2d  app-server-042.prod.eu-west.example.com  "
            "/opt/application/config/tls/keysto…  9F1115BB273C6104354477A0563E34557…  every 30 min "
            "              2026-12-04 21:30 (in 15 min)  Scheduled\n"
            "1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5  web02                                    "
            "/etc/ssl/a.pem                       a                                   weekly "
            "Mon,Wed 13:30 UTC   2026-12-07 13:30 (in 2 d)     Scheduled\n"
            "2e2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5  web03                                    "
            "/etc/ssl/b.pem                       b                                   monthly 31 "
            "03:00 UTC       -                             Unscheduled\n"
            "3f2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5  web04                                    "
            "/etc/ssl/c.pem                       c                                   once "
            "2027-01-31 08:00      2027-01-31 08:00 (in 57 d)    Scheduled\n"
            "4a2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5  web05                                    "
            "/etc/ssl/d.pem                       d                                   now          "
            "              -                             Finished\n");
}

TEST(RenderHistoryTest, EightyColumnsInUtc) {
  // Given four runs at 80 columns in UTC, statuses and results read as names, the message is
  // cut first and start times keep their relative hint.
  const std::string text = RenderHistory(json::parse(kHistory), At(""));
  EXPECT_EQ(text,
            "AUDIT ID  JOB        MACHINE     STATUS              RESULT   STARTED    MESSAGE\n"
            "17        57b34b55…  web01.exa…  Completed           Success  20 h ago\n"
            "18        0c1f7e0a…  app-serve…  CompletedWillRetry  Failure  14 min a…  Anothe…\n"
            "19        0c1f7e0a…  app-serve…  Waiting             Unknown  -\n"
            "1204      1d2e3f40…  web02       Acknowledged        Warning  4 d ago    alread…\n");
  EXPECT_EQ(Widest(text), 80);
}

TEST(RenderHistoryTest, WideTerminalInBerlinWithColour) {
  // Given the same runs on a wide colour terminal in Berlin, the header is bold and results are
  // green, red and yellow; the columns line up as without colour.
  EXPECT_EQ(RenderHistory(json::parse(kHistory), At("Europe/Berlin", 200, true)),
            "\x1b[1mAUDIT ID  JOB                                   MACHINE                        "
            "          STATUS              RESULT   STARTED                        MESSAGE\x1b[0m\n"
            "17        57b34b55-578c-4f73-98be-848792696612  web01.example.com                     "
            "   Completed           \x1b[32mSuccess\x1b[0m  2026-12-04 02:00 (20 h ago)\n"
            "18        0c1f7e0a-45b2-4f4d-9e43-5e1f3a8f1c2d  "
            "app-server-042.prod.eu-west.example.com  CompletedWillRetry  \x1b[31mFailure\x1b[0m  "
            "2026-12-04 22:00 (14 min ago)  Another certificate (thumbprint 1234ABCD) is prese…\n"
            "19        0c1f7e0a-45b2-4f4d-9e43-5e1f3a8f1c2d  "
            "app-server-042.prod.eu-west.example.com  Waiting             Unknown  -\n"
            "1204      1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5  web02                                 "
            "   Acknowledged        \x1b[33mWarning\x1b[0m  2026-11-30 14:30 (4 d ago)     already "
            "present\n");
}

TEST(RenderAgentsTest, UnknownNumbersAndMissingMembers) {
  // Given an agent with a status number the CLI does not know and no other members, the number
  // shows as it is and every absent value as "-".
  EXPECT_EQ(RenderAgents(json::parse(R"([{"AgentId": "4afb3320-4149-40f0-8368-ab4e50519e39",
                                           "Status": 7}])"),
                         At("")),
            "ID                                 MACHINE  STATUS  VERSION  LAST SEEN  REENROLL\n"
            "4afb3320-4149-40f0-8368-ab4e5051…  -        7       -        -          -\n");
}

TEST(RenderPoolsTest, CountsAndManagedFlag) {
  // Given the Default pool and a managed pool, members are counted and Managed reads yes/no.
  EXPECT_EQ(RenderPools(json::parse(R"([
    {"AgentPoolId": "00000000-0000-0000-0000-000000000000", "Name": "Default Agent Pool",
     "DiscoverAgentsCount": 2, "MonitorAgentsCount": 1, "Managed": false,
     "Agents": [{"AgentId": "4afb3320-4149-40f0-8368-ab4e50519e39", "EnableDiscover": true,
                 "EnableMonitor": true, "Version": "10.4.0.0", "AllowsDiscover": true,
                 "AllowsMonitor": true, "ClientMachine": "web01"},
                {"AgentId": "9c1d2e3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "EnableDiscover": true,
                 "EnableMonitor": false, "Version": "10.4.0.0", "AllowsDiscover": true,
                 "AllowsMonitor": false, "ClientMachine": "web02"}]},
    {"AgentPoolId": "6e5d4c3b-2a19-4807-9f6e-5d4c3b2a1908", "Name": "web", "Agents": [],
     "DiscoverAgentsCount": 0, "MonitorAgentsCount": 0, "Managed": true}])"),
                        At("")),
            "ID                        NAME                AGENTS  DISCOVER  MONITOR  MANAGED\n"
            "00000000-0000-0000-0000…  Default Agent Pool  2       2         1        no\n"
            "6e5d4c3b-2a19-4807-9f6e…  web                 0       0         0        yes\n");
}

TEST(RenderPoolAgentsTest, EnabledAllowedAndNotAdvertised) {
  // Given members enabled for what they advertise, enabled for nothing, and lacking a
  // capability, a lacking capability reads "n/a" whatever its flag says.
  EXPECT_EQ(RenderPoolAgents(json::parse(R"([
    {"AgentId": "4afb3320-4149-40f0-8368-ab4e50519e39", "EnableDiscover": true,
     "EnableMonitor": true, "Version": "10.4.0.0", "AllowsDiscover": true,
     "AllowsMonitor": true, "ClientMachine": "web01.example.com"},
    {"AgentId": "9c1d2e3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "EnableDiscover": false,
     "EnableMonitor": false, "Version": "10.2.1.0", "AllowsDiscover": true,
     "AllowsMonitor": false, "ClientMachine": "web02.example.com"},
    {"AgentId": "0f0e0d0c-0b0a-4908-8706-050403020100", "EnableDiscover": true,
     "EnableMonitor": true, "Version": "10.4.0.0", "AllowsDiscover": false,
     "AllowsMonitor": true, "ClientMachine": "mail"}])"),
                             At("")),
            "AGENT ID                              MACHINE        VERSION   DISCOVER  MONITOR\n"
            "4afb3320-4149-40f0-8368-ab4e50519e39  web01.exampl…  10.4.0.0  yes       yes\n"
            "9c1d2e3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f  web02.exampl…  10.2.1.0  no        n/a\n"
            "0f0e0d0c-0b0a-4908-8706-050403020100  mail           10.4.0.0  n/a       yes\n");
}

TEST(RenderSecretsTest, NameStatusModifiedId) {
  // Given an active and a revoked secret in Berlin, the name leads and times are local.
  EXPECT_EQ(RenderSecrets(json::parse(R"([
    {"id": "3f0c2a71-5b8e-4d2a-9c1e-7a6b5c4d3e2f", "name": "bootstrap", "status": "ACTIVE",
     "modificationTime": "2026-11-22T13:30:00Z"},
    {"id": "8a7b6c5d-4e3f-4a1b-8c9d-0e1f2a3b4c5d", "name": "agent-secret-1a2b3c4d",
     "status": "REVOKED", "modificationTime": "2026-12-04T21:10:00.125Z"}])"),
                          At("Europe/Berlin")),
            "NAME                   STATUS   MODIFIED          ID\n"
            "bootstrap              ACTIVE   2026-11-22 14:30  3f0c2a71-5b8e-4d2a-9c1e-7a6b5…\n"
            "agent-secret-1a2b3c4d  REVOKED  2026-12-04 22:10  8a7b6c5d-4e3f-4a1b-8c9d-0e1f2…\n");
}

TEST(RenderCertificatesTest, IssuerCutFirstThenSubjectThenThumbprint) {
  // Given two certificates with long DNs at 80 columns, the issuer gives way first, the subject
  // down to 24 columns, then the thumbprints, which stay distinct.
  EXPECT_EQ(RenderCertificates(json::parse(R"([
    {"Id": 1, "Thumbprint": "9F1115BB273C6104354477A0563E34557171E223",
     "SerialNumber": "0A1B2C3D4E5F", "IssuedDN": "CN=web.example.com, O=Example, L=Berlin, C=DE",
     "IssuerDN": "CN=Example Issuing CA 2, O=Example, C=DE",
     "NotBefore": "2026-01-01T00:00:00Z", "NotAfter": "2027-01-01T00:00:00Z",
     "HasPrivateKey": true, "ImportDate": "2026-11-22T13:30:00Z"},
    {"Id": 12, "Thumbprint": "0A0B0C0D273C6104354477A0563E34557171E223",
     "SerialNumber": "01", "IssuedDN": "CN=Example Issuing CA 2, O=Example, C=DE",
     "IssuerDN": "CN=Example Root CA, O=Example, C=DE",
     "NotBefore": "2020-01-01T00:00:00Z", "NotAfter": "2026-12-01T00:00:00Z",
     "HasPrivateKey": false, "ImportDate": "2026-11-22T13:30:00Z"}])"),
                               At("")),
            "ID  THUMBPRINT        ISSUED DN                 ISSUER DN  NOT AFTER         KEY\n"
            "1   9F1115BB273C610…  CN=web.example.com, O=E…  CN=Examp…  2027-01-01 00:00  yes\n"
            "12  0A0B0C0D273C610…  CN=Example Issuing CA 2…  CN=Examp…  2026-12-01 00:00  no\n");
}

TEST(RenderCollectionsTest, QueryAndDescription) {
  // Given a collection with and one without a description, the texts show as given.
  EXPECT_EQ(RenderCollections(json::parse(R"([
    {"Id": 1, "Name": "Web servers", "Description": "certificates for the web tier",
     "Query": "IssuedDN -contains \"web\""},
    {"Id": 2, "Name": "All", "Description": "", "Query": "Id -gt 0"}])"),
                              At("")),
            "ID  NAME         QUERY                     DESCRIPTION\n"
            "1   Web servers  IssuedDN -contains \"web\"  certificates for the web tier\n"
            "2   All          Id -gt 0\n");
}

TEST(RenderContainersTest, IdAndName) {
  // Given two containers, the table holds their ids and names.
  EXPECT_EQ(RenderContainers(
                json::parse(R"([{"Id": 1, "Name": "Web"}, {"Id": 2, "Name": "Mail"}])"), At("")),
            "ID  NAME\n"
            "1   Web\n"
            "2   Mail\n");
}

TEST(RenderStoreTypesTest, BuiltInTypes) {
  // Given the two built-in types as the daemon lists them, operations read as a list.
  EXPECT_EQ(RenderStoreTypes(json::parse(R"([
    {"StoreType": 2, "Name": "PEM", "ShortName": "PEM", "Capability": "PEM", "LocalStore": false,
     "SupportedOperations": {"Add": true, "Create": true, "Discovery": false,
                             "Enrollment": false, "Remove": true},
     "ManagementJobType": "1d411b36-ae72-433f-9f3f-8593e836a1af",
     "InventoryJobType": "a809ce1f-1eea-4738-a38e-15708c89c981",
     "ReenrollmentJobType": "aa015d10-cffc-41f7-a9a4-c9615f6f3bdf"},
    {"StoreType": 102, "Name": "PKCS12", "ShortName": "PKCS12", "Capability": "P12",
     "LocalStore": false,
     "SupportedOperations": {"Add": true, "Create": true, "Discovery": false,
                             "Enrollment": false, "Remove": true},
     "ManagementJobType": "ffc41110-fbd4-45a9-aecf-f7268ec68982",
     "InventoryJobType": "e5808e72-960e-45cc-8d02-a0d65d5b9cba",
     "ReenrollmentJobType": "9b013fb9-6185-4d1c-9987-3f5ec93719b6"}])"),
                             At("")),
            "TYPE  NAME    SHORT NAME  CAPABILITY  OPERATIONS\n"
            "2     PEM     PEM         PEM         Add, Create, Remove\n"
            "102   PKCS12  PKCS12      P12         Add, Create, Remove\n");
}

TEST(RenderStoresTest, ServedByAgentPoolOrDefaultPool) {
  // Given stores served by an agent, by a pool and by the Default pool at 80 columns, known types
  // read as names, a container without a name as its id, and the path is cut before the ids.
  EXPECT_EQ(RenderStores(json::parse(R"([
    {"Id": "b249bc40-28e6-43b2-b369-0ddb6bbe3d7c", "ClientMachine": "web01.example.com",
     "Storepath": "/etc/ssl/web.pem", "CertStoreType": 2, "ContainerId": 1,
     "ContainerName": "Web", "AgentId": "2a8d6e4c-1111-4222-8333-444455556666",
     "AgentPoolId": null, "Properties": {"separatePrivateKey": "true"},
     "CreateIfMissing": true, "Password": {"HasValue": true},
     "Created": "2026-11-22T13:30:00Z"},
    {"Id": "c349bc40-28e6-43b2-b369-0ddb6bbe3d7c",
     "ClientMachine": "app-server-042.prod.eu-west.example.com",
     "Storepath": "/opt/application/config/tls/keystores/production/keystore.p12",
     "CertStoreType": 102, "ContainerId": null, "ContainerName": null, "AgentId": null,
     "AgentPoolId": "6e5d4c3b-2a19-4807-9f6e-5d4c3b2a1908", "Properties": {},
     "CreateIfMissing": false, "Password": {"HasValue": false},
     "Created": "2026-11-22T13:30:00Z"},
    {"Id": "d449bc40-28e6-43b2-b369-0ddb6bbe3d7c", "ClientMachine": "mail",
     "Storepath": "/etc/ssl/mail.pem", "CertStoreType": 7, "ContainerId": 3,
     "ContainerName": null, "AgentId": null,
     "AgentPoolId": "00000000-0000-0000-0000-000000000000", "Properties": {},
     "CreateIfMissing": false, "Password": {"HasValue": false},
     "Created": "2026-11-22T13:30:00Z"}])"),
                         At("")),
            "ID                 MACHINE       STORE PATH  TYPE    CONTAINER  SERVED BY\n"
            "b249bc40-28e6-43…  web01.examp…  /etc/ssl/…  PEM     Web        agent 2a8d6e4c-…\n"
            "c349bc40-28e6-43…  app-server-…  /opt/appl…  PKCS12  -          pool 6e5d4c3b-2…\n"
            "d449bc40-28e6-43…  mail          /etc/ssl/…  7       3          Default pool\n");
}

TEST(RenderListsTest, NotAnArrayRendersTheHeader) {
  // Given an answer that is not a list, every table is its header alone.
  const RenderContext ctx = At("");
  EXPECT_EQ(RenderContainers(json::object(), ctx), "ID  NAME\n");
  EXPECT_EQ(RenderHistory(json(), ctx),
            "AUDIT ID  JOB  MACHINE  STATUS  RESULT  STARTED  MESSAGE\n");
  EXPECT_EQ(RenderScheduledJobs(json::array(), ctx),
            "JOB ID  MACHINE  STORE PATH  ALIAS  SCHEDULE  NEXT RUN  STATE\n");
}

}  // namespace
}  // namespace orch::cli
