// docs/openapi.yaml as the end-to-end tests read it: the operation documented for a request,
// and whether a real answer is one it documents.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace orch::e2e::openapi {

/// docs/openapi.yaml as JSON (read once).
const nlohmann::json& Document();

/// An object of the document with its `$ref` followed (itself when it has none).
const nlohmann::json& Resolved(const nlohmann::json& object);

/// The operation documented for `method` (any case) on a concrete `path` ("/Agents/4afb...",
/// no query) of the control or the agent listener; the most literal template wins
/// (/AgentPools/Agents over /AgentPools/{id}). The control prefix /KeyfactorAPI is ignored.
/// Null when none.
const nlohmann::json* FindOperation(const std::string& method, const std::string& path, bool agent_listener);

/// The response `operation` documents for `status`: its own code, else `default` for errors.
/// Null when none.
const nlohmann::json* ResponseFor(const nlohmann::json& operation, int status);

/// What is wrong with a real answer to `operation`: a status it does not document, a body
/// where it documents none, or a JSON body outside the documented schema. Empty when right.
std::vector<std::string> CheckAnswer(const nlohmann::json& operation, int status, const std::string& body);

}  // namespace orch::e2e::openapi
