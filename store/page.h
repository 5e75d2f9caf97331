// One page of a list call's rows and how many rows match in all.
#pragma once

#include <cstdint>
#include <vector>

namespace orch::store {

/// Past this many rows matching a filter, a list's count stops: counting 100 000 index
/// entries and their rows already takes tens of milliseconds, more than the page itself.
inline constexpr int64_t kExactCountLimit = 10'000;

/// The rows of the requested page and the number of rows matching the filter (x-total-count).
template <typename T>
struct Page {
  std::vector<T> rows;
  /// Exact, or kExactCountLimit when a filter matches more (then `total_exact` is false).
  int64_t total = 0;
  bool total_exact = true;
};

}  // namespace orch::store
