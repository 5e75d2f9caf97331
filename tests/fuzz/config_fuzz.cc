// The YAML configuration (SPEC §10): any bytes parse into a Config or an error; nothing
// throws, crashes or recurses without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)orch::config::ParseYaml(text, "fuzz.yaml");
  return 0;
}
