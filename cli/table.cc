#include "cli/table.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>

namespace orch::cli {
namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr std::string_view kEllipsis = "\u2026";
constexpr std::string_view kSeparator = "  ";
constexpr int kMinimumIdPrefix = 8;

// The code point starting at text[*pos], advancing *pos past it; an invalid sequence (bad lead
// or continuation byte, overlong form, surrogate, beyond U+10FFFF) yields U+FFFD for one byte.
char32_t DecodeOne(std::string_view text, size_t* pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(*pos);
  int length = 0;
  char32_t code = 0;
  char32_t smallest = 0;
  if (lead < 0x80) {
    ++*pos;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, code = lead & 0x1F, smallest = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code = lead & 0x0F, smallest = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code = lead & 0x07, smallest = 0x10000;
  } else {
    ++*pos;
    return kReplacement;
  }
  if (*pos + length > text.size()) {
    ++*pos;
    return kReplacement;
  }
  for (int i = 1; i < length; ++i) {
    const unsigned char next = byte(*pos + i);
    if ((next & 0xC0) != 0x80) {
      ++*pos;
      return kReplacement;
    }
    code = (code << 6) | (next & 0x3F);
  }
  if (code < smallest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
    ++*pos;
    return kReplacement;
  }
  *pos += length;
  return code;
}

void AppendUtf8(char32_t code, std::string* out) {
  if (code < 0x80) {
    out->push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code >> 6)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

// What a decoded code point prints as: breaks become spaces, anything that steers the
// terminal or the text direction becomes U+FFFD.
char32_t Printable(char32_t code) {
  if (code == '\t' || code == '\n' || code == '\r' || code == 0x2028 || code == 0x2029) return ' ';
  const bool control = code < 0x20 || (code >= 0x7F && code <= 0x9F);
  const bool bidi = (code >= 0x202A && code <= 0x202E) || (code >= 0x2066 && code <= 0x2069);
  return control || bidi ? kReplacement : code;
}

// Byte offset just past the first `count` code points of `text`.
size_t PrefixBytes(std::string_view text, int count) {
  size_t pos = 0;
  for (int i = 0; i < count && pos < text.size(); ++i) DecodeOne(text, &pos);
  return pos;
}

// Columns needed so that cut values stay distinct: the longest common prefix of two
// neighbours (in sorted order) plus one, at least kMinimumIdPrefix, plus one for the "…".
int DistinguishingWidth(const std::set<std::string>& values) {
  int prefix = kMinimumIdPrefix;
  for (auto it = values.begin(); it != values.end() && std::next(it) != values.end(); ++it) {
    const std::string& a = *it;
    const std::string& b = *std::next(it);
    const size_t common = std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin();
    prefix = std::max(prefix, TextWidth(std::string_view(a).substr(0, common)) + 1);
  }
  return prefix + 1;
}

// A cell's text at `width` columns: the text when it fits, else the first fallback that
// fits, else the last fallback (or the text) cut.
std::string FitCell(const Cell& cell, int width) {
  if (TextWidth(cell.text) <= width) return cell.text;
  for (const std::string& fallback : cell.fallbacks) {
    if (TextWidth(fallback) <= width) return fallback;
  }
  return CutText(cell.fallbacks.empty() ? cell.text : cell.fallbacks.back(), width);
}

}  // namespace

std::string TerminalSafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) AppendUtf8(Printable(DecodeOne(text, &pos)), &out);
  return out;
}

