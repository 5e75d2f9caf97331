// Strict reading of YAML configuration files, shared by orchd's configuration (config/) and
// orch-agent's (agent/): typed values out of yaml-cpp nodes, maps whose keys come from a table
// of fields (an unknown or repeated key is an error), lists, and errors that read
// "file:line:col: setting: message" with 1-based positions.
//
// Header-only on purpose: yaml-cpp is linked (PRIVATE) only into the libraries that read
// configuration files, and only their .cc files include this header. yaml-cpp throws; a parser
// runs inside Catching() so that nothing it throws leaves its library.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include "common/config_values.h"
#include "common/logging.h"
#include "common/source_map.h"
#include "common/status.h"

namespace orch::yaml {

/// `text` in double quotes, as messages cite what the file says.
inline std::string Quoted(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

/// "filename:line:col: message" with the 1-based position of `mark`.
inline std::string Located(std::string_view filename, const YAML::Mark& mark,
                           std::string_view message) {
  // yaml-cpp counts from 0; editors and compilers count from 1.
  return std::string(filename) + ":" + std::to_string(std::max(mark.line, 0) + 1) + ":" +
         std::to_string(std::max(mark.column, 0) + 1) + ": " + std::string(message);
}

/// `path` when absolute, else `path` under `state_dir`.
inline std::string ResolvePath(const std::string& state_dir, const std::string& path) {
  if (std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(state_dir) / path).string();
}

/// What every reader of one file shares.
struct Source {
  std::string_view filename;
  std::string state_dir;     // relative paths in the file are taken relative to it
  SourceMap* map = nullptr;  // where each setting was written, when the caller wants to know
};

/// Reads typed values out of nodes and reports errors at their line and column, prefixed with
/// the dotted name of the setting ("agents.tls.cert", "roles[1].name").
class Reader {
 public:
  Reader(const Source& source, std::string path, YAML::Mark fallback)
      : source_(&source), path_(std::move(path)), fallback_(fallback) {}

  Reader Child(const YAML::Node& key) const {
    const std::string& name = key.Scalar();
    return Reader(*source_, path_.empty() ? name : path_ + "." + name, key.Mark());
  }
  Reader Item(size_t index, const YAML::Node& item) const {
    return Reader(*source_, path_ + "[" + std::to_string(index) + "]", item.Mark());
  }

  // Records where this setting's value `node` is, for checks made after parsing.
  void Note(const YAML::Node& node) const {
    if (source_->map == nullptr) return;
    YAML::Mark mark = MarkOf(node);
    source_->map->Add(path_, std::max(mark.line, 0) + 1, std::max(mark.column, 0) + 1);
  }

  Status Error(const YAML::Node& node, std::string_view message) const {
    return ErrorAt(MarkOf(node), message);
  }
  Status ErrorAt(const YAML::Mark& mark, std::string_view message) const {
    std::string prefix = path_.empty() ? "" : path_ + ": ";
    return InvalidArgumentError(Located(source_->filename, mark, prefix + std::string(message)));
  }
  Status Error(const YAML::Node& node, const Status& status) const {
    return Error(node, status.message());
  }

  StatusOr<std::string> Scalar(const YAML::Node& n, std::string_view expected) const {
    if (!n.IsScalar()) return Error(n, "expected " + std::string(expected));
    return n.Scalar();
  }
  StatusOr<std::string> Text(const YAML::Node& n) const {
    ORCH_ASSIGN_OR_RETURN(std::string text, Scalar(n, "a non-empty string"));
    if (text.empty()) return Error(n, "expected a non-empty string");
    return text;
  }
  StatusOr<std::string> Path(const YAML::Node& n) const {
    ORCH_ASSIGN_OR_RETURN(std::string path, Scalar(n, "a file path"));
    if (path.empty()) return Error(n, "expected a file path");
    return ResolvePath(source_->state_dir, path);
  }
  /// The longest duration any setting takes: 100 years (36500d). Bounded so that adding a
  /// configured duration to a time point can never overflow.
  static constexpr int64_t kMaxSpanMs = int64_t{36'500} * 86'400'000;

  template <int64_t kMinMs, int64_t kMaxMs>
  StatusOr<Duration> SpanWithin(const YAML::Node& n) const {
    static_assert(kMaxMs <= kMaxSpanMs);
    ORCH_ASSIGN_OR_RETURN(std::string text, Scalar(n, "a duration like 10m"));
    StatusOr<Duration> d = ParseDuration(text);
    if (!d.ok()) return Error(n, d.status());
    if (d->count() < kMinMs) {
      return Error(n, kMinMs == 1 ? std::string("must be longer than 0s")
                                  : "must be at least " + FormatDuration(Duration(kMinMs)));
    }
    if (d->count() > kMaxMs) {
      return Error(n, "must be at most " + FormatDuration(Duration(kMaxMs)));
    }
    return d;
  }
  template <int64_t kMinMs>
  StatusOr<Duration> Span(const YAML::Node& n) const {
    return SpanWithin<kMinMs, kMaxSpanMs>(n);
  }
  template <uint64_t kMin>
  StatusOr<uint64_t> Size(const YAML::Node& n) const {
    ORCH_ASSIGN_OR_RETURN(std::string text, Scalar(n, "a size like 8MiB"));
    StatusOr<uint64_t> size = ParseSize(text);
    if (!size.ok()) return Error(n, size.status());
    if (*size < kMin) return Error(n, "must be at least " + std::to_string(kMin) + " bytes");
    return size;
  }
  template <uint64_t kMin, uint64_t kMax>
  StatusOr<uint64_t> Count(const YAML::Node& n) const {
    ORCH_ASSIGN_OR_RETURN(std::string text, Scalar(n, "a whole number"));
    StatusOr<uint64_t> count = ParseUnsigned(text);
    if (!count.ok()) return Error(n, count.status());
    if (*count < kMin || *count > kMax) {
      return Error(n, "must be in " + std::to_string(kMin) + ".." + std::to_string(kMax));
    }
    return count;
  }
  template <auto kParse>
  auto Parsed(const YAML::Node& n) const -> decltype(kParse(std::string_view())) {
    ORCH_ASSIGN_OR_RETURN(std::string text, Scalar(n, "a single value"));
    auto value = kParse(text);
    if (!value.ok()) return Error(n, value.status());
    return value;
  }

 private:
  // An empty value has no position of its own; yaml-cpp gives it the next token's.
  YAML::Mark MarkOf(const YAML::Node& node) const {
    return node.IsNull() || node.Mark().is_null() ? fallback_ : node.Mark();
  }

  const Source* source_;
  std::string path_;
  YAML::Mark fallback_;
};

/// Reads the value of one key into `T`.
template <typename T>
using FieldParser = Status (*)(const Reader&, const YAML::Node&, T&);

/// One key of a map and how its value is read.
template <typename T>
struct Field {
  std::string_view key;
  FieldParser<T> parse;
};

/// The usual field: a Reader method reads the value, which lands in one member.
template <auto kMember, auto kRead, typename T>
Status Assign(const Reader& r, const YAML::Node& n, T& out) {
  auto value = (r.*kRead)(n);
  if (!value.ok()) return value.status();
  out.*kMember = std::move(value).value();
  return Status::Ok();
}

/// The keys of `fields`, comma-separated.
template <typename T, size_t N>
std::string KeyList(const Field<T> (&fields)[N]) {
  std::string out;
  for (const Field<T>& field : fields) out += (out.empty() ? "" : ", ") + std::string(field.key);
  return out;
}

/// "line L, column C" (1-based) for messages that point back at an earlier place.
inline std::string Position(const YAML::Mark& mark) {
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
}

/// Reads a map whose keys must all come from `fields`, in document order. A missing or empty
/// section keeps the defaults. A wrong key is reported as the setting it would have been
/// ("control.sockett"), like every other mistake.
template <typename T, size_t N>
Status ReadMap(const Reader& r, const YAML::Node& map, const Field<T> (&fields)[N], T& out) {
  if (map.IsNull()) return Status::Ok();
  if (!map.IsMap()) return r.Error(map, "expected a map with keys " + KeyList(fields));
  std::vector<std::pair<std::string, YAML::Mark>> seen;
  for (const auto& entry : map) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) return r.Error(key, "expected a key name");
    const std::string& name = key.Scalar();
    auto field = std::find_if(std::begin(fields), std::end(fields),
                              [&](const Field<T>& f) { return f.key == name; });
    if (field == std::end(fields)) {
      return r.Child(key).Error(key, "unknown key (expected one of: " + KeyList(fields) + ")");
    }
    auto first = std::find_if(seen.begin(), seen.end(), [&](auto& s) { return s.first == name; });
    if (first != seen.end()) {
      return r.Child(key).Error(key, "duplicate key (first at " + Position(first->second) + ")");
    }
    seen.emplace_back(name, key.Mark());
    const Reader child = r.Child(key);
    child.Note(entry.second);
    ORCH_RETURN_IF_ERROR(field->parse(child, entry.second, out));
  }
  return Status::Ok();
}

/// Reads a list item by item; an empty value is an empty list.
template <typename T, typename ReadItem>
Status ReadList(const Reader& r, const YAML::Node& list, std::vector<T>& out, ReadItem read) {
  out.clear();
  if (list.IsNull()) return Status::Ok();
  if (!list.IsSequence()) return r.Error(list, "expected a list");
  for (size_t i = 0; i < list.size(); ++i) {
    T item{};
    const Reader item_reader = r.Item(i, list[i]);
    item_reader.Note(list[i]);
    ORCH_RETURN_IF_ERROR(read(item_reader, list[i], item));
    out.push_back(std::move(item));
  }
  return Status::Ok();
}

/// A list of strings, each checked by `kCheck` (which says what is wrong, or ok).
template <Status (*kCheck)(std::string_view)>
Status ReadStrings(const Reader& r, const YAML::Node& list, std::vector<std::string>& out) {
  return ReadList(r, list, out, [](const Reader& ir, const YAML::Node& n, std::string& s) {
    ORCH_ASSIGN_OR_RETURN(s, ir.Text(n));
    Status valid = kCheck(s);
    return valid.ok() ? valid : ir.Error(n, valid);
  });
}

/// ReadStrings into one member.
template <auto kMember, Status (*kCheck)(std::string_view), typename T>
Status AssignStrings(const Reader& r, const YAML::Node& n, T& out) {
  return ReadStrings<kCheck>(r, n, out.*kMember);
}

/// The value of the first of `choices` whose name the scalar `n` spells.
template <typename E, size_t N>
StatusOr<E> Choose(const Reader& r, const YAML::Node& n,
                   const std::pair<std::string_view, E> (&choices)[N]) {
  std::string names;
  for (const auto& choice : choices) {
    names += (names.empty() ? "" : ", ") + std::string(choice.first);
  }
  ORCH_ASSIGN_OR_RETURN(std::string text, r.Scalar(n, "one of " + names));
  for (const auto& [name, value] : choices) {
    if (name == text) return value;
  }
  return r.Error(n, "expected one of " + names + ", got " + Quoted(text));
}

/// The key node named `name` in `map`, or a null node.
inline YAML::Node KeyNode(const YAML::Node& map, std::string_view name) {
  if (!map.IsMap()) return YAML::Node();
  for (const auto& entry : map) {
    if (entry.first.IsScalar() && entry.first.Scalar() == name) return entry.first;
  }
  return YAML::Node();
}

/// Two keys that are given together or not at all (a certificate and its key).
inline Status CheckPair(const Reader& r, const YAML::Node& map, std::string_view a,
                        std::string_view b) {
  YAML::Node a_key = KeyNode(map, a);
  YAML::Node b_key = KeyNode(map, b);
  if (a_key.IsNull() == b_key.IsNull()) return Status::Ok();
  const YAML::Node& given = a_key.IsNull() ? b_key : a_key;
  std::string_view missing = a_key.IsNull() ? a : b;
  return r.Error(given, std::string(given.Scalar()) + " is given without " + std::string(missing) +
                            "; give both or neither");
}

// ---- The `logging` section, the same in every configuration file ----------------------------

/// `logging.level`: trace, debug, info, warn, error, critical or off.
inline Status ReadLogLevel(const Reader& r, const YAML::Node& n, LoggingConfig& out) {
  ORCH_ASSIGN_OR_RETURN(out.level, r.Parsed<ParseLogLevel>(n));
  return Status::Ok();
}

/// `logging.format`: auto, text or journal.
inline Status ReadLogFormat(const Reader& r, const YAML::Node& n, LoggingConfig& out) {
  static constexpr std::pair<std::string_view, std::optional<LogFormat>> kChoices[] = {
      {"auto", std::nullopt}, {"text", LogFormat::kText}, {"journal", LogFormat::kJournal}};
  ORCH_ASSIGN_OR_RETURN(out.format, Choose(r, n, kChoices));
  return Status::Ok();
}

/// The keys of a `logging` section.
inline constexpr Field<LoggingConfig> kLoggingFields[] = {
    {"level", ReadLogLevel},
    {"format", ReadLogFormat},
};

// ---- Documents --------------------------------------------------------------------------------

/// Counts the documents of a stream without building them, noting where each starts.
class DocumentCounter final : public YAML::EventHandler {
 public:
  const std::vector<YAML::Mark>& starts() const { return starts_; }

