// One page of a list call's rows and how many rows match in all.
#pragma once

#include <cstdint>
#include <vector>

namespace orch::store {

/// The rows of the requested page and the number of rows matching the filter (x-total-count).
template <typename T>
struct Page {
  std::vector<T> rows;
  int64_t total = 0;
};

}  // namespace orch::store
