// Deploying one certificate into a certificate store file, as a Management Add job's
// configuration asks (SPEC §6.3, §12), with the completion status the agent reports (§6.4).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace orch::agent {

/// Completion statuses an agent reports for a job.
inline constexpr int kStatusSuccess = 2;
inline constexpr int kStatusWarning = 3;  // also "already present"
inline constexpr int kStatusFailure = 4;

/// One Add job's configuration, decoded from the configuration answer.
struct DeployRequest {
  std::string store_path;            // StorePath: the store file, absolute
  int store_type = 0;                // StoreType: 2 PEM, 102 PKCS12 (jobs/store_types.h)
  std::string store_password;        // StorePassword of a PKCS#12 store; empty when null
  std::string alias;                 // Alias: the PKCS#12 friendlyName
  std::string thumbprint;            // Thumbprint of the certificate; empty: not checked
  bool overwrite = false;            // Overwrite
  bool include_private_key = false;  // IncludePrivateKey
  std::string entry_contents;        // EntryContents decoded from base64: a DER certificate,
                                     // or a PKCS#12 with chain and key
  std::string pfx_password;          // PfxPassword of that PKCS#12
  nlohmann::json properties = nlohmann::json::object();  // Properties, parsed
  bool create_if_missing = false;                        // CreateIfMissing
};

/// What the agent reports for the job: a status above and a short message without secrets.
struct DeployResult {
  int status = kStatusFailure;
  std::string message;

  static DeployResult Success(std::string message) { return {kStatusSuccess, std::move(message)}; }
  static DeployResult Warning(std::string message) { return {kStatusWarning, std::move(message)}; }
  static DeployResult Failure(std::string message) { return {kStatusFailure, std::move(message)}; }
};

/// Deploys the request's certificate into its store: confines StorePath to `store_roots`
/// (agent/path_confinement.h), reads EntryContents (the leaf's thumbprint must match
/// Thumbprint when one is given), and writes the PEM or PKCS#12 store through `files`
/// (agent/pem_store.h, agent/pkcs12_store.h). Every store file is replaced atomically; a
/// Warning or a Failure leaves the files as they were, except when a separate key file could
/// not be put back, which the message says. Never throws; messages never hold passwords or
/// key material.
DeployResult Deploy(const DeployRequest& request, const std::vector<std::string>& store_roots,
                    FileSyscalls& files);

/// Deploy() with the kernel's file system calls.
DeployResult Deploy(const DeployRequest& request, const std::vector<std::string>& store_roots);

}  // namespace orch::agent
