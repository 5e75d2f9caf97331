#include "jobs/store_types.h"

namespace orch::jobs {

const std::vector<StoreType>& BuiltInStoreTypes() {
  // The PEM GUIDs are the product family's; the PKCS12 ones are orchd's own. Agents match on
  // them, so they are fixed forever.
  static const std::vector<StoreType> kTypes = {
      {kPemStoreType, "PEM", "PEM", "PEM",
       SupportedOperations{.add = true, .create = true, .remove = true},
       "1d411b36-ae72-433f-9f3f-8593e836a1af", "a809ce1f-1eea-4738-a38e-15708c89c981",
       "aa015d10-cffc-41f7-a9a4-c9615f6f3bdf"},
      {kPkcs12StoreType, "PKCS12", "PKCS12", "P12",
       SupportedOperations{.add = true, .create = true, .remove = true},
       "ffc41110-fbd4-45a9-aecf-f7268ec68982", "e5808e72-960e-45cc-8d02-a0d65d5b9cba",
       "9b013fb9-6185-4d1c-9987-3f5ec93719b6"},
  };
  return kTypes;
}

const StoreType* FindStoreType(int store_type) {
  for (const StoreType& type : BuiltInStoreTypes()) {
    if (type.store_type == store_type) return &type;
  }
  return nullptr;
}

std::string ManagementCapability(const StoreType& type) {
  return "CertStores." + std::string(type.capability) + ".Management";
}

}  // namespace orch::jobs
