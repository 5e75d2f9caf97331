#include "tests/e2e/prometheus_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <system_error>

namespace orch::e2e::prometheus {
namespace {

constexpr std::string_view kTypes[] = {"counter", "gauge", "histogram", "summary", "untyped"};

bool IsBlank(char c) {
  return c == ' ' || c == '\t';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool IsMetricName(std::string_view s) {
  if (s.empty() || IsDigit(s[0])) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsLetter(c) || IsDigit(c) || c == '_' || c == ':'; });
}

// [a-zA-Z_][a-zA-Z0-9_]*
bool IsLabelName(std::string_view s) {
  if (s.empty() || IsDigit(s[0])) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return IsLetter(c) || IsDigit(c) || c == '_'; });
}

// Well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto byte = static_cast<unsigned char>(s[i]);
    size_t length = 0;
    uint32_t code = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      length = 2;
      code = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      code = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      code = byte & 0x07;
    } else {
      return false;
    }
    if (i + length > s.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

// What Go's strconv.ParseFloat reads in base 10: [+-]digits[.digits][(e|E)[+-]digits] (at least
// one mantissa digit), [+-]inf or [+-]infinity and nan in any case. Hex floats and digit
// underscores are refused; so is a number too large for a double (Go's ErrRange).
std::optional<double> ParseFloat(std::string_view s) {
  std::string_view unsigned_part = s;
  const bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) unsigned_part.remove_prefix(1);
  if (EqualsIgnoringCase(unsigned_part, "inf") || EqualsIgnoringCase(unsigned_part, "infinity")) {
    return negative ? -HUGE_VAL : HUGE_VAL;
  }
  if (EqualsIgnoringCase(s, "nan")) return std::nan("");
  size_t i = 0;
  size_t digits = 0;
  while (i < unsigned_part.size() && IsDigit(unsigned_part[i])) ++i, ++digits;
  if (i < unsigned_part.size() && unsigned_part[i] == '.') {
    ++i;
    while (i < unsigned_part.size() && IsDigit(unsigned_part[i])) ++i, ++digits;
  }
  if (digits == 0) return std::nullopt;
  if (i < unsigned_part.size() && (unsigned_part[i] == 'e' || unsigned_part[i] == 'E')) {
    ++i;
    if (i < unsigned_part.size() && (unsigned_part[i] == '+' || unsigned_part[i] == '-')) ++i;
    size_t exponent_digits = 0;
    while (i < unsigned_part.size() && IsDigit(unsigned_part[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return std::nullopt;
  }
  if (i != unsigned_part.size()) return std::nullopt;
  double value = 0;
  const char* end = unsigned_part.data() + unsigned_part.size();
  const auto [ptr, error] = std::from_chars(unsigned_part.data(), end, value);
  if (ptr != end) return std::nullopt;
  if (error == std::errc::result_out_of_range) {
    // Too small rounds to zero (Go accepts it); too large is an error.
    const std::string copy(unsigned_part);
    value = std::strtod(copy.c_str(), nullptr);
    if (std::isinf(value)) return std::nullopt;
  } else if (error != std::errc()) {
    return std::nullopt;
  }
  return negative ? -value : value;
}

// [+-]digits within int64, as Go's strconv.ParseInt(s, 10, 64) reads it.
bool IsTimestamp(std::string_view s) {
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) return false;
  }
  int64_t value = 0;
  const auto [ptr, error] = std::from_chars(s.data(), s.data() + s.size(), value);
  return error == std::errc() && ptr == s.data() + s.size();
}

std::string Escape(std::string_view value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string SeriesText(std::string_view name, const Labels& labels) {
  std::string out(name);
  if (labels.empty()) return out;
  out += '{';
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first + "=\"" + Escape(labels[i].second) + '"';
  }
  return out + '}';
}

Labels Sorted(Labels labels) {
  std::sort(labels.begin(), labels.end());
  return labels;
}

// The labels other than `skipped`, sorted: what identifies a histogram's or summary's series.
Labels SortedWithout(const Labels& labels, std::string_view skipped) {
  Labels out;
  for (const auto& label : labels) {
    if (label.first != skipped) out.push_back(label);
  }
  return Sorted(std::move(out));
}

const std::string* Find(const Labels& labels, std::string_view name) {
  for (const auto& label : labels) {
    if (label.first == name) return &label.second;
  }
  return nullptr;
}

bool Includes(const Labels& labels, const Labels& wanted) {
  return std::all_of(wanted.begin(), wanted.end(), [&](const auto& pair) {
    return std::find(labels.begin(), labels.end(), pair) != labels.end();
  });
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Whether a sample named `sample` belongs to a family `family` of type `type`.
bool BelongsTo(std::string_view sample, std::string_view family, std::string_view type) {
  if (sample == family) return type != "histogram";
  if (type != "histogram" && type != "summary") return false;
  if (sample.substr(0, family.size()) != family) return false;
  const std::string_view suffix = sample.substr(family.size());
  return suffix == "_sum" || suffix == "_count" || (type == "histogram" && suffix == "_bucket");
}

// Reads one sample line; the syntax faults stop it (nullopt), the others are added to `faults`.
class SampleReader {
 public:
  SampleReader(std::string_view line, std::vector<std::string>& faults)
      : line_(line), faults_(faults) {}

  std::optional<Sample> Read() {
    Sample sample;
    sample.name = std::string(Token([](char c) { return c == '{' || IsBlank(c); }));
    if (!IsMetricName(sample.name)) return Stop("invalid metric name \"" + sample.name + "\"");
    bool blank = SkipBlanks();
    if (Peek() == '{') {
      ++at_;
      if (!ReadLabels(sample)) return std::nullopt;
      blank = SkipBlanks();
    }
    if (!blank) return Stop("no blank before the value of " + sample.name);
    const std::string_view value = Token(IsBlank);
    if (value.empty()) return Stop("no value for " + sample.name);
    const std::optional<double> number = ParseFloat(value);
    if (!number) return Stop("invalid value \"" + std::string(value) + "\"");
    sample.value = *number;
    SkipBlanks();
    const std::string_view timestamp = Token(IsBlank);
    if (!timestamp.empty() && !IsTimestamp(timestamp)) {
      return Stop("invalid timestamp \"" + std::string(timestamp) + "\" (not an int64)");
    }
    SkipBlanks();
    if (at_ < line_.size()) {
      return Stop("unexpected text after the sample: \"" + std::string(line_.substr(at_)) + "\"");
    }
    return sample;
  }

 private:
  char Peek() const { return at_ < line_.size() ? line_[at_] : '\0'; }

  bool SkipBlanks() {
    const size_t start = at_;
    while (at_ < line_.size() && IsBlank(line_[at_])) ++at_;
    return at_ > start;
  }

  template <typename Stops>
  std::string_view Token(Stops stops) {
    const size_t start = at_;
    while (at_ < line_.size() && !stops(line_[at_])) ++at_;
    return line_.substr(start, at_ - start);
  }

  std::nullopt_t Stop(std::string message) {
    faults_.push_back(std::move(message));
    return std::nullopt;
  }

  bool Fail(std::string message) {
    faults_.push_back(std::move(message));
    return false;
  }

  // After "{", up to and including "}".
  bool ReadLabels(Sample& sample) {
    while (true) {
      SkipBlanks();
      if (Peek() == '}') {
        ++at_;
        return true;
      }
      const std::string name(
          Token([](char c) { return c == '=' || c == ',' || c == '}' || c == '"' || IsBlank(c); }));
      if (name.empty()) return Fail("a label name expected in " + sample.name);
      if (!IsLabelName(name)) {
        faults_.push_back("invalid label name \"" + name + "\" in " + sample.name);
      } else if (name.rfind("__", 0) == 0) {
        faults_.push_back("label name \"" + name + "\" in " + sample.name +
                          " starts with the reserved __");
      }
      SkipBlanks();
      if (Peek() != '=') return Fail("\"=\" expected after label " + name);
      ++at_;
      SkipBlanks();
      if (Peek() != '"') return Fail("a quoted value expected for label " + name);
      ++at_;
      std::string value;
      if (!ReadLabelValue(name, value)) return false;
      if (Find(sample.labels, name) != nullptr) {
        faults_.push_back("duplicate label name \"" + name + "\" in " + sample.name);
      }
      sample.labels.emplace_back(name, std::move(value));
      SkipBlanks();
      if (Peek() == ',') {
        ++at_;
      } else if (Peek() != '}') {
        return Fail("\",\" or \"}\" expected after the value of label " + name);
      }
    }
  }

  // After the opening quote, up to and including the closing one.
  bool ReadLabelValue(const std::string& name, std::string& value) {
    while (at_ < line_.size()) {
      const char c = line_[at_++];
      if (c == '"') return true;
      if (c != '\\') {
        value += c;
        continue;
      }
      if (at_ == line_.size()) break;
      const char escaped = line_[at_++];
      if (escaped == '\\' || escaped == '"') {
        value += escaped;
      } else if (escaped == 'n') {
        value += '\n';
      } else {
        faults_.push_back("invalid escape \"\\" + std::string(1, escaped) +
                          "\" in the value of label " + name + " (only \\\\, \\\" and \\n)");
        value += '\\';
        value += escaped;
      }
    }
    return Fail("unterminated value of label " + name);
  }

  std::string_view line_;
  size_t at_ = 0;
  std::vector<std::string>& faults_;
};

class Parser {
 public:
  Exposition Run(std::string_view text) {
    int number = 0;
    size_t start = 0;
    while (start < text.size()) {
      ++number;
      const size_t end = text.find('\n', start);
      std::string_view line =
          text.substr(start, end == std::string_view::npos ? text.npos : end - start);
      if (end == std::string_view::npos) Fault(number, "the last line does not end with \"\\n\"");
      start = end == std::string_view::npos ? text.size() : end + 1;
      Line(number, line);
    }
    for (size_t family = 0; family < out_.families.size(); ++family) CheckFamily(family);
    std::stable_sort(faults_.begin(), faults_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [line, message] : faults_) {
      out_.faults.push_back("line " + std::to_string(line) + ": " + message);
    }
    for (size_t family = 0; family < out_.families.size(); ++family) {
      if (!states_[family].typed) out_.families[family].type = "untyped";
    }
    return std::move(out_);
  }

 private:
  struct FamilyState {
    bool typed = false;    // has a # TYPE line (or an implicit type after a fault)
    bool help = false;     // has a # HELP line
    bool started = false;  // has samples
    bool untyped_reported = false;
    std::vector<int> sample_lines;  // parallel to the family's samples
  };

  void Fault(int line, std::string message) { faults_.emplace_back(line, std::move(message)); }

  void Line(int number, std::string_view line) {
    if (line.find('\r') != std::string_view::npos) {
      Fault(number, "a carriage return (lines end with \"\\n\" only)");
      if (EndsWith(line, "\r")) line.remove_suffix(1);
    }
    if (!IsUtf8(line)) Fault(number, "invalid UTF-8");
    while (!line.empty() && IsBlank(line.front())) line.remove_prefix(1);
    if (line.empty()) return;
    if (line[0] == '#') return Comment(number, line.substr(1));
    std::vector<std::string> messages;
    std::optional<Sample> sample = SampleReader(line, messages).Read();
    for (auto& message : messages) Fault(number, std::move(message));
    if (sample) AddSample(number, std::move(*sample));
  }

  // The text after "#".
  void Comment(int number, std::string_view rest) {
    const auto token = [&rest] {
      while (!rest.empty() && IsBlank(rest.front())) rest.remove_prefix(1);
      size_t length = 0;
      while (length < rest.size() && !IsBlank(rest[length])) ++length;
      const std::string_view word = rest.substr(0, length);
      rest.remove_prefix(length);
      return word;
    };
    const std::string_view keyword = token();
    if (keyword != "HELP" && keyword != "TYPE") return;  // a plain comment
    const std::string name(token());
    if (name.empty()) return Fault(number, "# " + std::string(keyword) + " without a metric name");
    if (!IsMetricName(name)) {
      return Fault(number, "invalid metric name \"" + name + "\" in # " + std::string(keyword));
    }
    const size_t family = FamilyNamed(name);
    Touch(family, number);
    FamilyState& state = states_[family];
    if (state.started) {
      Fault(number, "# " + std::string(keyword) + " for " + name + " after its samples");
    }
    if (keyword == "HELP") {
      if (state.help) Fault(number, "a second # HELP for " + name);
      state.help = true;
      // The help text is the rest of the line after the blanks that follow the name.
      while (!rest.empty() && IsBlank(rest.front())) rest.remove_prefix(1);
      out_.families[family].help = UnescapeHelp(number, rest);
      return;
    }
    const std::string type(token());
    while (!rest.empty() && IsBlank(rest.front())) rest.remove_prefix(1);
    if (!rest.empty()) {
      Fault(number,
            "unexpected text after the type of " + name + ": \"" + std::string(rest) + "\"");
    }
    if (state.typed) return Fault(number, "a second # TYPE for " + name);
    state.typed = true;
    if (std::find(std::begin(kTypes), std::end(kTypes), type) == std::end(kTypes)) {
      Fault(number, "unknown type \"" + type + "\" for " + name +
                        " (counter, gauge, histogram, summary or untyped)");
      out_.families[family].type = "untyped";
      return;
    }
    out_.families[family].type = type;
    if (type == "counter" && !EndsWith(name, "_total")) {
      Fault(number, "counter " + name + " does not end in _total");
    }
    if (type == "histogram") {
      for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
        if (EndsWith(name, suffix)) {
          Fault(number, "histogram " + name + " ends in " + std::string(suffix));
        }
      }
    }
  }

  std::string UnescapeHelp(int number, std::string_view text) {
    std::string help;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '\\') {
        help += text[i];
      } else if (i + 1 < text.size() && text[i + 1] == '\\') {
        help += '\\';
        ++i;
      } else if (i + 1 < text.size() && text[i + 1] == 'n') {
        help += '\n';
        ++i;
      } else if (i + 1 < text.size()) {
        Fault(number, "invalid escape \"\\" + std::string(1, text[i + 1]) +
                          "\" in # HELP (only \\\\ and \\n)");
        help += text[i];
      } else {
        Fault(number, "a lone backslash at the end of # HELP");
        help += text[i];
      }
    }
    return help;
  }

  // The family named `name`, added when new.
  size_t FamilyNamed(const std::string& name) {
    const auto found = index_.find(name);
    if (found != index_.end()) return found->second;
    index_.emplace(name, out_.families.size());
    out_.families.push_back(Family{.name = name, .type = "", .help = "", .samples = {}});
    states_.emplace_back();
    return out_.families.size() - 1;
  }

  // Notes that a line of `family` was seen: its lines must be contiguous.
  void Touch(size_t family, int number) {
    if (current_ == family) return;
    if (seen_.count(family) > 0) {
      Fault(number, out_.families[family].name +
                        " appears again after other families (a family's lines are contiguous)");
    }
    seen_.insert(family);
    current_ = family;
  }

  void AddSample(int number, Sample sample) {
    // The family: the current one when the name fits it, else the one of the same name, else the
    // one whose _bucket, _sum or _count it is.
    std::vector<size_t> candidates;
    if (current_) candidates.push_back(*current_);
    if (const auto found = index_.find(sample.name); found != index_.end()) {
      candidates.push_back(found->second);
    }
    for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (!EndsWith(sample.name, suffix)) continue;
      const auto found = index_.find(sample.name.substr(0, sample.name.size() - suffix.size()));
      if (found != index_.end()) candidates.push_back(found->second);
    }
    std::optional<size_t> family;
    for (const size_t candidate : candidates) {
      const Family& f = out_.families[candidate];
      if (BelongsTo(sample.name, f.name, f.type)) {
        family = candidate;
        break;
      }
    }
    if (!family) {
      for (size_t k = current_ ? 1 : 0; k < candidates.size(); ++k) {
        const Family& f = out_.families[candidates[k]];
        if (states_[candidates[k]].typed) {
          return Fault(number, sample.name + " is not a sample name of " + f.type + " " + f.name);
        }
      }
      family = FamilyNamed(sample.name);
    }
    Touch(*family, number);
    FamilyState& state = states_[*family];
    if (!state.typed && !state.untyped_reported) {
      Fault(number, "no # TYPE for " + sample.name);
      state.untyped_reported = true;
    }
    state.started = true;
    if (!series_.emplace(sample.name, Sorted(sample.labels)).second) {
      Fault(number, "duplicate series " + SeriesText(sample.name, sample.labels));
    }
    state.sample_lines.push_back(number);
    out_.families[*family].samples.push_back(std::move(sample));
  }

  void CheckFamily(size_t index) {
    const Family& family = out_.families[index];
    const std::vector<int>& lines = states_[index].sample_lines;
    if (family.type == "counter") {
      for (size_t i = 0; i < family.samples.size(); ++i) {
        const double value = family.samples[i].value;
        if (std::isnan(value) || value < 0) {
          Fault(lines[i], "counter " + SeriesText(family.name, family.samples[i].labels) + " is " +
                              (std::isnan(value) ? "NaN" : "negative"));
        }
      }
    } else if (family.type == "histogram") {
      CheckHistogram(family, lines);
    } else if (family.type == "summary") {
      CheckSummary(family, lines);
    }
  }

  // The _sum and _count of one label set of a histogram or summary.
  struct Totals {
    int first_line = 0;
    std::optional<double> sum, count;
    int count_line = 0;
  };

  // Records a _sum or _count sample; false when `sample` is neither.
  bool AddTotal(const Family& family, const Sample& sample, int line, Totals& totals) {
    if (sample.name == family.name + "_sum") {
      totals.sum = sample.value;
      return true;
    }
    if (sample.name != family.name + "_count") return false;
    totals.count = sample.value;
    totals.count_line = line;
    if (std::isnan(sample.value) || sample.value < 0) {
      Fault(line, SeriesText(sample.name, sample.labels) + " is negative or NaN");
    }
    return true;
  }

  void CheckTotals(const Family& family, const Labels& labels, const Totals& totals) {
    if (!totals.sum)
      Fault(totals.first_line, SeriesText(family.name + "_sum", labels) + " is missing");
    if (!totals.count) {
      Fault(totals.first_line, SeriesText(family.name + "_count", labels) + " is missing");
    }
  }

  void CheckHistogram(const Family& family, const std::vector<int>& lines) {
    struct Series {
      Totals totals;
      std::optional<double> last_le, last_count, inf_count;
      int inf_line = 0;
    };
    std::vector<std::pair<Labels, Series>> series;  // in the order they first appear
    for (size_t i = 0; i < family.samples.size(); ++i) {
      const Sample& sample = family.samples[i];
      const int line = lines[i];
      const std::string* le = Find(sample.labels, "le");
      const Labels labels = SortedWithout(sample.labels, "le");
      auto it = std::find_if(series.begin(), series.end(),
                             [&](const auto& entry) { return entry.first == labels; });
      if (it == series.end()) {
        series.emplace_back(labels, Series{});
        it = series.end() - 1;
        it->second.totals.first_line = line;
      }
      Series& s = it->second;
      if (AddTotal(family, sample, line, s.totals)) {
        if (le != nullptr) Fault(line, sample.name + " has an le label");
        continue;
      }
      // A _bucket sample.
      const std::string text = SeriesText(sample.name, sample.labels);
      if (le == nullptr) {
        Fault(line, text + " has no le label");
        continue;
      }
      const std::optional<double> bound = ParseFloat(*le);
      if (!bound || std::isnan(*bound)) {
        Fault(line, text + ": le=\"" + Escape(*le) + "\" is not a number");
        continue;
      }
      if (std::isnan(sample.value) || sample.value < 0) {
        Fault(line, text + " is negative or NaN");
      }
      if (s.last_le && *bound <= *s.last_le) {
        Fault(line, text + ": le is not above the bucket before it (buckets go in increasing le)");
      }
      if (s.last_count && sample.value < *s.last_count) {
        Fault(line, text + ": the count is below the bucket before it (counts are cumulative)");
      }
      s.last_le = *bound;
      s.last_count = sample.value;
      if (std::isinf(*bound) && *bound > 0) {
        s.inf_count = sample.value;
        s.inf_line = line;
      }
    }
    for (const auto& [labels, s] : series) {
      CheckTotals(family, labels, s.totals);
      if (!s.inf_count) {
        Fault(s.totals.first_line,
              SeriesText(family.name + "_bucket", labels) + " has no le=\"+Inf\" bucket");
      } else if (s.totals.count && *s.totals.count != *s.inf_count) {
        Fault(s.totals.count_line,
              SeriesText(family.name + "_count", labels) + " differs from its le=\"+Inf\" bucket");
      }
    }
  }

  void CheckSummary(const Family& family, const std::vector<int>& lines) {
    std::vector<std::pair<Labels, Totals>> series;  // in the order they first appear
    for (size_t i = 0; i < family.samples.size(); ++i) {
      const Sample& sample = family.samples[i];
      const int line = lines[i];
      const std::string* quantile = Find(sample.labels, "quantile");
      const Labels labels = SortedWithout(sample.labels, "quantile");
      auto it = std::find_if(series.begin(), series.end(),
                             [&](const auto& entry) { return entry.first == labels; });
      if (it == series.end()) {
        series.emplace_back(labels, Totals{.first_line = line});
        it = series.end() - 1;
      }
      if (AddTotal(family, sample, line, it->second)) {
        if (quantile != nullptr) Fault(line, sample.name + " has a quantile label");
        continue;
      }
      const std::string text = SeriesText(sample.name, sample.labels);
      if (quantile == nullptr) {
        Fault(line, text + " has no quantile label");
        continue;
      }
      const std::optional<double> q = ParseFloat(*quantile);
      if (!q || !(*q >= 0 && *q <= 1)) {
        Fault(line, text + ": quantile=\"" + Escape(*quantile) + "\" is not a number in [0, 1]");
      }
    }
    for (const auto& [labels, totals] : series) CheckTotals(family, labels, totals);
  }

  Exposition out_;
  std::vector<FamilyState> states_;  // parallel to out_.families
  std::map<std::string, size_t, std::less<>> index_;
  std::optional<size_t> current_;
  std::set<size_t> seen_;
  std::set<std::pair<std::string, Labels>> series_;
  std::vector<std::pair<int, std::string>> faults_;
};

}  // namespace

Exposition Parse(std::string_view text) {
  return Parser().Run(text);
}

std::optional<double> Value(const Exposition& e, std::string_view name, const Labels& labels) {
  std::optional<double> value;
  for (const Family& family : e.families) {
    for (const Sample& sample : family.samples) {
      if (sample.name != name || !Includes(sample.labels, labels)) continue;
      if (value) return std::nullopt;  // several match
      value = sample.value;
    }
  }
  return value;
}

double Sum(const Exposition& e, std::string_view name, const Labels& labels) {
  double sum = 0;
  for (const Family& family : e.families) {
    for (const Sample& sample : family.samples) {
      if (sample.name == name && Includes(sample.labels, labels)) sum += sample.value;
    }
  }
  return sum;
}

}  // namespace orch::e2e::prometheus
