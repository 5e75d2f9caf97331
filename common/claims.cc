#include "common/claims.h"

#include <algorithm>

namespace orch::claims {
namespace {

// API ids are positive 64-bit integers; 18 digits always fit.
constexpr size_t kMaxIdDigits = 18;

// The API compares scoped claims as text, so "07" would never match id 7: no leading zeros.
bool IsDecimalId(std::string_view text) {
  if (text.empty() || text.size() > kMaxIdDigits || text.front() == '0') return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool IsKnown(std::string_view claim) {
  if (std::find(kAll.begin(), kAll.end(), claim) != kAll.end()) return true;
  for (std::string_view prefix : kScopable) {
    if (claim.size() > prefix.size() + 1 && claim.starts_with(prefix) && claim.back() == '/' &&
        IsDecimalId(claim.substr(prefix.size(), claim.size() - prefix.size() - 1))) {
      return true;
    }
  }
  return false;
}

}  // namespace orch::claims