int TextWidth(std::string_view text) {
  // Continuation bytes (10xxxxxx) do not start a code point.
  return static_cast<int>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string CutText(std::string_view text, int width) {
  if (TextWidth(text) <= width) return std::string(text);
  if (width <= 0) return "";
  std::string out(text.substr(0, PrefixBytes(text, width - 1)));
  out += kEllipsis;
  return out;
}

std::string Paint(std::string_view text, Style style) {
  std::string_view code;
  switch (style) {
    case Style::kPlain: return std::string(text);
    case Style::kBold: code = "\x1b[1m"; break;
    case Style::kGreen: code = "\x1b[32m"; break;
    case Style::kYellow: code = "\x1b[33m"; break;
    case Style::kRed: code = "\x1b[31m"; break;
  }
  std::string out(code);
  out += text;
  out += "\x1b[0m";
  return out;
}

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {
  for (Column& column : columns_) column.header = TerminalSafe(column.header);
}

void Table::AddRow(std::vector<Cell> cells) {
  cells.resize(columns_.size(), Cell(""));
  for (Cell& cell : cells) {
    cell.text = TerminalSafe(cell.text);
    for (std::string& fallback : cell.fallbacks) fallback = TerminalSafe(fallback);
  }
  rows_.push_back(std::move(cells));
}

std::vector<int> Table::NaturalWidths() const {
  std::vector<int> widths;
  for (const Column& column : columns_) widths.push_back(TextWidth(column.header));
  for (const std::vector<Cell>& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], TextWidth(row[i].text));
    }
  }
  return widths;
}

int Table::IdFloor(size_t column) const {
  std::set<std::string> values;
  for (const std::vector<Cell>& row : rows_) values.insert(row[column].text);
  return DistinguishingWidth(values);
}

std::vector<int> Table::FittedWidths(int width) const {
  std::vector<int> widths = NaturalWidths();
  if (width <= 0 || columns_.empty()) return widths;
  // Each step: which columns give room, and down to which width (never above their width now).
  struct Step {
    Fit fit;
    bool comfortable;  // down to the comfortable width, else to the floor
  };
  constexpr Step kSteps[] = {{Fit::kShrinkFirst, true},
                             {Fit::kShrink, true},
                             {Fit::kShrinkLast, false},
                             {Fit::kShrinkFirst, false},
                             {Fit::kShrink, false}};
  int total = static_cast<int>(kSeparator.size() * (columns_.size() - 1));
  for (int w : widths) total += w;
  for (const Step& step : kSteps) {
    std::vector<int> target(columns_.size(), 0);
    for (size_t i = 0; i < columns_.size(); ++i) {
      const Column& column = columns_[i];
      if (column.fit != step.fit) {
        target[i] = widths[i];
        continue;
      }
      int floor = TextWidth(column.header);
      if (column.fit == Fit::kShrinkLast) floor = std::max(floor, IdFloor(i));
      if (step.comfortable) floor = std::max(floor, column.min_width);
      target[i] = std::min(widths[i], floor);
    }
    while (total > width) {
      // The widest column that may still give a column; the rightmost on a tie, so the
      // columns an operator reads first keep theirs.
      int widest = -1;
      for (size_t i = 0; i < columns_.size(); ++i) {
        if (widths[i] <= target[i]) continue;
        if (widest < 0 || widths[i] >= widths[widest]) widest = static_cast<int>(i);
      }
      if (widest < 0) break;
      --widths[widest];
      --total;
    }
  }
  return widths;
}

std::string Table::RenderLine(const std::vector<Cell>& cells, const std::vector<int>& widths,
                              bool color) const {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    const std::string text = FitCell(cells[i], widths[i]);
    line += color ? Paint(text, cells[i].style) : text;
    if (i + 1 < cells.size()) {
      line.append(static_cast<size_t>(widths[i] - TextWidth(text)), ' ');
      line += kSeparator;
    }
  }
  line.erase(line.find_last_not_of(' ') + 1);
  return line;
}

std::string Table::Render(int width, bool color) const {
  const std::vector<int> widths = FittedWidths(width);
  std::vector<Cell> header;
  for (const Column& column : columns_) header.emplace_back(column.header);
  std::string out = RenderLine(header, widths, false);
  if (color) out = Paint(out, Style::kBold);
  out += '\n';
  for (const std::vector<Cell>& row : rows_) {
    out += RenderLine(row, widths, color);
    out += '\n';
  }
  return out;
}

}  // namespace orch::cli
