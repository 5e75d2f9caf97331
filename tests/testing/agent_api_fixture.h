// Test support for the agent and agent-related control handlers: a database in a temporary
// directory, a FakeClock, an internal CA, the AgentApi and the ControlApi, all driven without
// sockets. Requests come "from" uid 4242 (granted every claim) unless a test says otherwise.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/agent/agent_api.h"
#include "api/agent/session_touches.h"
#include "api/control/authorizer.h"
#include "api/control/control_api.h"
#include "common/fake_clock.h"
#include "pki/base64.h"
#include "pki/ca.h"
#include "pki/certificate.h"
#include "pki/secret_box.h"
#include "pki/test_keys.h"
#include "scheduler/timer.h"
#include "store/catalog_facts.h"
#include "store/read_pool.h"
#include "store/sqlite_repositories.h"
#include "store/sqlite_store.h"
#include "store/write_executor.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_loop.h"

namespace orch::api::testing {

using nlohmann::json;

inline constexpr uid_t kOperatorUid = 4242;

/// A reply with its body parsed.
struct Answer {
  int status = 0;
  json body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string raw;

  std::string Header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
      if (key == name) return value;
    }
    return "";
  }
};

/// An agent secret as the create call answered it.
struct Secret {
  std::string id;
  std::string name;
  std::string value;
};

/// A key with its CSR, for enrolling.
struct Enrollment {
  pki::testing::TestKey key;
  std::string csr_der;
};

class AgentApiFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "agent_api.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    ASSERT_OK_AND_ASSIGN(
        store_, store::SqliteStore::Open(
                    {.path = dir_ + "/orchd.db", .orchd_version = "test", .clock = &clock_}));
    repositories_ = store::RepositoriesOf(*store_);
    inline_writer_.emplace(*store_);
    ASSERT_OK_AND_ASSIGN(catalog_facts_, store::CatalogFacts::Load(repositories_->catalog()));
    inline_reader_.emplace(*store_);
    ASSERT_OK_AND_ASSIGN(ca_, pki::CertificateAuthority::LoadOrCreate(
                                  {dir_ + "/ca.crt", dir_ + "/ca.key", true}, clock_));
    config::Role all{"all", {std::to_string(kOperatorUid)}, {}, {}};
    for (std::string_view claim : config::kAllClaims) all.claims.emplace_back(claim);
    authorizer_ = std::make_unique<Authorizer>(clock_, std::vector<config::Role>{all});
    UseWriter(*inline_writer_);
  }

  /// (Re)builds the session calls' recorder and both APIs on `writer`, where their writes go;
  /// queries are read at once on the fixture's connection.
  /// REQUIRES: `writer` outlives them (TearDown() or the next UseWriter() drops them).
  void UseWriter(store::StoreWriter& writer) { UseStore(writer, *inline_reader_); }

  /// As UseWriter(), with the control API's queries read by `reader`.
  /// REQUIRES: `writer` and `reader` outlive the APIs.
  void UseStore(store::StoreWriter& writer, store::StoreReader& reader) {
    agent_api_.reset();
    control_.reset();
    touches_.reset();
    touches_.emplace(writer, clock_, touches_timer_);
    control_ = std::make_unique<ControlApi>(
        ControlDeps{.clock = &clock_,
                    .store = repositories_.get(),
                    .writer = &writer,
                    .catalog_facts = &catalog_facts_,
                    .reader = &reader,
                    .secret_box = &box_,
                    .authorizer = authorizer_.get(),
                    .pending_last_seen = [this] { return touches_->PendingLastSeen(); }});
    agent_api_ = std::make_unique<AgentApi>(AgentDeps{.clock = &clock_,
                                                      .writer = &writer,
                                                      .reader = &reader,
                                                      .ca = ca_.get(),
                                                      .touches = &*touches_},
                                            settings_);
  }

  /// Rebuilds both APIs with their queries read by two reader threads on the fixture's
  /// database, whose answers `loop` runs, suffering `faults`; writes go to the inline writer.
  /// REQUIRES: `loop` and `faults` outlive the test.
  void UseReadPool(orch::testing::TestLoop& loop, store::ReadFaults& faults) {
    ASSERT_OK_AND_ASSIGN(
        read_pool_, store::ReadPool::Open(
                        {.path = dir_ + "/orchd.db", .orchd_version = "test", .clock = &clock_}, 2,
                        loop.Post(), store::ReadPool::Options{.faults = &faults}));
    UseStore(*inline_writer_, *read_pool_);
  }

  void TearDown() override {
    agent_api_.reset();
    control_.reset();
    touches_.reset();
    read_pool_.reset();
    inline_writer_.reset();
    inline_reader_.reset();
    repositories_.reset();
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  /// Replaces the agent settings, as a reload would.
  void Configure(AgentSettings settings) {
    settings_ = std::move(settings);
    agent_api_->SetSettings(settings_);
  }

  static Answer AnswerOf(const Response& response) {
    return Answer{response.status, json::parse(response.body, nullptr, false), response.headers,
                  response.body};
  }

  static Answer Call(Handler& handler, Request request) {
    Answer answer;
    handler.Handle(std::move(request),
                   [&answer](Response response) { answer = AnswerOf(response); });
    return answer;
  }

  /// A control-socket request from `uid`.
  static Request ControlRequest(const std::string& method, const std::string& target,
                                const std::string& body, uid_t uid) {
    Request request;
    request.method = method;
    const size_t question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) request.query = target.substr(question + 1);
    request.body = body;
    request.peer = PeerCredentials{1, uid, uid};
    return request;
  }

  /// A control-socket call from `uid`, answered at once (the inline writer's writes are).
  Answer Control(const std::string& method, const std::string& target, const std::string& body = "",
                 uid_t uid = kOperatorUid) {
    return Call(*control_, ControlRequest(method, target, body, uid));
  }

  /// A control-socket call whose answer may wait for a writer thread: `loop` runs what that
  /// writer posts until the answer has come (status 0 if it never does).
  Answer ControlThrough(orch::testing::TestLoop& loop, const std::string& method,
                        const std::string& target, const std::string& body = "",
                        uid_t uid = kOperatorUid) {
    auto answer = std::make_shared<std::optional<Answer>>();
    control_->Handle(ControlRequest(method, target, body, uid),
                     [answer](Response response) { *answer = AnswerOf(response); });
    EXPECT_TRUE(loop.RunUntil([&] { return answer->has_value(); })) << method << " " << target;
    return answer->value_or(Answer{});
  }

  /// An agent-listener call with `headers` ({"authorization", "Basic ..."}) and, when given,
  /// the client certificate the TLS handshake verified.
  Answer Agent(const std::string& path, const json& body,
               std::vector<std::pair<std::string, std::string>> headers = {},
               const std::string& client_certificate_der = "",
               const std::string& ip = "127.0.0.1") {
    return Call(*agent_api_, AgentRequest(path, body, std::move(headers),
                                          client_certificate_der, ip));
  }

  /// As Agent(), for calls whose answer waits on a writer thread: runs `loop` until answered.
  Answer AgentThrough(orch::testing::TestLoop& loop, const std::string& path, const json& body,
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    auto answer = std::make_shared<std::optional<Answer>>();
    agent_api_->Handle(AgentRequest(path, body, std::move(headers), "", "127.0.0.1"),
                       [answer](Response response) { *answer = AnswerOf(response); });
    EXPECT_TRUE(loop.RunUntil([&] { return answer->has_value(); })) << path;
    return answer->value_or(Answer{});
  }

  static Request AgentRequest(const std::string& path, const json& body,
                              std::vector<std::pair<std::string, std::string>> headers,
                              const std::string& client_certificate_der, const std::string& ip) {
    Request request;
    request.method = "POST";
    request.path = path;
    request.body = body.is_string() ? body.get<std::string>() : body.dump();
    request.headers = std::move(headers);
    request.client_certificate_der = client_certificate_der;
    request.remote_ip = ip;
    return request;
  }

  Secret CreateSecret(const std::string& name) {
    Answer answer = Control("POST", "/api/v2/agent/secrets", json{{"name", name}}.dump());
    EXPECT_EQ(answer.status, 201) << answer.raw;
    return Secret{answer.body.value("id", ""), answer.body.value("name", ""),
                  answer.body.value("secret", "")};
  }

  /// As CreateSecret(), with the create answered through `loop` (a writer thread's commit).
  Secret CreateSecretThrough(orch::testing::TestLoop& loop, const std::string& name) {
    Answer answer =
        ControlThrough(loop, "POST", "/api/v2/agent/secrets", json{{"name", name}}.dump());
    EXPECT_EQ(answer.status, 201) << answer.raw;
    return Secret{answer.body.value("id", ""), answer.body.value("name", ""),
                  answer.body.value("secret", "")};
  }

  static std::pair<std::string, std::string> Basic(const Secret& secret) {
    return {"authorization", "Basic " + pki::Base64Encode(secret.name + ":" + secret.value)};
  }

  static Enrollment NewEnrollment(
      pki::testing::TestKeyType type = pki::testing::TestKeyType::kEcP256) {
    Enrollment enrollment{pki::testing::GenerateTestKey(type), ""};
    enrollment.csr_der = pki::testing::MakeCsrDer(enrollment.key, "agent");
    return enrollment;
  }

  static json RegisterBody(const std::string& agent_id, const std::string& machine,
                           std::optional<std::string> csr_der) {
    return {{"AgentId", agent_id},
            {"ClientMachine", machine},
            {"AgentPlatform", 7},
            {"AgentVersion", (uint64_t{10} << 48) | (uint64_t{4} << 32)},
            {"Capabilities", {"CertStores.PEM.Management"}},
            {"ClientParameters", {{"RegistrationRequest", "registration-enroll-stores"}}},
            {"CSR", csr_der ? json(pki::Base64Encode(*csr_der)) : json(nullptr)},
            {"TenantId", "00000000-0000-0000-0000-000000000000"}};
  }

  /// The DER of a registration answer's certificate ("" when there is none).
  static std::string CertificateOf(const Answer& answer) {
    const json& cert = answer.body["Session"]["Certificate"];
    if (!cert.is_string()) return "";
    StatusOr<std::string> der = pki::Base64Decode(cert.get<std::string>());
    return der.ok() ? *der : "";
  }

  /// Enrolls a new agent with `secret`; answers its id and certificate DER.
  std::pair<std::string, std::string> Enroll(const Secret& secret, const std::string& machine) {
    Answer answer = Agent("/KeyfactorAgents/Session/Register",
                          RegisterBody("", machine, NewEnrollment().csr_der), {Basic(secret)});
    EXPECT_EQ(answer.body["Result"]["Status"], 1) << answer.raw;
    return {answer.body["Session"]["AgentId"].get<std::string>(), CertificateOf(answer)};
  }

  json GetAgent(const std::string& id) { return Control("GET", "/Agents/" + id).body; }

  std::string dir_;
  FakeClock clock_;
  std::unique_ptr<store::SqliteStore> store_;
  // The repositories of store_, the loop's connection.
  std::unique_ptr<store::Repositories> repositories_;
  scheduler::FakeTimer touches_timer_;
  // Constructed in SetUp(), once the store is open.
  std::optional<store::InlineWriter> inline_writer_;
  // What the control API's Adds check, loaded in SetUp() and kept by its catalog writes.
  store::CatalogFacts catalog_facts_;
  std::optional<store::InlineReader> inline_reader_;
  // Set by UseReadPool().
  std::unique_ptr<store::ReadPool> read_pool_;
  std::optional<SessionTouches> touches_;
  std::unique_ptr<pki::CertificateAuthority> ca_;
  pki::SecretBox box_{std::string(pki::kMasterKeyBytes, 'k')};
  std::unique_ptr<Authorizer> authorizer_;
  AgentSettings settings_;
  std::unique_ptr<ControlApi> control_;
  std::unique_ptr<AgentApi> agent_api_;
};

}  // namespace orch::api::testing
