#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/render.h"
#include "jobs/iso_time.h"

namespace orch::cli {
namespace {

using nlohmann::json;

RenderContext At(std::string_view zone, bool color = false) {
  RenderContext ctx;
  ctx.now = *jobs::ParseIsoTime("2026-12-04T21:15:00Z");
  ctx.zone = *jobs::TimeZone::Locate(zone);
  ctx.color = color;
  return ctx;
}

TEST(RenderDetailsTest, AgentWithEnumsTimesAndErrorCode) {
  // Given GET /Agents/{id} of a disapproved agent in Berlin, the id leads, enums read as names,
  // the time is local, the error code is its CodeString and values line up.
  EXPECT_EQ(RenderDetails(json::parse(R"(
    {"AgentId": "9c1d2e3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "ClientMachine": "db01.example.com",
     "Username": "bootstrap", "AgentPlatform": 7, "Version": "10.2.1.0", "Status": 3,
     "LastSeen": "2026-12-04T21:12:10Z",
     "Capabilities": ["CertStores.PEM.Management", "CertStores.P12.Management"],
     "Thumbprint": "92A3E6DFD7585E025DC7ED9017565042CD1C64E3", "LegacyThumbprint": null,
     "AuthCertificateReenrollment": 1, "LastThumbprintUsed": null,
     "LastErrorCode": -1609498623, "LastErrorMessage": "The agent is disapproved"})"),
                          At("Europe/Berlin")),
            "AgentId:                     9c1d2e3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f\n"
            "AgentPlatform:               Universal Orchestrator\n"
            "AuthCertificateReenrollment: Requested\n"
            "Capabilities:                CertStores.PEM.Management, CertStores.P12.Management\n"
            "ClientMachine:               db01.example.com\n"
            "LastErrorCode:               A0110001\n"
            "LastErrorMessage:            The agent is disapproved\n"
            "LastSeen:                    2026-12-04 22:12 (2 min ago)\n"
            "LastThumbprintUsed:          -\n"
            "LegacyThumbprint:            -\n"
            "Status:                      Disapproved\n"
            "Thumbprint:                  92A3E6DFD7585E025DC7ED9017565042CD1C64E3\n"
            "Username:                    bootstrap\n"
            "Version:                     10.2.1.0\n");
}

TEST(RenderDetailsTest, ScheduledJobWithScheduleInWords) {
  // Given one scheduled job, the Schedule reads as a phrase next to its compact form, booleans
  // as yes/no and an empty JobFields as "-".
  EXPECT_EQ(RenderDetails(json::parse(R"(
    {"JobId": "57b34b55-578c-4f73-98be-848792696612", "JobType": "Management",
     "OperationType": 2, "CertificateStoreId": "b249bc40-28e6-43b2-b369-0ddb6bbe3d7c",
     "ClientMachine": "web01.example.com", "StorePath": "/etc/ssl/web.pem", "CertStoreType": 2,
     "ContainerId": 1, "AgentId": "2a8d6e4c-1111-4222-8333-444455556666", "AgentPoolId": null,
     "CertificateId": 1, "Thumbprint": "9F1115BB273C6104354477A0563E34557171E223",
     "Alias": "web", "Overwrite": false, "IncludePrivateKey": true, "JobFields": {},
     "Schedule": {"Weekly": {"Days": [1, 3], "Time": "2026-11-23T12:30:00Z",
                             "TimeZone": "Europe/Berlin"}},
     "ScheduleType": "W_24_13:30", "NextRunTime": "2026-12-07T12:30:00Z", "State": "Scheduled",
     "Requested": "2026-11-22T13:30:00Z", "RequestedBy": "alice", "SkippedOverlap": 0,
     "MissedCatchup": 2})"),
                          At("")),
            "JobId:              57b34b55-578c-4f73-98be-848792696612\n"
            "AgentId:            2a8d6e4c-1111-4222-8333-444455556666\n"
            "AgentPoolId:        -\n"
            "Alias:              web\n"
            "CertStoreType:      PEM\n"
            "CertificateId:      1\n"
            "CertificateStoreId: b249bc40-28e6-43b2-b369-0ddb6bbe3d7c\n"
            "ClientMachine:      web01.example.com\n"
            "ContainerId:        1\n"
            "IncludePrivateKey:  yes\n"
            "JobFields:          -\n"
            "JobType:            Management\n"
            "MissedCatchup:      2\n"
            "NextRunTime:        2026-12-07 12:30 (in 2 d)\n"
            "OperationType:      2\n"
            "Overwrite:          no\n"
            "Requested:          2026-11-22 13:30 (12 d ago)\n"
            "RequestedBy:        alice\n"
            "Schedule:           weekly Mon,Wed 13:30 Europe/Berlin\n"
            "ScheduleType:       W_24_13:30\n"
            "SkippedOverlap:     0\n"
            "State:              Scheduled\n"
            "StorePath:          /etc/ssl/web.pem\n"
            "Thumbprint:         9F1115BB273C6104354477A0563E34557171E223\n");
}

TEST(RenderDetailsTest, PoolWithMembersAsItems) {
  // Given GET /AgentPools/{id}, the pool's members list below it as "- " items, each aligned on
  // its own.
  EXPECT_EQ(RenderDetails(json::parse(R"(
    {"AgentPoolId": "6e5d4c3b-2a19-4807-9f6e-5d4c3b2a1908", "Name": "web",
     "DiscoverAgentsCount": 1, "MonitorAgentsCount": 0, "Managed": false,
     "Agents": [{"AgentId": "4afb3320-4149-40f0-8368-ab4e50519e39", "EnableDiscover": true,
                 "EnableMonitor": false, "Version": "10.4.0.0", "AllowsDiscover": true,
                 "AllowsMonitor": true, "ClientMachine": "web01"},
                {"AgentId": "9c1d2e3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "EnableDiscover": false,
                 "EnableMonitor": false, "Version": "10.4.0.0", "AllowsDiscover": false,
                 "AllowsMonitor": false, "ClientMachine": "web02"}]})"),
                          At("")),
            "AgentPoolId:         6e5d4c3b-2a19-4807-9f6e-5d4c3b2a1908\n"
            "Name:                web\n"
            "DiscoverAgentsCount: 1\n"
            "Managed:             no\n"
            "MonitorAgentsCount:  0\n"
            "Agents:\n"
            "  - AgentId:        4afb3320-4149-40f0-8368-ab4e50519e39\n"
            "    AllowsDiscover: yes\n"
            "    AllowsMonitor:  yes\n"
            "    ClientMachine:  web01\n"
            "    EnableDiscover: yes\n"
            "    EnableMonitor:  no\n"
            "    Version:        10.4.0.0\n"
            "  - AgentId:        9c1d2e3f-5a6b-4c7d-8e9f-0a1b2c3d4e5f\n"
            "    AllowsDiscover: no\n"
            "    AllowsMonitor:  no\n"
            "    ClientMachine:  web02\n"
            "    EnableDiscover: no\n"
            "    EnableMonitor:  no\n"
            "    Version:        10.4.0.0\n");
}

TEST(RenderDetailsTest, StatusWithNestedObjectsAndUptime) {
  // Given GET /Status, nested objects indent under their key and the uptime reads as a duration.
  EXPECT_EQ(RenderDetails(json::parse(R"(
    {"Version": "0.1.0", "StartedAt": "2026-12-04T18:03:00Z", "UptimeSeconds": 11520,
     "Store": {"Healthy": true, "Path": "./var/orchd.db", "SchemaVersion": 4},
     "AgentListener": {"Address": "0.0.0.0", "Port": 8443, "Tls": true},
     "Scheduler": {"ScheduledJobs": 1200, "OpenRuns": 3, "PollingAgents": 12, "Fired": 97,
                   "Delivered": 97, "Completed": 94, "Retried": 1, "LeasesExpired": 0,
                   "SkippedOverlap": 0, "MissedCatchup": 2, "Pruned": 0}})"),
                          At("")),
            "StartedAt:     2026-12-04 18:03 (3 h ago)\n"
            "UptimeSeconds: 3 h 12 min\n"
            "Version:       0.1.0\n"
            "AgentListener:\n"
            "  Address: 0.0.0.0\n"
            "  Port:    8443\n"
            "  Tls:     yes\n"
            "Scheduler:\n"
            "  Completed:      94\n"
            "  Delivered:      97\n"
            "  Fired:          97\n"
            "  LeasesExpired:  0\n"
            "  MissedCatchup:  2\n"
            "  OpenRuns:       3\n"
            "  PollingAgents:  12\n"
            "  Pruned:         0\n"
            "  Retried:        1\n"
            "  ScheduledJobs:  1200\n"
            "  SkippedOverlap: 0\n"
            "Store:\n"
            "  Healthy:       yes\n"
            "  Path:          ./var/orchd.db\n"
            "  SchemaVersion: 4\n");
}

TEST(RenderDetailsTest, HistoryRowWithMultiLineMessageAndColour) {
  // Given a failed run whose message spans lines and holds an escape, with colour allowed,
  // later lines sit under the value, the escape is neutralised and the Result is red.
  EXPECT_EQ(RenderDetails(json::parse(R"(
    {"JobHistoryId": 18, "AgentId": "7b8d6e4c-1111-4222-8333-444455556666",
     "AgentMachine": "agent02.example.com", "JobId": "0c1f7e0a-45b2-4f4d-9e43-5e1f3a8f1c2d",
     "JobType": "Management", "ScheduleType": null, "ScheduledFor": "2026-12-04T21:00:00Z",
     "Attempt": 3, "OperationStart": "2026-12-04T21:00:03Z",
     "OperationEnd": "2026-12-04T21:00:09Z",
     "Message": "hook failed with exit status 2:\r\n\u001b[31mpermission denied\nretry later",
     "Result": 4, "Status": 3, "StorePath": "/etc/ssl/web.pem",
     "ClientMachine": "web01.example.com"})"),
                          At("", true)),
            "JobHistoryId:   18\n"
            "AgentId:        7b8d6e4c-1111-4222-8333-444455556666\n"
            "AgentMachine:   agent02.example.com\n"
            "Attempt:        3\n"
            "ClientMachine:  web01.example.com\n"
            "JobId:          0c1f7e0a-45b2-4f4d-9e43-5e1f3a8f1c2d\n"
            "JobType:        Management\n"
            "Message:        hook failed with exit status 2:\n"
            "                �[31mpermission denied\n"
            "                retry later\n"
            "OperationEnd:   2026-12-04 21:00 (14 min ago)\n"
            "OperationStart: 2026-12-04 21:00 (14 min ago)\n"
            "Result:         \x1b[31mFailure\x1b[0m\n"
            "ScheduleType:   -\n"
            "ScheduledFor:   2026-12-04 21:00 (15 min ago)\n"
            "Status:         Completed\n"
            "StorePath:      /etc/ssl/web.pem\n");
}

TEST(RenderDetailsTest, CertificateWithChainAndSecretAnswer) {
  // Given a certificate with its chain, the chain's entries are items with local times; given
  // a created secret (lowercase members), its id leads and its name follows.
  EXPECT_EQ(RenderDetails(json::parse(R"(
    {"Id": 1, "Thumbprint": "9F1115BB273C6104354477A0563E34557171E223",
     "SerialNumber": "0A1B2C3D4E5F", "IssuedDN": "CN=web.example.com, O=Example",
     "IssuerDN": "CN=Example CA, O=Example", "NotBefore": "2026-01-01T00:00:00Z",
     "NotAfter": "2027-01-01T00:00:00Z", "HasPrivateKey": true,
     "ImportDate": "2026-11-22T13:30:00Z",
     "Chain": [{"Thumbprint": "0A0B0C0D273C6104354477A0563E34557171E223",
                "IssuedDN": "CN=Example CA, O=Example", "IssuerDN": "CN=Example CA, O=Example",
                "NotBefore": "2020-01-01T00:00:00Z", "NotAfter": "2030-01-01T00:00:00Z"}]})"),
                          At("")),
            "Id:            1\n"
            "HasPrivateKey: yes\n"
            "ImportDate:    2026-11-22 13:30 (12 d ago)\n"
            "IssuedDN:      CN=web.example.com, O=Example\n"
            "IssuerDN:      CN=Example CA, O=Example\n"
            "NotAfter:      2027-01-01 00:00 (in 27 d)\n"
            "NotBefore:     2026-01-01 00:00 (337 d ago)\n"
            "SerialNumber:  0A1B2C3D4E5F\n"
            "Thumbprint:    9F1115BB273C6104354477A0563E34557171E223\n"
            "Chain:\n"
            "  - IssuedDN:   CN=Example CA, O=Example\n"
            "    IssuerDN:   CN=Example CA, O=Example\n"
            "    NotAfter:   2030-01-01 00:00 (in 1123 d)\n"
            "    NotBefore:  2020-01-01 00:00 (2529 d ago)\n"
            "    Thumbprint: 0A0B0C0D273C6104354477A0563E34557171E223\n");
  EXPECT_EQ(RenderDetails(json::parse(R"({"id": "3f0c2a71-5b8e-4d2a-9c1e-7a6b5c4d3e2f",
                                          "name": "bootstrap", "secret": "c2VjcmV0",
                                          "status": "ACTIVE"})"),
                          At("")),
            "id:     3f0c2a71-5b8e-4d2a-9c1e-7a6b5c4d3e2f\n"
            "name:   bootstrap\n"
            "secret: c2VjcmV0\n"
            "status: ACTIVE\n");
}

TEST(RenderDetailsTest, NotAnObject) {
  // Given an empty object, null or a bare value, the output is one line with its text.
  EXPECT_EQ(RenderDetails(json::object(), At("")), "-\n");
  EXPECT_EQ(RenderDetails(json(), At("")), "-\n");
  EXPECT_EQ(RenderDetails(json::parse(R"(["a", "b"])"), At("")), "a, b\n");
}

TEST(RenderHistoryLineTest, OneLinePerEventWithoutColour) {
  // Given a completed run, a waiting one and one with a two-line message in Berlin, each is one
  // line with the time of its latest event to the second, never cut, with no escape byte.
  const RenderContext ctx = At("Europe/Berlin");
  EXPECT_EQ(RenderHistoryLine(json::parse(R"(
    {"JobHistoryId": 17, "AgentId": "2a8d6e4c-1111-4222-8333-444455556666",
     "AgentMachine": "agent01.example.com", "JobId": "57b34b55-578c-4f73-98be-848792696612",
     "JobType": "Management", "ScheduleType": "D_02:00", "ScheduledFor": "2026-12-04T01:00:00Z",
     "Attempt": 1, "OperationStart": "2026-12-04T01:00:01.250Z",
     "OperationEnd": "2026-12-04T01:00:02Z", "Message": "", "Result": 2, "Status": 3,
     "StorePath": "/etc/ssl/web.pem", "ClientMachine": "web01.example.com"})"),
                              ctx),
            "2026-12-04 02:00:02  #17  Completed  Success  57b34b55-578c-4f73-98be-848792696612  "
            "web01.example.com\n");
  EXPECT_EQ(RenderHistoryLine(json::parse(R"(
    {"JobHistoryId": 19, "AgentId": null, "AgentMachine": "",
     "JobId": "0c1f7e0a-45b2-4f4d-9e43-5e1f3a8f1c2d", "JobType": "Management",
     "ScheduleType": "I_30", "ScheduledFor": "2026-12-04T21:01:09Z", "Attempt": 2,
     "OperationStart": null, "OperationEnd": null, "Message": "", "Result": 0, "Status": 1,
     "StorePath": "/opt/x.p12", "ClientMachine": "app-server-042.prod.eu-west.example.com"})"),
                              ctx),
            "2026-12-04 22:01:09  #19  Waiting  Unknown  0c1f7e0a-45b2-4f4d-9e43-5e1f3a8f1c2d  "
            "app-server-042.prod.eu-west.example.com\n");
  EXPECT_EQ(
      RenderHistoryLine(json::parse(R"(
    {"JobHistoryId": 18, "AgentId": "7b8d6e4c-1111-4222-8333-444455556666",
     "AgentMachine": "agent02.example.com", "JobId": "0c1f7e0a-45b2-4f4d-9e43-5e1f3a8f1c2d",
     "JobType": "Management", "ScheduleType": "I_30", "ScheduledFor": "2026-12-04T21:00:00Z",
     "Attempt": 1, "OperationStart": "2026-12-04T21:00:03Z",
     "OperationEnd": "2026-12-04T21:00:09Z",
     "Message": "Another certificate (thumbprint 1234ABCD) is present under alias 'web'\nand Overwrite is not set",
     "Result": 4, "Status": 5, "StorePath": "/opt/x.p12",
     "ClientMachine": "app-server-042.prod.eu-west.example.com"})"),
                        ctx),
      "2026-12-04 22:00:09  #18  CompletedWillRetry  Failure  0c1f7e0a-45b2-4f4d-9e43-5e1f3a8f1c2d "
      " app-server-042.prod.eu-west.example.com  Another certificate (thumbprint 1234ABCD) is "
      "present under alias 'web' and Overwrite is not set\n");
}

TEST(RenderHistoryLineTest, ResultColouredWhenAllowed) {
  // Given a warning with colour allowed, only the Result carries an SGR code.
  EXPECT_EQ(RenderHistoryLine(json::parse(R"(
    {"JobHistoryId": 1204, "JobId": "1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5",
     "ScheduledFor": "2026-11-30T13:30:00Z", "OperationStart": "2026-11-30T13:30:00.500Z",
     "OperationEnd": "2026-11-30T13:30:01Z", "Message": "already present", "Result": 3,
     "Status": 4, "ClientMachine": "web02"})"),
                              At("", true)),
            "2026-11-30 13:30:01  #1204  Acknowledged  \x1b[33mWarning\x1b[0m  "
            "1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5  web02  already present\n");
}

}  // namespace
}  // namespace orch::cli