  void OnDocumentStart(const YAML::Mark& mark) override { starts_.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  std::vector<YAML::Mark> starts_;
};

/// The single document of `text` (a null node when it is empty), which must be a map; the
/// error for anything else says it expected `expected` ("a map of sections (a, b)").
/// Throws what yaml-cpp throws: call it inside Catching().
inline StatusOr<YAML::Node> LoadMapDocument(const Reader& top, std::string_view text,
                                            std::string_view expected) {
  // The documents are counted first, two at most, rather than loaded with YAML::LoadAll:
  // yaml-cpp 0.7's LoadAll never returns on some malformed streams (one that starts with a
  // stray ","), which it reads as empty documents without end, none advancing the stream.
  std::istringstream input{std::string(text)};
  YAML::Parser parser(input);
  DocumentCounter counter;
  for (int i = 0; i < 2 && parser.HandleNextDocument(counter); ++i) {
  }
  if (counter.starts().size() > 1) {
    const YAML::Mark& second = counter.starts()[1];
    if (second.pos <= counter.starts()[0].pos) {
      return top.ErrorAt(second, "this is not YAML that can be read (a stray \",\"?); expected " +
                                     std::string(expected));
    }
    return top.ErrorAt(second, "expected one YAML document, found several");
  }
  YAML::Node root = YAML::Load(std::string(text));
  if (!root.IsNull() && !root.IsMap()) return top.Error(root, "expected " + std::string(expected));
  return root;
}

/// Runs `parse` (which returns a StatusOr) and turns what yaml-cpp throws into an error located
/// in `filename`: a YAML syntax error, or nesting deeper than yaml-cpp follows.
template <typename Parse>
auto Catching(std::string_view filename, Parse&& parse) -> decltype(parse()) {
  try {
    return parse();
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp bounds its own recursion, but names it "bad file".
    return InvalidArgumentError(Located(
        filename, e.mark, "the YAML nests too deeply here (a configuration is a few levels deep)"));
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(Located(filename, e.mark, e.msg));
  } catch (const std::exception& e) {
    return InvalidArgumentError(Located(filename, YAML::Mark(), e.what()));
  }
}

}  // namespace orch::yaml
