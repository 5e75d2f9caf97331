// ASCII case helpers for names that match case-insensitively (JSON members, query keywords,
// parameters). Bytes outside ASCII compare as they are.
#pragma once

#include <string>
#include <string_view>

namespace orch::jobs {

/// `c` lowercased when it is an ASCII capital letter.
constexpr char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// True when `a` and `b` differ at most in ASCII case.
constexpr bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

/// `text` with ASCII capitals lowercased.
inline std::string AsciiLowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

}  // namespace orch::jobs
