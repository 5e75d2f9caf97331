#include "pki/base64.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

namespace orch::pki {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr int8_t kInvalid = -1;
constexpr int8_t kWhitespace = -2;

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int8_t>(i);
  }
  for (char c : {' ', '\t', '\r', '\n'}) table[static_cast<unsigned char>(c)] = kWhitespace;
  return table;
}

constexpr std::array<int8_t, 256> kDecodeTable = MakeDecodeTable();

Status BadBase64(std::string_view what, size_t offset) {
  return InvalidArgumentError("invalid base64: " + std::string(what) + " at offset " +
                              std::to_string(offset));
}

// Appends the bytes held by the `count` sextets in `quad` (2, 3 or 4 of them); the bits a
// short final group leaves over must be zero so that every input has one decoding.
Status FlushGroup(uint32_t quad, int count, size_t offset, std::string& out) {
  if (count == 1) return BadBase64("dangling character", offset);
  quad <<= 6 * (4 - count);
  if (count == 2 && (quad & 0xFFFF) != 0) return BadBase64("non-zero padding bits", offset);
  if (count == 3 && (quad & 0xFF) != 0) return BadBase64("non-zero padding bits", offset);
  out.push_back(static_cast<char>(quad >> 16));
  if (count >= 3) out.push_back(static_cast<char>((quad >> 8) & 0xFF));
  if (count == 4) out.push_back(static_cast<char>(quad & 0xFF));
  return Status::Ok();
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    size_t n = std::min<size_t>(3, bytes.size() - i);
    uint32_t group = 0;
    for (size_t j = 0; j < 3; ++j) {
      group = (group << 8) | (j < n ? static_cast<unsigned char>(bytes[i + j]) : 0u);
    }
    for (size_t j = 0; j < 4; ++j) {
      out.push_back(j <= n ? kAlphabet[(group >> (18 - 6 * j)) & 0x3F] : '=');
    }
  }
  return out;
}

StatusOr<std::string> Base64Decode(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3 + 3);
  uint32_t quad = 0;
  int count = 0;
  int padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    int8_t value = kDecodeTable[static_cast<unsigned char>(text[i])];
    if (value == kWhitespace) continue;
    if (text[i] == '=') {
      // Padding only completes the final group: "xx==" or "xxx=".
      if (count + padding < 2 || count + padding >= 4) return BadBase64("misplaced '='", i);
      ++padding;
      continue;
    }
    if (value == kInvalid) return BadBase64("unexpected character", i);
    if (padding > 0) return BadBase64("data after '='", i);
    quad = (quad << 6) | static_cast<uint32_t>(value);
    if (++count == 4) {
      ORCH_RETURN_IF_ERROR(FlushGroup(quad, count, i, out));
      quad = 0;
      count = 0;
    }
  }
  if (padding > 0 && count + padding != 4) return BadBase64("incomplete padding", text.size());
  if (count > 0) ORCH_RETURN_IF_ERROR(FlushGroup(quad, count, text.size(), out));
  return out;
}

}  // namespace orch::pki
