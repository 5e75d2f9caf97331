#include "pki/csr.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pki/test_keys.h"
#include "tests/testing/status_matchers.h"

namespace orch::pki {
namespace {

using testing::GenerateTestKey;
using ::testing::HasSubstr;
using testing::MakeCsrDer;
using testing::TestKeyType;

void ExpectRefused(std::string_view der, std::string_view text) {
  StatusOr<VerifiedCsr> result = VerifyCsr(der);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr(std::string(text)));
}

TEST(VerifyCsrTest, AcceptsEcCurvesAndRsa2048) {
  // Given requests for P-256, P-384, P-521 and RSA-2048 keys, each verifies and names its key.
  const std::pair<TestKeyType, std::string> cases[] = {
      {TestKeyType::kEcP256, "EC-P-256"},
      {TestKeyType::kEcP384, "EC-P-384"},
      {TestKeyType::kEcP521, "EC-P-521"},
      {TestKeyType::kRsa2048, "RSA-2048"},
  };
  for (const auto& [type, name] : cases) {
    std::string der = MakeCsrDer(GenerateTestKey(type), "agent01");
    ASSERT_OK_AND_ASSIGN(VerifiedCsr csr, VerifyCsr(der));
    EXPECT_EQ(csr.key_type, name);
    EXPECT_EQ(csr.der, der);
  }
}

TEST(VerifyCsrTest, RefusesSmallRsaAndOtherCurves) {
  // Given a 1024-bit RSA key and a secp256k1 key, both are refused with the reason.
  ExpectRefused(MakeCsrDer(GenerateTestKey(TestKeyType::kRsa1024), "a"), "RSA-1024");
  ExpectRefused(MakeCsrDer(GenerateTestKey(TestKeyType::kEcSecp256k1), "a"), "secp256k1");
}

TEST(VerifyCsrTest, RefusesBadSignature) {
  // Given a well-formed request whose signature byte was flipped, it is refused.
  std::string der = MakeCsrDer(GenerateTestKey(TestKeyType::kEcP256), "agent01");
  ExpectRefused(testing::CorruptCsrSignature(der), "signature does not verify");
}

TEST(VerifyCsrTest, RefusesEmptyOversizedGarbageAndTrailingBytes) {
  // Given inputs that are not one request within the size limit, each is refused.
  std::string der = MakeCsrDer(GenerateTestKey(TestKeyType::kEcP256), "agent01");
  ExpectRefused("", "empty");
  ExpectRefused(std::string(kMaxCsrBytes + 1, '\x30'), "at most 16384");
  ExpectRefused("not a request", "not a DER-encoded PKCS#10");
  ExpectRefused(der + "x", "not a DER-encoded PKCS#10");
}

}  // namespace
}  // namespace orch::pki
