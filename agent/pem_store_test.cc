// PEM stores through Deploy(): single files, separate key files, trust-store bundles, and
// what is refused.
#include "agent/pem_store.h"

#include <cerrno>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/deploy_testing.h"
#include "tests/testing/failing_file_syscalls.h"

namespace orch::agent {
namespace {

using orch::testing::FailingFileSyscalls;
using orch::testing::ReadFileOrEmpty;
using orch::testing::WriteFileOrFail;
using pki::testing::EcChain;
using pki::testing::RsaChain;
using pki::testing::TestChain;
using testing::AddRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ModeOf;
using ::testing::Not;

class PemStoreTest : public testing::StoreRootTest {
 protected:
  DeployRequest Add(const TestChain& chain, bool with_key) {
    return AddRequest(jobs::kPemStoreType, path_, chain, with_key);
  }
  const std::string path_ = root_.File("web.pem");
};

TEST_F(PemStoreTest, SingleFileHoldsLeafChainThenKey) {
  // Given a job with a key, the file holds leaf, issuing CA, root and the PKCS#8 key, 0600.
  const TestChain& c = RsaChain();
  DeployResult result = Run(Add(c, true));
  EXPECT_EQ(result.status, kStatusSuccess) << result.message;
  EXPECT_EQ(ReadFileOrEmpty(path_),
            c.leaf.cert_pem + c.issuing.cert_pem + c.root.cert_pem + c.leaf.key_pkcs8_pem);
  EXPECT_EQ(ModeOf(path_), 0600u);
  EXPECT_THAT(root_.Entries(), ElementsAre("web.pem"));
}

TEST_F(PemStoreTest, DerEntryWritesTheLeafAlone) {
  // Given a DER certificate without key, the new file holds just the leaf, mode 0644.
  DeployResult result = Run(Add(EcChain(), false));
  EXPECT_EQ(result.status, kStatusSuccess) << result.message;
  EXPECT_EQ(ReadFileOrEmpty(path_), EcChain().leaf.cert_pem);
  EXPECT_EQ(ModeOf(path_), 0644u);
}

TEST_F(PemStoreTest, SeparateKeyFileTakesTheKey) {
  // Given SeparatePrivateKeyFilePath, certificates go to the store file and the key to that
  // file with mode 0600.
  const TestChain& c = EcChain();
  DeployRequest request = Add(c, true);
  request.properties = {{"SeparatePrivateKeyFilePath", root_.File("web.key")}};
  DeployResult result = Run(request);
  EXPECT_EQ(result.status, kStatusSuccess) << result.message;
  EXPECT_EQ(ReadFileOrEmpty(path_), c.leaf.cert_pem + c.issuing.cert_pem + c.root.cert_pem);
  EXPECT_EQ(ReadFileOrEmpty(root_.File("web.key")), c.leaf.key_pkcs8_pem);
  EXPECT_EQ(ModeOf(root_.File("web.key")), 0600u);
  EXPECT_EQ(ModeOf(path_), 0644u);
}

TEST_F(PemStoreTest, SeparateKeyFileOutsideRootsIsRefused) {
  // Given a key path outside the store roots, nothing is written at all.
  orch::testing::TempDir outside("agent-outside");
  DeployRequest request = Add(EcChain(), true);
  request.properties = {{"separatePrivateKeyFilePath", outside.File("web.key")}};
  DeployResult result = Run(request);
  EXPECT_EQ(result.status, kStatusFailure);
  EXPECT_THAT(result.message, HasSubstr("outside the store roots"));
  EXPECT_TRUE(root_.Entries().empty());
  EXPECT_TRUE(outside.Entries().empty());
}

TEST_F(PemStoreTest, KeyFileIsPutBackWhenCertificateFileFails) {
  // Given the certificate file's rename failing after the key file was replaced, the key file
  // gets its old contents back and the certificate file keeps its own.
  const TestChain& c = EcChain();
  WriteFileOrFail(path_, RsaChain().leaf.cert_pem);
  WriteFileOrFail(root_.File("web.key"), RsaChain().leaf.key_pkcs8_pem);
  DeployRequest request = Add(c, true);
  request.overwrite = true;
  request.properties = {{"SeparatePrivateKeyFilePath", root_.File("web.key")}};
  FailingFileSyscalls files(FailingFileSyscalls::Call::kRename, EIO, /*nth=*/1);
  DeployResult result = Deploy(request, roots(), files);
  EXPECT_EQ(result.status, kStatusFailure);
  EXPECT_EQ(files.failures(), 1);
  EXPECT_EQ(ReadFileOrEmpty(path_), RsaChain().leaf.cert_pem);
  EXPECT_EQ(ReadFileOrEmpty(root_.File("web.key")), RsaChain().leaf.key_pkcs8_pem);
  EXPECT_THAT(root_.Entries(), ElementsAre("web.key", "web.pem"));
}

TEST_F(PemStoreTest, TrustStoreAppendsAndKeepsWhatWasThere) {
  // Given a bundle holding a root and a comment, IsTrustStore appends the leaf and keeps the
  // earlier bytes; a second Add of the same leaf is a Warning.
  const std::string before = "# CA bundle\n" + RsaChain().root.cert_pem;
  WriteFileOrFail(path_, before);
  DeployRequest request = Add(EcChain(), false);
  request.properties = {{"IsTrustStore", "true"}};
  DeployResult result = Run(request);
  EXPECT_EQ(result.status, kStatusSuccess) << result.message;
  EXPECT_EQ(ReadFileOrEmpty(path_), before + EcChain().leaf.cert_pem);
  request.properties = {{"IsTrustStore", true}};
  DeployResult again = Run(request);
  EXPECT_EQ(again.status, kStatusWarning);
  EXPECT_THAT(again.message, HasSubstr("already present"));
  EXPECT_EQ(ReadFileOrEmpty(path_), before + EcChain().leaf.cert_pem);
}

TEST_F(PemStoreTest, TrustStoreTakesNoKey) {
  // Given IsTrustStore and IncludePrivateKey, the job fails and nothing is written.
  DeployRequest request = Add(EcChain(), true);
  request.properties = {{"IsTrustStore", true}};
  DeployResult result = Run(request);
  EXPECT_EQ(result.status, kStatusFailure);
  EXPECT_TRUE(root_.Entries().empty());
}

TEST_F(PemStoreTest, SameCertificateIsAWarning) {
  // Given the store already holds the job's certificate, the result is a Warning, file as is.
  DeployResult first = Run(Add(EcChain(), true));
  ASSERT_EQ(first.status, kStatusSuccess) << first.message;
  const std::string before = ReadFileOrEmpty(path_);
  DeployResult again = Run(Add(EcChain(), true));
  EXPECT_EQ(again.status, kStatusWarning);
  EXPECT_THAT(again.message, HasSubstr("already present"));
  EXPECT_EQ(ReadFileOrEmpty(path_), before);
}

TEST_F(PemStoreTest, DifferentCertificateWithoutOverwriteFails) {
  // Given another certificate in place and no Overwrite, Failure names its thumbprint and the
  // file stays byte for byte.
  const std::string before = RsaChain().leaf.cert_pem + RsaChain().leaf.key_pkcs8_pem;
  WriteFileOrFail(path_, before);
  DeployResult result = Run(Add(EcChain(), true));
  EXPECT_EQ(result.status, kStatusFailure);
  EXPECT_THAT(result.message,
              HasSubstr(pki::testing::IndependentThumbprint(RsaChain().leaf.cert_der)));
  EXPECT_EQ(ReadFileOrEmpty(path_), before);
}

TEST_F(PemStoreTest, OverwriteReplacesTheFile) {
  // Given another certificate in place and Overwrite, the file holds the new one only.
  WriteFileOrFail(path_, RsaChain().leaf.cert_pem + RsaChain().issuing.cert_pem);
  DeployRequest request = Add(EcChain(), false);
  request.overwrite = true;
  DeployResult result = Run(request);
  EXPECT_EQ(result.status, kStatusSuccess) << result.message;
  EXPECT_EQ(ReadFileOrEmpty(path_), EcChain().leaf.cert_pem);
}

TEST_F(PemStoreTest, UnparsableFileIsNeverOverwritten) {
  // Given a file that is not PEM certificates, even Overwrite fails and leaves it unchanged.
  const std::string before = "ssl_certificate /etc/ssl/web.pem;\n";
  WriteFileOrFail(path_, before);
  DeployRequest request = Add(EcChain(), true);
  request.overwrite = true;
  DeployResult result = Run(request);
  EXPECT_EQ(result.status, kStatusFailure);
  EXPECT_THAT(result.message, HasSubstr("not a PEM certificate file"));
  EXPECT_EQ(ReadFileOrEmpty(path_), before);
}

TEST_F(PemStoreTest, MissingFileNeedsCreateIfMissing) {
  // Given no store file, CreateIfMissing false fails without creating it; true creates it.
  DeployRequest request = Add(EcChain(), false);
  request.create_if_missing = false;
  DeployResult refused = Run(request);
  EXPECT_EQ(refused.status, kStatusFailure);
  EXPECT_THAT(refused.message, HasSubstr("does not exist and CreateIfMissing is false"));
  EXPECT_TRUE(root_.Entries().empty());
  request.create_if_missing = true;
  DeployResult created = Run(request);
  EXPECT_EQ(created.status, kStatusSuccess) << created.message;
  EXPECT_EQ(ReadFileOrEmpty(path_), EcChain().leaf.cert_pem);
}

TEST_F(PemStoreTest, EmptyFileCountsAsAnEmptyStore) {
  // Given an existing empty file and CreateIfMissing false, the certificate is written into it.
  WriteFileOrFail(path_, "");
  DeployRequest request = Add(EcChain(), false);
  request.create_if_missing = false;
  DeployResult result = Run(request);
  EXPECT_EQ(result.status, kStatusSuccess) << result.message;
  EXPECT_EQ(ReadFileOrEmpty(path_), EcChain().leaf.cert_pem);
}

TEST_F(PemStoreTest, KeyMaterialNeverAppearsInMessages) {
  // Given every outcome above, no message holds a password or a PEM block.
  WriteFileOrFail(path_, RsaChain().leaf.cert_pem);
  for (bool overwrite : {false, true}) {
    DeployRequest request = Add(EcChain(), true);
    request.overwrite = overwrite;
    DeployResult result = Run(request);
    EXPECT_THAT(result.message, Not(HasSubstr(testing::kPfxPassword)));
    EXPECT_THAT(result.message, Not(HasSubstr("-----")));
  }
}

}  // namespace
}  // namespace orch::agent
