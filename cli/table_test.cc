#include "cli/table.h"

#include <gtest/gtest.h>

namespace orch::cli {
namespace {

TEST(TextWidthTest, CountsCodePoints) {
  // Given ASCII, two-byte, three-byte and four-byte characters, each takes one column.
  EXPECT_EQ(TextWidth(""), 0);
  EXPECT_EQ(TextWidth("abc"), 3);
  EXPECT_EQ(TextWidth("Grüße"), 5);
  EXPECT_EQ(TextWidth("証明書"), 3);
  EXPECT_EQ(TextWidth("a🔒b"), 3);
}

TEST(CutTextTest, CutsWholeCharactersAndEndsInEllipsis) {
  // Given texts wider than the room, the cut keeps whole code points and the "…" takes one column.
  EXPECT_EQ(CutText("/etc/ssl/web.pem", 20), "/etc/ssl/web.pem");
  EXPECT_EQ(CutText("/etc/ssl/web.pem", 16), "/etc/ssl/web.pem");
  EXPECT_EQ(CutText("/etc/ssl/web.pem", 15), "/etc/ssl/web.p…");
  EXPECT_EQ(CutText("Grüße aus Köln", 5), "Grüß…");
  EXPECT_EQ(CutText("Grüße aus Köln", 3), "Gr…");
  EXPECT_EQ(CutText("証明書ストア", 4), "証明書…");
  EXPECT_EQ(CutText("🔒🔒🔒", 2), "🔒…");
  EXPECT_EQ(CutText("abc", 1), "…");
  EXPECT_EQ(CutText("abc", 0), "");
}

TEST(TerminalSafeTest, NeutralisesControlsBidiAndInvalidBytes) {
  // Given escape sequences, line breaks, bidi overrides and broken UTF-8, nothing can steer the
  // terminal and the result is valid UTF-8.
  EXPECT_EQ(TerminalSafe("plain Grüße"), "plain Grüße");
  EXPECT_EQ(TerminalSafe("a\tb\r\nc\u2028d"), "a b  c d");
  EXPECT_EQ(TerminalSafe("\x1b[31mred\x1b[0m"), "\uFFFD[31mred\uFFFD[0m");
  EXPECT_EQ(TerminalSafe("bell\x07 del\x7f c1\u009b"), "bell\uFFFD del\uFFFD c1\uFFFD");
  EXPECT_EQ(TerminalSafe("abc\u202Egpj.exe"), "abc\uFFFDgpj.exe");
  EXPECT_EQ(TerminalSafe("bad\xff\xc3("), "bad\uFFFD\uFFFD(");
  EXPECT_EQ(TerminalSafe("overlong \xc0\xaf surrogate \xed\xa0\x80"),
            "overlong \uFFFD\uFFFD surrogate \uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(TerminalSafe("cut \xe2\x82"), "cut \uFFFD\uFFFD");
}

TEST(PaintTest, WrapsInSgrCodes) {
  // Given each style, the text sits between its SGR code and a reset; plain text stays bare.
  EXPECT_EQ(Paint("x", Style::kPlain), "x");
  EXPECT_EQ(Paint("x", Style::kBold), "\x1b[1mx\x1b[0m");
  EXPECT_EQ(Paint("x", Style::kGreen), "\x1b[32mx\x1b[0m");
  EXPECT_EQ(Paint("x", Style::kYellow), "\x1b[33mx\x1b[0m");
  EXPECT_EQ(Paint("x", Style::kRed), "\x1b[31mx\x1b[0m");
}

TEST(TableTest, LeftAlignedColumnsTwoSpacesApart) {
  // Given a table that fits, every column is as wide as its widest cell and lines end bare.
  Table table({"NAME", "STATUS", "NOTE"});
  table.AddRow({"web", "ACTIVE", ""});
  table.AddRow({"bootstrap-eu", "REVOKED", "rotated"});
  table.AddRow({"x"});
  EXPECT_EQ(table.Render(80, false),
            "NAME          STATUS   NOTE\n"
            "web           ACTIVE\n"
            "bootstrap-eu  REVOKED  rotated\n"
            "x\n");
}

TEST(TableTest, EmptyTableIsItsHeader) {
  // Given no rows, the header line alone is the output.
  EXPECT_EQ(Table({"ID", "NAME"}).Render(80, false), "ID  NAME\n");
}

TEST(TableTest, ShrinkFirstColumnsGiveWayBeforeOthers) {
  // Given a table 10 columns too wide, the path gives them all while the name stays whole.
  Table table({{"NAME", Fit::kShrink}, {"PATH", Fit::kShrinkFirst}});
  table.AddRow({"web01.example.com", "/etc/ssl/private/web01.pem"});
  EXPECT_EQ(table.Render(35, false),
            "NAME               PATH\n"
            "web01.example.com  /etc/ssl/privat…\n");
}

TEST(TableTest, WidestColumnOfATierShrinksFirst) {
  // Given two shrinkable columns of different widths, the wider one shrinks until they are
  // level, then they take turns (the right one first).
  Table table({{"A", Fit::kShrink}, {"B", Fit::kShrink}});
  table.AddRow({"aaaaaaaaaa", "bbbbbb"});
  EXPECT_EQ(table.Render(16, false),
            "A         B\n"
            "aaaaaaa…  bbbbbb\n");
  EXPECT_EQ(table.Render(13, false),
            "A       B\n"
            "aaaaa…  bbbb…\n");
}

TEST(TableTest, KeepColumnsAndHeadersAreNeverCut) {
  // Given a width no table could meet, shrinkable columns stop at their header's width and
  // kept columns stay whole, so lines run past the width.
  Table table({{"STATUS", Fit::kKeep}, {"MESSAGE", Fit::kShrinkFirst}});
  table.AddRow({"CompletedWillRetry", "lease expired"});
  EXPECT_EQ(table.Render(10, false),
            "STATUS              MESSAGE\n"
            "CompletedWillRetry  lease …\n");
}

TEST(TableTest, ComfortableWidthHoldsUntilIdsAreCut) {
  // Given a machine column comfortable at 12, it gives way to 12 first, then the id to its
  // prefix of 8, and only then the machine down to its header.
  Table table({{"ID", Fit::kShrinkLast}, {"MACHINE", Fit::kShrink, 12}});
  table.AddRow({"4afb3320-4149-40f0-8368-ab4e50519e39", "db-primary.eu-central.example.com"});
  EXPECT_EQ(table.Render(40, false),
            "ID                          MACHINE\n"
            "4afb3320-4149-40f0-8368-a…  db-primary.…\n");
  EXPECT_EQ(table.Render(20, false),
            "ID         MACHINE\n"
            "4afb3320…  db-prima…\n");
  EXPECT_EQ(table.Render(10, false),
            "ID         MACHINE\n"
            "4afb3320…  db-pri…\n");
}

TEST(TableTest, FallbacksReplaceACutWhenTheyFit) {
  // Given cells with shorter forms, a narrower column shows the first that fits, and cuts the
  // last when none does.
  Table table({{"ID", Fit::kKeep}, {"NEXT RUN", Fit::kShrink}});
  table.AddRow({"1", Cell("2026-12-05 02:00 (in 3 h)", {"2026-12-05 02:00", "in 3 h"})});
  table.AddRow({"2", Cell("2026-12-04 22:15 (now)", {"2026-12-04 22:15", "now"})});
  table.AddRow({"3", Cell("2027-01-31 09:00 (in 57 d)", {"2027-01-31 09:00", "in 57 d"})});
  EXPECT_EQ(table.Render(26, false),
            "ID  NEXT RUN\n"
            "1   2026-12-05 02:00\n"
            "2   2026-12-04 22:15 (now)\n"
            "3   2027-01-31 09:00\n");
  EXPECT_EQ(table.Render(12, false),
            "ID  NEXT RUN\n"
            "1   in 3 h\n"
            "2   now\n"
            "3   in 57 d\n");
  Table narrow({{"T", Fit::kShrink}});
  narrow.AddRow({Cell("2027-01-31 09:00 (in 57 d)", {"2027-01-31 09:00", "in 57 d"})});
  EXPECT_EQ(narrow.Render(4, false), "T\nin …\n");
}

TEST(TableTest, IdsShrinkLastAndStayDistinct) {
  // Given ids sharing a 14-character prefix, they are cut only after the others and never
  // shorter than what tells them apart.
  Table table({{"ID", Fit::kShrinkLast}, {"MACHINE", Fit::kShrink}});
  table.AddRow({"57b34b55-578c-4f73-98be-848792696612", "web01.example.com"});
  table.AddRow({"57b34b55-578c-5f73-98be-848792696612", "web02.example.com"});
  EXPECT_EQ(table.Render(52, false),
            "ID                                    MACHINE\n"
            "57b34b55-578c-4f73-98be-848792696612  web01.example…\n"
            "57b34b55-578c-5f73-98be-848792696612  web02.example…\n");
  EXPECT_EQ(table.Render(20, false),
            "ID                MACHINE\n"
            "57b34b55-578c-4…  web01.…\n"
            "57b34b55-578c-5…  web02.…\n");
}

TEST(TableTest, IdsKeepAtLeastEightCharacters) {
  // Given ids that differ in their first character, they still keep eight characters.
  Table table({{"ID", Fit::kShrinkLast}});
  table.AddRow({"0c1f7e0a-45b2-4f4d-9e43-5e1f3a8f1c2d"});
  table.AddRow({"57b34b55-578c-4f73-98be-848792696612"});
  EXPECT_EQ(table.Render(5, false),
            "ID\n"
            "0c1f7e0a…\n"
            "57b34b55…\n");
}

TEST(TableTest, WideCharactersCountOnePerCodePoint) {
  // Given UTF-8 cells, padding and cutting count code points and never split one.
  Table table({{"NAME", Fit::kShrink}, {"NOTE", Fit::kKeep}});
  table.AddRow({"Grüße aus Köln", "ü"});
  table.AddRow({"証明書ストア", "x"});
  EXPECT_EQ(table.Render(13, false),
            "NAME     NOTE\n"
            "Grüße …  ü\n"
            "証明書ストア   x\n");
}

TEST(TableTest, ColourOnlyWhenAllowedAndPaddingOutsideTheCodes) {
  // Given coloured cells, colour adds bold header and SGR codes without moving any column;
  // without colour not one escape byte is written.
  Table table({"RESULT", "ID"});
  table.AddRow({Cell("Success", Style::kGreen), "17"});
  table.AddRow({Cell("Failure", Style::kRed), "18"});
  table.AddRow({Cell("Warning", Style::kYellow), "19"});
  const std::string plain = table.Render(80, false);
  EXPECT_EQ(plain,
            "RESULT   ID\n"
            "Success  17\n"
            "Failure  18\n"
            "Warning  19\n");
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  EXPECT_EQ(table.Render(80, true),
            "\x1b[1mRESULT   ID\x1b[0m\n"
            "\x1b[32mSuccess\x1b[0m  17\n"
            "\x1b[31mFailure\x1b[0m  18\n"
            "\x1b[33mWarning\x1b[0m  19\n");
}

TEST(TableTest, EscapesInDataAreNeutralisedAndNotCounted) {
  // Given a cell holding an escape sequence, it prints as U+FFFD and widths stay exact.
  Table table({"MESSAGE", "X"});
  table.AddRow({"\x1b[2Jgone", "1"});
  EXPECT_EQ(table.Render(80, true),
            "\x1b[1mMESSAGE   X\x1b[0m\n"
            "\uFFFD[2Jgone  1\n");
}

}  // namespace
}  // namespace orch::cli
