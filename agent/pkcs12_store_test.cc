// PKCS#12 stores through Deploy(): several aliases, Overwrite, wrong passwords, and the file
// as the openssl command reads it.
#include "agent/pkcs12_store.h"

#include <stdio.h>
#include <sys/wait.h>

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "agent/deploy_testing.h"
#include "pki/pkcs12_store.h"
#include "tests/testing/status_matchers.h"

namespace orch::agent {
namespace {

using orch::testing::ReadFileOrEmpty;
using orch::testing::WriteFileOrFail;
using pki::Pkcs12Bag;
using pki::testing::EcChain;
using pki::testing::RsaChain;
using pki::testing::TestChain;
using testing::AddRequest;
using ::testing::HasSubstr;
using testing::kStorePassword;
using testing::ModeOf;
using ::testing::Not;

class Pkcs12StoreTest : public testing::StoreRootTest {
 protected:
  DeployRequest Add(const TestChain& chain, const std::string& alias, bool with_key = true) {
    DeployRequest request = AddRequest(jobs::kPkcs12StoreType, path_, chain, with_key);
    request.alias = alias;
    return request;
  }

  // The bags of the store file, read with the store password.
  std::vector<Pkcs12Bag> Bags() const {
    auto bags = pki::ReadPkcs12Bags(ReadFileOrEmpty(path_), kStorePassword);
    EXPECT_OK(bags);
    return bags.ok() ? *bags : std::vector<Pkcs12Bag>{};
  }

  // The DER of every bag of entry `alias`.
  std::vector<std::string> EntryBags(const std::string& alias) const {
    std::vector<std::string> ders;
    for (const Pkcs12Bag& bag : Bags()) {
      if (bag.friendly_name == alias) ders.push_back(bag.der);
    }
    return ders;
  }

  // The certificate under `alias`, or "" when there is none.
  std::string CertificateOf(const std::string& alias) const {
    for (const Pkcs12Bag& bag : Bags()) {
      if (bag.friendly_name == alias && bag.kind == Pkcs12Bag::Kind::kCertificate) {
        return bag.certificate_der;
      }
    }
    return "";
  }

  void Deployed(const DeployRequest& request) {
    DeployResult result = Run(request);
    ASSERT_EQ(result.status, kStatusSuccess) << result.message;
  }

