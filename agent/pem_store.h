// The PEM store: StorePath is a file of PEM blocks (SPEC §12).
#pragma once

#include "agent/deploy.h"
#include "agent/store_file.h"

namespace orch::agent {

/// Deploys into a PEM store file.
///
/// The file holds the leaf, then its chain (from the job's PKCS#12; a DER certificate alone
/// has none), then, with IncludePrivateKey, the key as a PKCS#8 "PRIVATE KEY" block (the file
/// then gets mode 0600). Store property `SeparatePrivateKeyFilePath` (a path confined like
/// StorePath) puts the key in that file instead, mode 0600; should the certificate file then
/// fail to be written, the key file is put back as it was.
///
/// With store property `IsTrustStore` true (or "true") the file is a bundle: the leaf is
/// appended unless already in it (Warning), other contents kept byte for byte; a trust store
/// takes no private key (Failure).
///
/// Otherwise the first certificate of the file is the one in place: the same certificate →
/// Warning "already present" (with Overwrite, the file is written again); another one →
/// Failure naming its thumbprint unless Overwrite, which replaces the whole file.
///
/// A file that exists but is not PEM certificates → Failure, never overwritten. A missing
/// file is created when CreateIfMissing, else Failure.
DeployResult DeployPemStore(const StoreJob& job);

}  // namespace orch::agent
