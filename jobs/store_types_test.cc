#include "jobs/store_types.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "common/guid.h"
#include "jobs/ascii.h"

namespace orch::jobs {
namespace {

TEST(StoreTypesTest, BuiltInTypesCarryTheirFixedNumbersAndGuids) {
  // Given the built-in table, PEM is 2 with the family's GUIDs and PKCS12 is 102 with P12.
  const StoreType* pem = FindStoreType(kPemStoreType);
  ASSERT_NE(pem, nullptr);
  EXPECT_EQ(pem->capability, "PEM");
  EXPECT_EQ(pem->management_job_type, "1d411b36-ae72-433f-9f3f-8593e836a1af");
  EXPECT_EQ(pem->inventory_job_type, "a809ce1f-1eea-4738-a38e-15708c89c981");
  EXPECT_EQ(pem->reenrollment_job_type, "aa015d10-cffc-41f7-a9a4-c9615f6f3bdf");
  EXPECT_TRUE(pem->operations.add);
  const StoreType* p12 = FindStoreType(kPkcs12StoreType);
  ASSERT_NE(p12, nullptr);
  EXPECT_EQ(p12->name, "PKCS12");
  EXPECT_EQ(p12->capability, "P12");
  EXPECT_TRUE(p12->operations.add);
  EXPECT_EQ(FindStoreType(3), nullptr);
}

TEST(StoreTypesTest, JobTypeGuidsAreDistinctLowercaseGuids) {
  // Given every job-type GUID of every built-in type, each is a lowercase GUID used only once.
  std::set<std::string> seen;
  for (const StoreType& type : BuiltInStoreTypes()) {
    for (std::string_view guid :
         {type.management_job_type, type.inventory_job_type, type.reenrollment_job_type}) {
      EXPECT_TRUE(IsGuid(guid)) << guid;
      EXPECT_EQ(std::string(guid), AsciiLowercase(guid));
      EXPECT_TRUE(seen.insert(std::string(guid)).second) << guid;
    }
  }
}

TEST(StoreTypesTest, ManagementCapabilityNamesTheTypesCapability) {
  // Given the PEM and PKCS#12 types, agents advertise CertStores.<Capability>.Management.
  EXPECT_EQ(ManagementCapability(*FindStoreType(kPemStoreType)), "CertStores.PEM.Management");
  EXPECT_EQ(ManagementCapability(*FindStoreType(kPkcs12StoreType)), "CertStores.P12.Management");
}

}  // namespace
}  // namespace orch::jobs