  const std::string path_ = root_.File("keystore.p12");
};

struct CommandOutput {
  int exit_status = -1;
  std::string output;
};

// Runs a shell command and collects its standard output and exit status.
CommandOutput RunCommand(const std::string& command) {
  CommandOutput out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.output.append(buffer, n);
  int status = ::pclose(pipe);
  out.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

TEST_F(Pkcs12StoreTest, OpenSslCommandReadsEveryEntry) {
  // Given two aliases with keys, `openssl pkcs12 -info` opens the file with the store
  // password and shows both aliases, both certificates and both keys.
  if (RunCommand("openssl version >/dev/null 2>&1").exit_status != 0) {
    GTEST_SKIP() << "no openssl command";
  }
  Deployed(Add(RsaChain(), "first"));
  Deployed(Add(EcChain(), "second"));
  const std::string command =
      "openssl pkcs12 -info -noenc -passin pass:" + std::string(kStorePassword) + " -in " + path_;
  CommandOutput shown = RunCommand(command + " 2>/dev/null");
  ASSERT_EQ(shown.exit_status, 0);
  EXPECT_THAT(shown.output, HasSubstr("friendlyName: first"));
  EXPECT_THAT(shown.output, HasSubstr("friendlyName: second"));
  EXPECT_THAT(shown.output, HasSubstr(RsaChain().leaf.cert_pem));
  EXPECT_THAT(shown.output, HasSubstr(EcChain().leaf.cert_pem));
  EXPECT_THAT(shown.output, HasSubstr(RsaChain().leaf.key_pkcs8_pem));
  // The -info lines go to standard error.
  CommandOutput info = RunCommand(command + " 2>&1 >/dev/null");
  EXPECT_THAT(info.output, HasSubstr("MAC: sha256"));
  EXPECT_THAT(info.output, HasSubstr("Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC"));
  CommandOutput wrong = RunCommand("openssl pkcs12 -info -noenc -passin pass:wrong -in " + path_ +
                                   " >/dev/null 2>&1");
  EXPECT_NE(wrong.exit_status, 0);
}

TEST_F(Pkcs12StoreTest, EmptyStorePasswordOpensWithOpenSsl) {
  // Given an empty StorePassword, the store is written and opens with an empty password.
  if (RunCommand("openssl version >/dev/null 2>&1").exit_status != 0) {
    GTEST_SKIP() << "no openssl command";
  }
  DeployRequest request = Add(EcChain(), "web");
  request.store_password.clear();
  Deployed(request);
  CommandOutput shown =
      RunCommand("openssl pkcs12 -info -noenc -passin pass: -in " + path_ + " 2>/dev/null");
  ASSERT_EQ(shown.exit_status, 0);
  EXPECT_THAT(shown.output, HasSubstr(EcChain().leaf.key_pkcs8_pem));
  DeployRequest second = Add(RsaChain(), "other");
  second.store_password.clear();
  Deployed(second);
}

TEST_F(Pkcs12StoreTest, SecondAliasKeepsTheFirstIntact) {
  // Given one entry, adding another alias keeps the first entry's bags byte for byte and
  // holds the new certificate and key under the new alias.
  Deployed(Add(RsaChain(), "first"));
  const std::vector<std::string> first = EntryBags("first");
  ASSERT_EQ(first.size(), 2u);  // certificate and key
  Deployed(Add(EcChain(), "second"));
  EXPECT_EQ(EntryBags("first"), first);
  EXPECT_EQ(CertificateOf("second"), EcChain().leaf.cert_der);
  EXPECT_EQ(EntryBags("second").size(), 2u);
  auto imported = pki::ImportCertificate(ReadFileOrEmpty(path_), kStorePassword);
  EXPECT_OK(imported);
  EXPECT_EQ(ModeOf(path_), 0600u);
}

TEST_F(Pkcs12StoreTest, ExistingAliasWithoutOverwriteFails) {
  // Given an alias holding another certificate and no Overwrite, Failure names the thumbprint
  // held and the file stays byte for byte.
  Deployed(Add(RsaChain(), "web"));
  const std::string before = ReadFileOrEmpty(path_);
  DeployResult result = Run(Add(EcChain(), "web"));
  EXPECT_EQ(result.status, kStatusFailure);
  EXPECT_THAT(result.message,
              HasSubstr(pki::testing::IndependentThumbprint(RsaChain().leaf.cert_der)));
  EXPECT_EQ(ReadFileOrEmpty(path_), before);
}

TEST_F(Pkcs12StoreTest, OverwriteReplacesTheAliasOnly) {
  // Given two aliases and Overwrite on one, that alias holds the new certificate and key and
  // the other entry's bags are unchanged.
  Deployed(Add(RsaChain(), "web"));
  Deployed(Add(EcChain(), "api"));
  const std::vector<std::string> api = EntryBags("api");
  DeployRequest request = Add(EcChain(), "web");
  request.overwrite = true;
  Deployed(request);
  EXPECT_EQ(CertificateOf("web"), EcChain().leaf.cert_der);
  EXPECT_EQ(EntryBags("web").size(), 2u);
  EXPECT_EQ(EntryBags("api"), api);
}

TEST_F(Pkcs12StoreTest, SameCertificateUnderTheAliasIsAWarning) {
  // Given the alias already holds the job's certificate, Warning and the file unchanged.
  Deployed(Add(EcChain(), "web"));
  const std::string before = ReadFileOrEmpty(path_);
  DeployResult result = Run(Add(EcChain(), "web"));
  EXPECT_EQ(result.status, kStatusWarning);
  EXPECT_THAT(result.message, HasSubstr("already present"));
  EXPECT_EQ(ReadFileOrEmpty(path_), before);
}

TEST_F(Pkcs12StoreTest, WrongStorePasswordFailsAndChangesNothing) {
  // Given a wrong StorePassword, Failure without the password in the message, file unchanged.
  Deployed(Add(EcChain(), "web"));
  const std::string before = ReadFileOrEmpty(path_);
  DeployRequest request = Add(RsaChain(), "other");
  request.store_password = "not-the-store-password";
  DeployResult result = Run(request);
  EXPECT_EQ(result.status, kStatusFailure);
  EXPECT_THAT(result.message, HasSubstr("wrong password"));
  EXPECT_THAT(result.message, Not(HasSubstr("not-the-store-password")));
  EXPECT_EQ(ReadFileOrEmpty(path_), before);
}

TEST_F(Pkcs12StoreTest, UnparsableFileIsNeverOverwritten) {
  // Given a store file that is not a PKCS#12, even Overwrite fails and leaves it unchanged.
  WriteFileOrFail(path_, "not a keystore");
  DeployRequest request = Add(EcChain(), "web");
  request.overwrite = true;
  DeployResult result = Run(request);
  EXPECT_EQ(result.status, kStatusFailure);
  EXPECT_EQ(ReadFileOrEmpty(path_), "not a keystore");
}

TEST_F(Pkcs12StoreTest, MissingFileNeedsCreateIfMissing) {
  // Given no store file and CreateIfMissing false, Failure and no file.
  DeployRequest request = Add(EcChain(), "web");
  request.create_if_missing = false;
  DeployResult result = Run(request);
  EXPECT_EQ(result.status, kStatusFailure);
  EXPECT_THAT(result.message, HasSubstr("does not exist and CreateIfMissing is false"));
  EXPECT_TRUE(root_.Entries().empty());
}

TEST_F(Pkcs12StoreTest, ChainCertificatesAreNotRepeated) {
  // Given the same chain under two aliases, each chain certificate is stored once.
  Deployed(Add(RsaChain(), "one"));
  Deployed(Add(RsaChain(), "two"));
  int issuing = 0;
  for (const Pkcs12Bag& bag : Bags()) issuing += bag.certificate_der == RsaChain().issuing.cert_der;
  EXPECT_EQ(issuing, 1);
  EXPECT_EQ(CertificateOf("two"), RsaChain().leaf.cert_der);
}

TEST_F(Pkcs12StoreTest, CertificateWithoutKeyAndDefaultAlias) {
  // Given a DER certificate and no Alias, the entry is the certificate alone under its
  // thumbprint, and the file holds no key.
  DeployRequest request = Add(EcChain(), "", /*with_key=*/false);
  Deployed(request);
  std::vector<Pkcs12Bag> bags = Bags();
  ASSERT_EQ(bags.size(), 1u);
  EXPECT_EQ(bags[0].friendly_name, request.thumbprint);
  EXPECT_EQ(bags[0].certificate_der, EcChain().leaf.cert_der);
  EXPECT_EQ(ModeOf(path_), 0644u);
}

}  // namespace
}  // namespace orch::agent
