// End-to-end: every orchctl line of docs/orchctl.md, run in document order by /bin/sh against a
// live orchd, as a person would type it. The page's shell variables ($AGENT, $POOL, ...) name
// objects this test makes first; `history --follow` lines run until a run is printed and are
// then stopped with Ctrl-C (SIGINT), which must end them with exit 0.
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pki/base64.h"
#include "pki/test_certs.h"
#include "tests/e2e/agents_e2e_support.h"
#include "tests/e2e/orchctl_runner.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

namespace certs = pki::testing;
using testing::TlsReply;

constexpr char kRegister[] = "/KeyfactorAgents/Session/Register";
constexpr char kPoll[] = "/KeyfactorAgents/Jobs/Poll";

// The orchctl command lines of the ```sh blocks of `markdown`, with their line numbers.
std::vector<std::pair<int, std::string>> CommandLines(const std::string& markdown) {
  std::vector<std::pair<int, std::string>> lines;
  bool in_sh = false;
  int number = 0;
  for (size_t start = 0, end; start < markdown.size(); start = end + 1) {
    end = markdown.find('\n', start);
    if (end == std::string::npos) end = markdown.size();
    const std::string line = markdown.substr(start, end - start);
    ++number;
    if (line.rfind("```", 0) == 0) {
      in_sh = !in_sh && line == "```sh";
      continue;
    }
    if (in_sh && (line.rfind("orchctl ", 0) == 0 || line.find("| orchctl ") != std::string::npos)) {
      lines.emplace_back(number, line);
    }
  }
  return lines;
}

class OrchctlDocsE2E : public AgentsE2E {
 protected:
  void SetUp() override {
    StartOrchd("", "scheduler:\n  max_attempts: 1\n");
    orchctl_.emplace(orchd_.socket_path(), orchd_.dir());
    MakeFixture();
  }

  // What the page's variables name, and the files its import lines read.
  void MakeFixture() {
    auto secret = CreateSecret("fixture");
    agent_ = EnrollAgent(secret, "fixture01", &credential_,
                         {"CertStores.PEM.Management", "CertStores.P12.Management"});
    const std::string second = EnrollAgent(secret, "fixture02", nullptr);
    ASSERT_EQ(Control("POST", "/Agents/Approve", json::array({agent_, second}).dump()).first, 204);
    json body = RegisterBody(agent_, "fixture01", std::nullopt, "registration-enroll-stores");
    body["Capabilities"] = {"CertStores.PEM.Management", "CertStores.P12.Management"};
    ASSERT_OK_AND_ASSIGN(TlsReply registered, AgentPost(kRegister, body, {}, &credential_));
    token_ = json::parse(registered.body, nullptr, false)["Session"].value("Token", "");
    ASSERT_FALSE(token_.empty()) << registered.body;

    auto [pooled, pool] = Control("POST", "/AgentPools", json{{"Name", "fixture-pool"}}.dump());
    ASSERT_EQ(pooled, 200) << pool.dump();
    auto [imported, cert] =
        Control("POST", "/Certificates/Import",
                json{{"Certificate", pki::Base64Encode(certs::EcChain().leaf.cert_pem)}}.dump());
    ASSERT_EQ(imported, 200) << cert.dump();
    certificate_ = cert["Id"];
    auto [created, store] = Control("POST", "/CertificateStores",
                                    json{{"ClientMachine", "fixture01"},
                                         {"Storepath", "/etc/ssl/fixture.pem"},
                                         {"CertStoreType", 2},
                                         {"AgentId", agent_}}
                                        .dump());
    ASSERT_EQ(created, 200) << store.dump();
    store_ = store["Id"];
    auto add = [&](const json& schedule) {
      auto [status, ids] = Control("POST", "/CertificateStores/Certificates/Add",
                                   json{{"CertificateId", cert["Id"]},
                                        {"CertificateStores", {{{"CertificateStoreId", store_}}}},
                                        {"Schedule", schedule}}
                                       .dump());
      EXPECT_EQ(status, 200) << ids.dump();
      return ids.is_array() ? ids[0].get<std::string>() : "";
    };
    const std::string job = add({{"Interval", {{"Minutes", 60}}}});
    add({{"Immediate", true}});
    const int64_t run = FailNextRun();
    ASSERT_GT(run, 0);
    variables_ = {"AGENT=" + agent_,
                  "AGENT2=" + second,
                  "POOL=" + pool["AgentPoolId"].get<std::string>(),
                  "STORE=" + store_,
                  "CERT=" + std::to_string(cert["Id"].get<int64_t>()),
                  "JOB=" + job,
                  "RUN=" + std::to_string(run)};

    const certs::TestChain& rsa = certs::RsaChain();
    WriteFile(orchd_.dir().File("web.pem"), rsa.leaf.cert_pem + rsa.issuing.cert_pem);
    WriteFile(orchd_.dir().File("web.p12"), certs::MakePkcs12(rsa.leaf, {}, "web-p12-pass"));
    WriteFile(orchd_.dir().File("p12.pass"), "web-p12-pass\n");
    WriteFile(orchd_.dir().File("root.pem"), rsa.root.cert_pem);
    WriteFile(orchd_.dir().File("store.pass"), "store-pass\n");
  }

