// End-to-end support for the catalogue of malformed requests: one case is one request sent to
// a real orchd over its control socket or its TLS agent listener, with the answer it must get.
// Every case is a refusal, so the database must read the same before and after it.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "tests/e2e/agents_e2e_support.h"

namespace orch::e2e {

/// Where a case is sent and how.
enum class Target {
  kControl,     // the control socket, a framed request (Content-Type: application/json)
  kControlRaw,  // the control socket; `body` holds the whole request, sent byte for byte
  kAgent,       // the TLS agent listener, a framed request
  kAgentRaw,    // the TLS agent listener; `body` holds the whole request
};

/// One malformed request and the answer the API documents for it. In `path`, `headers` and
/// `body`, $STORE is the fixture store's id, $BASIC an Authorization header with the active
/// agent secret, $SECRET that secret's value and $CERT64 a certificate in base64.
struct MalformedCase {
  std::string name;  // the gtest name: letters, digits and '_'
  Target target;
  std::string method;
  std::string path;
  std::string body;
  int status;
  std::string error_code;  // ErrorBody.errorCode; "" when the answer is not an ErrorBody
  std::string field = "";  // errorDetails.field when the API names one
  std::string has = "";    // a text the answer's body must contain
  std::vector<std::string> headers = {};
};

/// A GUID that names nothing in the fixture.
inline constexpr char kUnknownGuid[] = "11111111-2222-3333-4444-555555555555";

/// A framed control-socket case.
MalformedCase ControlCall(std::string name, std::string method, std::string path, std::string body,
                          int status, std::string code, std::string field = "");

/// A framed control-socket POST case.
MalformedCase ControlPost(std::string name, std::string path, std::string body, int status,
                          std::string code, std::string field = "");

/// The control API's cases.
std::vector<MalformedCase> ControlListCases();
std::vector<MalformedCase> ControlPathCases();
std::vector<MalformedCase> ControlBodyCases();
std::vector<MalformedCase> ControlJobCases();
/// The agent API's cases.
std::vector<MalformedCase> AgentCases();

/// `{"a":{"a":...1...}}` nesting `depth` objects.
std::string NestedObjects(int depth);
/// A raw HTTP/1.1 request with the given Content-Type (none when "") and body.
std::string RawRequest(const std::string& method, const std::string& path,
                       const std::string& content_type, const std::string& body,
                       const std::vector<std::string>& headers = {});

/// gtest prints a case by its name.
void PrintTo(const MalformedCase& c, std::ostream* out);

/// A running orchd with the fixtures the cases refer to: an agent secret, a certificate without
/// a private key and a PEM store in the Default Agent Pool.
class MalformedRequestsE2E : public AgentsE2E, public ::testing::WithParamInterface<MalformedCase> {
 protected:
  void SetUp() override;
  /// Sends `c` and answers {status, headers, body}; status 0 when the transport failed.
  testing::TlsReply Send(const MalformedCase& c);
  /// `text` with the placeholders replaced.
  std::string Expand(const std::string& text) const;

  std::string store_id_;
  std::pair<std::string, std::string> secret_;
  std::string cert64_;
};

}  // namespace orch::e2e
