// Text tables for a terminal: UTF-8 aware cutting, fitting to a width, optional ANSI colour.
// Pure: the caller says how wide and whether colour is allowed.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace orch::cli {

/// How a text is painted when colour is allowed.
enum class Style { kPlain, kBold, kGreen, kYellow, kRed };

/// `text` made safe to print: valid UTF-8, tabs and line breaks (CR, LF, U+2028, U+2029) as
/// spaces, and every other control character (C0, DEL, C1), bidirectional override and invalid
/// byte as U+FFFD, so data can neither move the cursor nor send escape sequences.
std::string TerminalSafe(std::string_view text);

/// Columns `text` takes on a terminal: one per code point. REQUIRES: valid UTF-8.
int TextWidth(std::string_view text);

/// `text` cut to at most `width` columns; a cut text ends in "…" (one column). Never splits a
/// character. REQUIRES: valid UTF-8.
std::string CutText(std::string_view text, int width);

/// `text` between the SGR codes of `style` and a reset; `text` itself for kPlain.
std::string Paint(std::string_view text, Style style);

/// How a column gives up room when the table is wider than the terminal.
enum class Fit {
  kKeep,         // never cut: short enums, numbers
  kShrinkFirst,  // cut first: paths, messages, DNs, queries
  kShrink,       // machines, names, times: cut to their comfortable width before the ids are
                 // cut, and below it only after
  kShrinkLast,   // identifiers: cut only when the other columns are at their comfortable
                 // width, and never below the shortest prefix (at least 8 characters) that
                 // tells the column's values apart
};

/// A column: its header, how it fits, and its comfortable width (`min_width`, 0: the
/// header's). A header is never cut, so no column gets narrower than its header.
struct Column {
  /// A column; implicit so that a list of headers makes a list of columns.
  Column(std::string header, Fit fit = Fit::kShrink, int min_width = 0)  // NOLINT: implicit
      : header(std::move(header)), fit(fit), min_width(min_width) {}
  /// A kShrink column headed `header`.
  Column(const char* header) : Column(std::string(header)) {}  // NOLINT: implicit
  /// Shown in the first line, upper case by convention ("MACHINE").
  std::string header;
  /// How the column gives up room.
  Fit fit;
  /// The comfortable width; 0 for the header's.
  int min_width;
};

/// One cell: its text and colour, and shorter texts to show instead, in order of preference,
/// when the column is narrower than the text; the first that fits is shown, else the last (or
/// the text) is cut. Texts may hold any bytes; they are made TerminalSafe when added.
struct Cell {
  /// A cell; implicit so that a list of texts makes a row.
  Cell(std::string text, Style style = Style::kPlain)  // NOLINT: implicit from text
      : text(std::move(text)), style(style) {}
  /// A plain cell holding `text`.
  Cell(const char* text) : Cell(std::string(text)) {}  // NOLINT: implicit from text
  /// A plain cell with shorter forms of its text.
  Cell(std::string text, std::vector<std::string> fallbacks)
      : text(std::move(text)), style(Style::kPlain), fallbacks(std::move(fallbacks)) {}
  /// What the cell says when there is room.
  std::string text;
  /// Its colour when colour is allowed.
  Style style;
  /// Shorter texts, most preferred first.
  std::vector<std::string> fallbacks;
};

/// A header row and rows of cells, left-aligned, columns separated by two spaces.
class Table {
 public:
  /// A table with these columns and no rows.
  explicit Table(std::vector<Column> columns);

  /// Appends a row; missing trailing cells are empty, cells beyond the columns are dropped.
  void AddRow(std::vector<Cell> cells);

  /// The table, one "\n"-terminated line per row after the header, without trailing spaces.
  /// When it is wider than `width` (`width` ≤ 0: no limit), columns give up room one column
  /// at a time, the widest of a step first, in these steps: kShrinkFirst to the comfortable
  /// width, kShrink to the comfortable width, kShrinkLast to its shortest prefix, then
  /// kShrinkFirst and kShrink to their headers' width. When every column is at its floor, lines
  /// stay longer than `width`.
  /// With `color`, the header is bold and cells carry their Style; without it, the output holds
  /// no escape byte. Widths never count escape codes.
  std::string Render(int width, bool color) const;

 private:
  std::vector<int> NaturalWidths() const;
  int IdFloor(size_t column) const;
  std::vector<int> FittedWidths(int width) const;
  std::string RenderLine(const std::vector<Cell>& cells, const std::vector<int>& widths,
                         bool color) const;

  std::vector<Column> columns_;
  std::vector<std::vector<Cell>> rows_;
};

}  // namespace orch::cli