  // The agent takes its next run and fails it; its JobHistoryId.
  int64_t FailNextRun() {
    auto call = [&](const std::string& path, json body) {
      body["SessionToken"] = token_;
      StatusOr<TlsReply> reply = AgentPost(path, body, {}, &credential_);
      return reply.ok() ? json::parse(reply->body, nullptr, false) : json();
    };
    json polled = call(kPoll, {{"WaitSeconds", 5}});
    if (polled["Jobs"].size() != 1) return 0;
    const json handed = polled["Jobs"][0];
    json configured = call("/" + handed["ConfigurationEndpoint"].get<std::string>(),
                           {{"JobId", handed["JobId"]}});
    call("/" + handed["CompletionEndpoint"].get<std::string>(), {{"JobId", handed["JobId"]},
                                                                 {"AuditId", configured["AuditId"]},
                                                                 {"Status", 4},
                                                                 {"Message", "disk full"}});
    return configured.value("AuditId", int64_t{0});
  }

  // Runs a --follow line until it prints a run (one is made due now), then stops it.
  void Follow(int number, const std::string& line) {
    const std::string out = orchd_.dir().File("follow-" + std::to_string(number) + ".out");
    ASSERT_OK_AND_ASSIGN(Process follow,
                         orchctl_->StartShell(line, orchd_.dir().path(), variables_, out));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    bool printed = false;
    for (int attempt = 0; !printed && std::chrono::steady_clock::now() < deadline; ++attempt) {
      // A new run every half second until one is printed: the stream may connect late.
      if (attempt % 25 == 0) {
        Control("POST", "/CertificateStores/Certificates/Add",
                json{{"CertificateId", certificate_},
                     {"CertificateStores", {{{"CertificateStoreId", store_}}}},
                     {"Schedule", {{"Immediate", true}}}}
                    .dump());
      }
      printed = ReadFile(out).find('\n') != std::string::npos;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polls a file, not the clock
    }
    EXPECT_TRUE(printed) << "docs/orchctl.md:" << number << " " << line;
    follow.Signal(SIGINT);
    EXPECT_EQ(follow.WaitExit(), 0) << "docs/orchctl.md:" << number << " " << follow.Log();
  }

  std::optional<Orchctl> orchctl_;
  std::string agent_;
  std::string token_;
  std::string store_;
  int64_t certificate_ = 0;
  AgentCredential credential_;
  std::vector<std::string> variables_;
};

TEST_F(OrchctlDocsE2E, EveryExampleOfThePageRuns) {
  // Given the fixture the page's variables name, each orchctl line of docs/orchctl.md exits 0
  // in document order, and every subcommand group appears on the page.
  const std::vector<std::pair<int, std::string>> lines =
      CommandLines(ReadFile(SourceDir() + "/docs/orchctl.md"));
  ASSERT_GE(lines.size(), 50u) << "the page's examples were not found";
  std::string seen;
  for (const auto& [number, line] : lines) {
    seen += line + "\n";
    if (line.find("--follow") != std::string::npos) {
      Follow(number, line);
      continue;
    }
    OrchctlResult result = orchctl_->Shell(line, orchd_.dir().path(), variables_);
    EXPECT_EQ(result.exit_code, 0) << "docs/orchctl.md:" << number << " " << line << "\n"
                                   << result.err << result.out;
  }
  for (const char* group : {"status",
                            "metrics",
                            "agents list",
                            "agents show",
                            "agents approve",
                            "agents disapprove",
                            "agents reset",
                            "agents reenroll",
                            "pools create",
                            "pools list",
                            "pools show",
                            "pools add-agent",
                            "pools remove-agent",
                            "pools update",
                            "pools default-members",
                            "secrets create",
                            "secrets list",
                            "secrets revoke",
                            "certs import",
                            "certs list",
                            "certs show",
                            "collections create",
                            "collections list",
                            "containers create",
                            "containers list",
                            "store-types",
                            "stores create",
                            "stores list",
                            "stores show",
                            "stores update",
                            "jobs add",
                            "jobs scheduled",
                            "jobs unschedule",
                            "jobs reschedule",
                            "jobs ack",
                            "history",
                            "stores delete",
                            "pools delete"}) {
    EXPECT_NE(seen.find(std::string("orchctl ") + group), std::string::npos)
        << "docs/orchctl.md has no example of orchctl " << group;
  }
}

}  // namespace
}  // namespace orch::e2e
