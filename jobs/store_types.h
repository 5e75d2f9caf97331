// The built-in certificate store types (SPEC §3): what each can do and the job-type GUIDs that
// agents know it by. The GUIDs are part of the agent protocol and never change once released.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace orch::jobs {

/// What a store type supports (the product family's SupportedOperations).
struct SupportedOperations {
  bool add = false;
  bool create = false;
  bool discovery = false;
  bool enrollment = false;
  bool remove = false;
};

/// One certificate store type.
struct StoreType {
  int store_type = 0;                      // StoreType, the number stores refer to as CertStoreType
  std::string_view name;                   // Name
  std::string_view short_name;             // ShortName
  std::string_view capability;             // Capability: agents advertise CertStores.<Capability>.*
  SupportedOperations operations;          // SupportedOperations
  std::string_view management_job_type;    // job-type GUID of Add/Remove jobs
  std::string_view inventory_job_type;     // job-type GUID of inventory jobs
  std::string_view reenrollment_job_type;  // job-type GUID of reenrollment jobs
};

/// StoreType number of the PEM file store.
inline constexpr int kPemStoreType = 2;
/// StoreType number of the PKCS#12 file store.
inline constexpr int kPkcs12StoreType = 102;

/// Every built-in store type, in StoreType order.
const std::vector<StoreType>& BuiltInStoreTypes();

/// The built-in type numbered `store_type`, or nullptr when there is none.
const StoreType* FindStoreType(int store_type);

/// The capability an agent advertises to receive Add and Remove jobs for stores of `type`:
/// "CertStores.<Capability>.Management" (such as "CertStores.PEM.Management").
std::string ManagementCapability(const StoreType& type);

}  // namespace orch::jobs
