// Deploy(): what it checks before any store writer runs, and atomic replacement of store files.
#include "agent/deploy.h"

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
using orch::testing::TempDir;
using orch::testing::WriteFileOrFail;
using pki::testing::EcChain;
using pki::testing::RsaChain;
using testing::AddRequest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using Call = FailingFileSyscalls::Call;

class DeployTest : public testing::StoreRootTest {};

TEST_F(DeployTest, UnknownStoreTypeFails) {
  // Given a store type the agent does not serve, Failure and nothing written.
  DeployResult result = Run(AddRequest(105, root_.File("x.jks"), EcChain(), false));
  EXPECT_EQ(result.status, kStatusFailure);
  EXPECT_THAT(result.message, HasSubstr("store type 105"));
  EXPECT_TRUE(root_.Entries().empty());
}

TEST_F(DeployTest, StorePathOutsideRootsWritesNothing) {
  // Given a StorePath outside the store roots (directly or with ".."), Failure naming it.
  TempDir outside("agent-outside");
  for (const std::string& path : {outside.File("web.pem"), root_.path() + "/../" + "web.pem"}) {
    DeployResult result = Run(AddRequest(jobs::kPemStoreType, path, EcChain(), true));
    EXPECT_EQ(result.status, kStatusFailure);
    EXPECT_THAT(result.message, HasSubstr(path));
    EXPECT_THAT(result.message, HasSubstr("outside the store roots"));
  }
  EXPECT_TRUE(outside.Entries().empty());
}

TEST_F(DeployTest, ThumbprintMustMatchTheEntry) {
  // Given a Thumbprint that is not the entry's certificate, Failure; lowercase is accepted.
  DeployRequest request = AddRequest(jobs::kPemStoreType, root_.File("a.pem"), EcChain(), false);
  request.thumbprint = pki::testing::IndependentThumbprint(RsaChain().leaf.cert_der);
  DeployResult wrong = Run(request);
  EXPECT_EQ(wrong.status, kStatusFailure);
  EXPECT_THAT(wrong.message, HasSubstr(request.thumbprint));
  request.thumbprint = pki::testing::IndependentThumbprint(EcChain().leaf.cert_der);
  for (char& c : request.thumbprint) c = static_cast<char>(std::tolower(c));
  EXPECT_EQ(Run(request).status, kStatusSuccess);
}

TEST_F(DeployTest, PrivateKeyRequestedButEntryHasNone) {
  // Given IncludePrivateKey with a DER certificate, Failure and nothing written.
  DeployRequest request = AddRequest(jobs::kPemStoreType, root_.File("a.pem"), EcChain(), false);
  request.include_private_key = true;
  DeployResult result = Run(request);
  EXPECT_EQ(result.status, kStatusFailure);
  EXPECT_THAT(result.message, HasSubstr("no private key"));
  EXPECT_TRUE(root_.Entries().empty());
}

TEST_F(DeployTest, WrongPfxPasswordFailsWithoutShowingIt) {
  // Given a PfxPassword that does not open EntryContents, Failure without the password.
  DeployRequest request = AddRequest(jobs::kPkcs12StoreType, root_.File("a.p12"), EcChain(), true);
  request.pfx_password = "wrong-pfx-password";
  DeployResult result = Run(request);
  EXPECT_EQ(result.status, kStatusFailure);
  EXPECT_THAT(result.message, HasSubstr("EntryContents"));
  EXPECT_THAT(result.message, Not(HasSubstr("wrong-pfx-password")));
  EXPECT_THAT(result.message, Not(HasSubstr(testing::kStorePassword)));
  EXPECT_TRUE(root_.Entries().empty());
}

TEST_F(DeployTest, EmptyEntryFails) {
  // Given no EntryContents, Failure.
  DeployRequest request = AddRequest(jobs::kPemStoreType, root_.File("a.pem"), EcChain(), false);
  request.entry_contents.clear();
  EXPECT_EQ(Run(request).status, kStatusFailure);
}

TEST_F(DeployTest, FailedWriteLeavesStoreFileIntact) {
  // Given a write that fails halfway, for each store type, the store file keeps its old
  // bytes and no temporary file is left behind.
  for (int type : {jobs::kPemStoreType, jobs::kPkcs12StoreType}) {
    TempDir root("agent-atomic");
    const std::string path = root.File("store");
    DeployRequest first = AddRequest(type, path, RsaChain(), true);
    ASSERT_EQ(Deploy(first, {root.path()}).status, kStatusSuccess);
    const std::string before = ReadFileOrEmpty(path);
    DeployRequest request = AddRequest(type, path, EcChain(), true);
    request.overwrite = true;
    FailingFileSyscalls files(Call::kWrite, ENOSPC);
    DeployResult result = Deploy(request, {root.path()}, files);
    EXPECT_EQ(result.status, kStatusFailure);
    EXPECT_THAT(result.message, HasSubstr("No space left"));
    EXPECT_EQ(ReadFileOrEmpty(path), before);
    EXPECT_THAT(root.Entries(), ElementsAre("store"));
  }
}

TEST_F(DeployTest, BadPropertiesFailInsteadOfThrowing) {
  // Given properties of the wrong shape, Failure naming the property.
  DeployRequest request = AddRequest(jobs::kPemStoreType, root_.File("a.pem"), EcChain(), false);
  request.properties = {{"IsTrustStore", 3}};
  DeployResult result = Run(request);
  EXPECT_EQ(result.status, kStatusFailure);
  EXPECT_THAT(result.message, HasSubstr("IsTrustStore"));
  request.properties = nlohmann::json::array({1, 2});
  EXPECT_EQ(Run(request).status, kStatusFailure);
}

}  // namespace
}  // namespace orch::agent
