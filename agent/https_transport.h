// The real Transport: HTTP/1.1 over TLS (or plain HTTP for loopback tests) on the agent's loop,
// with keep-alive connections reused per credential. Asio, Beast and OpenSSL stay in the .cc.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "agent/agent_loop.h"
#include "agent/server_url.h"
#include "agent/transport.h"

namespace orch::agent {

class HttpsTransport final : public Transport {
 public:
  /// `ca_pem` is orchd's CA (TLS only): the server certificate must chain to it and name
  /// `server.host`. REQUIRES: `loop` outlives the transport.
  HttpsTransport(AgentLoop& loop, ServerUrl server, std::string ca_pem,
                 std::chrono::seconds timeout = std::chrono::seconds(90));
  ~HttpsTransport() override;

  /// Loads the CA (TLS): InvalidArgument when it is not a PEM certificate. Call once, first.
  Status Start();

  void Post(const std::string& path, const std::string& body, const Credential& credential,
            AnswerFn done) override;
  void CloseIdle() override;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace orch::agent
