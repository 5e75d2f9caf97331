// The version orchd reports in /Status, --version and logs.
#pragma once

namespace orch {

inline constexpr const char kVersion[] = "0.1.0";

}  // namespace orch
