// The PKCS#12 store: StorePath is a PKCS#12 file protected by StorePassword (SPEC §12).
#pragma once

#include "agent/deploy.h"
#include "agent/store_file.h"

namespace orch::agent {

/// Deploys into a PKCS#12 store file.
///
/// Entries are found by alias (friendlyName; the leaf's thumbprint when Alias is empty). Add
/// writes the leaf under the alias, with IncludePrivateKey its key (from the job's PKCS#12,
/// encrypted again under StorePassword), and the chain certificates the file does not hold
/// yet. The same certificate under the alias → Warning "already present"; another one →
/// Failure naming its thumbprint; with Overwrite the alias's certificate and key are replaced.
/// The bags of every other entry are written back exactly as they were read. A wrong
/// StorePassword or a file that is not a PKCS#12 → Failure, the file unchanged. A missing
/// file is created when CreateIfMissing, else Failure. The file gets mode 0600 whenever it
/// holds a key.
DeployResult DeployPkcs12Store(const StoreJob& job);

}  // namespace orch::agent
