// Test-only: deploy requests built from the certificates pki/test_certs.h generates, and the
// temporary store root the agent tests write under.
#pragma once

#include <sys/stat.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "agent/deploy.h"
#include "jobs/store_types.h"
#include "pki/test_certs.h"
#include "tests/testing/temp_dir.h"

namespace orch::agent::testing {

/// Password of the PKCS#12 that carries a job's key.
inline constexpr char kPfxPassword[] = "pfx-secret-1";
/// Password of the PKCS#12 stores.
inline constexpr char kStorePassword[] = "store-secret-2";

/// An Add of `chain`'s leaf to the store at `path`: with `with_key`, EntryContents is a
/// PKCS#12 of the leaf, its key, the issuing CA and the root; otherwise the leaf's DER.
/// CreateIfMissing is set, Overwrite is not.
inline DeployRequest AddRequest(int store_type, const std::string& path,
                                const pki::testing::TestChain& chain, bool with_key) {
  DeployRequest request;
  request.store_path = path;
  request.store_type = store_type;
  request.store_password = kStorePassword;
  request.alias = "web";
  request.thumbprint = pki::testing::IndependentThumbprint(chain.leaf.cert_der);
  request.include_private_key = with_key;
  request.create_if_missing = true;
  if (with_key) {
    request.entry_contents =
        pki::testing::MakePkcs12(chain.leaf, {&chain.issuing, &chain.root}, kPfxPassword);
    request.pfx_password = kPfxPassword;
  } else {
    request.entry_contents = chain.leaf.cert_der;
  }
  return request;
}

/// The permission bits of the file at `path`.
inline mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

/// A temporary directory that is the only store root.
class StoreRootTest : public ::testing::Test {
 protected:
  DeployResult Run(const DeployRequest& request) { return Deploy(request, roots()); }
  std::vector<std::string> roots() const { return {root_.path()}; }

  orch::testing::TempDir root_{"agent-store"};
};

}  // namespace orch::agent::testing
