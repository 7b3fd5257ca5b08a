// A session file's members, declared once (core/JsonFields.h): each `fields` list below writes the file
// and reads it back, each `check` beside it the sizes that must agree. docs/FORMATS.md "Sessions" is this
// file in words. No Qt here: the window converts (WindowSession.cpp), and tests/fuzz/fuzz_session links
// it.
#include "session/SessionFile.h"

#include <algorithm>
#include <climits>

#include "active_learning/AlCycleJson.h"
#include "core/Errors.h"
#include "core/JsonFields.h"
#include "results/RequestJson.h"

namespace ts::session {

namespace {

// Counts far beyond what the app writes; every count is also bounded by the file's size.
constexpr size_t kMaxPoints = 10'000'000;  // per curve
constexpr size_t kMaxCurves = 10'000;      // per chart
constexpr size_t kMaxParts = 64;           // charts, tables, heat maps, methods
constexpr size_t kMaxRows = 10'000'000;    // table rows, run-log rows, bars
constexpr size_t kMaxColumns = 1'000;      // table columns
constexpr int kMaxTabs = 64;
constexpr const char* kNotASession = ": not a TangentScope session (no \"format\": \"tangentscope-session\")";

}  // namespace

// ---- Points: [x, y] ----

void read_value(const JsonField& f, Point& p, const Rule&) {
  const Json& a = f.json();
  if (!a.is_array() || a.size() != 2 || !a[0].is_number() || !a[1].is_number())
    f.fail("must be a point [x, y] of two numbers, got " + JsonField::brief(a));
  p.x = a[0].get<double>();
  p.y = a[1].get<double>();
}
Json write_value(const Point& p) { return Json::array({p.x, p.y}); }

// ---- Charts ----

template <class V>
void fields(V& v, Series& s) {
  v("name", s.name);
  v("points", s.points, at_most(kMaxPoints));
  v("upper", s.upper, at_most(kMaxPoints));
  v("lower", s.lower, at_most(kMaxPoints));
  v.omit_if("pinned_overlay", s.pinned_overlay, false);
  v.omit_if("legend", s.legend, true);
}
void check(const JsonField& f, const Series& s) {
  if (s.upper.has_value() != s.lower.has_value())
    f.fail(std::string("has ") + (s.upper ? "upper" : "lower") + " but no " + (s.upper ? "lower" : "upper") +
           ": a ±2σ band needs both");
  for (const char* side : {"upper", "lower"}) {
    const auto& band = side[0] == 'u' ? s.upper : s.lower;
    if (band && band->size() != s.points.size())
      f.member(side).fail("has " + std::to_string(band->size()) + " points but the curve has " +
                          std::to_string(s.points.size()) + ": a band has one per point");
  }
}

template <class V>
void fields(V& v, HorizontalLine& l) {
  v("name", l.name);
  v("y", l.y);
}
template <class V>
void fields(V& v, VerticalLine& l) {
  v("name", l.name);
  v("x", l.x);
}

template <class V>
void fields(V& v, Chart& c) {
  v("name", c.name);
  v("title", c.title);
  v("x_title", c.x_title);
  v("y_title", c.y_title);
  v("log_x", c.log_x);
  v("log_y", c.log_y);
  v("series", c.series, at_most(kMaxCurves));
  v("reference", c.reference);
  v("vertical_reference", c.vertical_reference);
  v("provenance", c.provenance);
}

// ---- Heat maps, bars, the gallery, tables, labels ----

template <class V>
void fields(V& v, HeatMap& m) {
  v("name", m.name);
  v("title", m.title);
  v("size", m.size, integers(0, kMaxHeatMapSide));
  v("values", m.values, at_most(size_t(kMaxHeatMapSide * kMaxHeatMapSide)));
  v("boundaries", m.boundaries, at_most(kMaxRows));
  v("note", m.note);
}
void check(const JsonField& f, const HeatMap& m) {
  const uint64_t cells = uint64_t(m.size) * uint64_t(m.size);
  if (m.values.size() != cells)
    f.member("size").fail("is " + std::to_string(m.size) + " but it holds " +
                          std::to_string(m.values.size()) + " values (" + std::to_string(m.size) + " × " +
                          std::to_string(m.size) + " = " + std::to_string(cells) + " are needed)");
  for (size_t i = 0; i < m.boundaries.size(); ++i)
    if (!(m.boundaries[i] >= 0 && m.boundaries[i] <= double(m.size)))
      f.member("boundaries")
          .item(i)
          .fail("is " + JsonField::brief(f.json().at("boundaries").at(i)) +
                ", outside the map (0 to its size, " + std::to_string(m.size) + ")");
}

template <class V>
void fields(V& v, LayerBars& b) {
  v("names", b.names, at_most(kMaxRows));
  v("shares", b.shares, at_most(kMaxRows));
  v("errors", b.errors, at_most(kMaxRows));
  v("axis_title", b.axis_title);
}
void check(const JsonField& f, const LayerBars& b) {
  if (b.shares.size() != b.names.size())
    f.member("shares").fail("holds " + std::to_string(b.shares.size()) + " values but there are " +
                            std::to_string(b.names.size()) + " names: one share per name");
  if (b.errors && b.errors->size() != b.names.size())
    f.member("errors").fail("holds " + std::to_string(b.errors->size()) + " values but there are " +
                            std::to_string(b.names.size()) + " names: one error per name");
}

template <class V>
void fields(V& v, Gallery& g) {
  v("strategy", g.strategy);
  v("cycles", g.cycles, at_most(kMaxCurves));
}

template <class V>
void fields(V& v, Table& t) {
  v("name", t.name);
  v("columns", t.columns, at_most(kMaxColumns));
  v("rows", t.rows, at_most(kMaxRows));
}
void check(const JsonField& f, const Table& t) {
  for (size_t r = 0; r < t.rows.size(); ++r)
    if (t.rows[r].size() != t.columns.size())
      f.member("rows").item(r).fail("has " + std::to_string(t.rows[r].size()) + " cells but the table has " +
                                    std::to_string(t.columns.size()) + " columns");
}

std::vector<std::pair<const char*, std::optional<std::string>*>> label_slots(Labels& l) {
  return {{"result", &l.result},       {"details", &l.details},         {"modelInfo", &l.modelInfo},
          {"dataInfo", &l.dataInfo},   {"pntkSummary", &l.pntkSummary}, {"pntkFits", &l.pntkFits},
          {"alSummary", &l.alSummary}, {"alDetail", &l.alDetail},       {"layersSummary", &l.layersSummary}};
}
template <class V>
void fields(V& v, Caption& c) {
  v("name", c.name);
  v("key", c.key);
  v("text", c.text);
}
void check(const JsonField& f, const Caption& c) {
  constexpr size_t kMaxCaption = 16'384;  // a problem's description: model, data and shape specs
  for (const auto& [member, value] : {std::pair{"name", &c.name}, {"key", &c.key}, {"text", &c.text}})
    if (value->size() > kMaxCaption)
      f.member(member).fail("is " + std::to_string(value->size()) + " characters long, more than the " +
                            std::to_string(kMaxCaption) + " a caption may hold");
}

template <class V>
void fields(V& v, Labels& l) {
  for (auto& [name, slot] : label_slots(l)) v(name, *slot);
}

// ---- The tabs' own settings: KIND + position ----

namespace {

// The kinds in the order the window writes them.
enum class Kind { Spin, Double, Combo, Check, Line, List };
constexpr const char* kKinds[] = {"spin", "double", "combo", "check", "line", "list"};

}  // namespace

bool positional_key(const std::string& key) {
  const size_t digits = key.find_first_of("0123456789");
  if (digits == std::string::npos || digits == 0 || key.size() - digits > 4 ||
      key.find_first_not_of("0123456789", digits) != std::string::npos)
    return false;
  const std::string kind = key.substr(0, digits);
  for (const char* k : kKinds)
    if (kind == k) return true;
  return false;
}

namespace {

constexpr size_t kMaxNamed = 1'000;  // settings per tab
constexpr size_t kMaxName = 128;     // characters of a widget name

// A named setting: a finite number, a string, true or false, or a list of true/false (a checked list).
Json named_value(const JsonField& v) {
  const Json& j = v.json();
  if (j.is_boolean() || j.is_string()) return j;
  if (j.is_number()) {
    (void)v.number();  // finite
    return j;
  }
  if (j.is_array()) {
    std::vector<bool> checked;
    ts::read_value(v, checked, at_most(kMaxRows));
    return j;
  }
  v.fail("must be a number, a string, true or false, or a list of true/false");
}

}  // namespace

void read_value(const JsonField& f, PanelInputs& p, const Rule&) {
  f.expect_object();
  const Json& j = f.json();
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const JsonField v(*it, f, key);
    if (!positional_key(key)) {  // a setting by the name of its widget
      if (key.empty() || key.size() > kMaxName) v.fail("is not a widget name (1 to 128 characters)");
      if (p.named.size() >= kMaxNamed) f.fail("holds more than 1000 settings");
      p.named.emplace_back(key, named_value(v));
      continue;
    }
    const size_t digits = key.find_first_of("0123456789");
    const int index = std::stoi(key.substr(digits));
    const std::string kind = key.substr(0, digits);
    if (kind == kKinds[int(Kind::Spin)])
      p.spin.emplace_back(index, v.integer<int>());
    else if (kind == kKinds[int(Kind::Double)])
      p.number.emplace_back(index, v.number());
    else if (kind == kKinds[int(Kind::Combo)])
      p.combo.emplace_back(index, v.string());
    else if (kind == kKinds[int(Kind::Check)])
      p.check.emplace_back(index, v.boolean());
    else if (kind == kKinds[int(Kind::Line)])
      p.line.emplace_back(index, v.string());
    else if (kind == kKinds[int(Kind::List)]) {
      std::vector<bool> checked;
      ts::read_value(v, checked, at_most(kMaxRows));
      p.list.emplace_back(index, std::move(checked));
    }
  }
}
Json write_value(const PanelInputs& p) {
  Json j = Json::object();
  auto put = [&j](Kind kind, const auto& entries) {
    for (const auto& [index, value] : entries)
      j[kKinds[int(kind)] + std::to_string(index)] = ts::write_value(value);
  };
  put(Kind::Spin, p.spin);
  put(Kind::Double, p.number);
  put(Kind::Combo, p.combo);
  put(Kind::Check, p.check);
  put(Kind::Line, p.line);
  put(Kind::List, p.list);
  for (const auto& [name, value] : p.named) j[name] = value;
  return j;
}

Json panel_inputs_json(const PanelInputs& p) { return write_value(p); }
PanelInputs panel_inputs_of(const Json& j, const std::string& what) {
  PanelInputs p;
  read_value(JsonField(j, what), p, {});
  return p;
}

template <class V>
void fields(V& v, Panels& p) {
  v("pntk", p.pntk);
  v("active_learning", p.active_learning);
  v("layers", p.layers);
  v("runs", p.runs);
}

template <class V>
void fields(V& v, View& w) {
  v("tab", w.tab, integers(0, kMaxTabs - 1));
  v("tab_name", w.tab_name);
  v("theme", w.theme);
}
void check(const JsonField& f, const View& w) {
  if (w.theme && *w.theme != "light" && *w.theme != "dark")
    f.member("theme").fail("must be light or dark, got " + JsonField::brief(f.json().at("theme")));
}

// ---- The form, the run log, the result ----

template <class V>
void fields(V& v, Form& m) {
  v("model", m.model);
  v("data", m.data);
  v("input_shape", m.input_shape);
  v("output", m.output);
  v("params", m.params);
  v("methods", m.methods, at_most(kMaxParts));
  v("matvecs", m.matvecs, integers(1, INT_MAX));
  v("seed", m.seed, integers(0, INT_MAX));
  v("dtype", m.dtype);
  v("device", m.device);
  v("exact", m.exact);
  v("tol", m.tol, numbers(0));
  v("repeats", m.repeats, integers(1, INT_MAX));
  v("threads", m.threads, integers(0, INT_MAX));
  v("data_n", m.data_n, integers(1, INT_MAX));
  v("problem_seed", m.problem_seed, integers(0, INT_MAX));
  v("epochs", m.epochs, integers(1, INT_MAX));
  v("learning_rate", m.learning_rate);
  v("exact_per_snapshot", m.exact_per_snapshot);
  v("memory_budget", m.memory_budget, integers(1));
}

template <class V>
void fields(V& v, RunCurves& c) {
  v("convergence", c.convergence, at_most(kMaxCurves));
  v("speed", c.speed, at_most(kMaxCurves));
}

template <class V>
void fields(V& v, Run& r) {
  v("time", r.time);
  v("config", r.config);
  v("seconds", r.seconds, numbers(0));
  v("summary", r.summary);
  v.defaulted("pinned", r.pinned, false);
  v("curves", r.curves);
  v("kind", r.kind);
  v("settings", r.settings);
}

namespace {

// What the window reads back from a saved result (Export result: the configuration, each run's estimator and
// running estimate) and the types compare --json gives the rest (results/ResultJson.cpp); read only to check
// it.
struct ResultPoint {
  int64_t matvecs = 0;
  double estimate = 0, std_error = 0, seconds = 0;
};
struct ResultRun {
  std::string estimator;
  std::optional<double> estimate, std_error, seconds, rel_error;
  std::optional<int64_t> matvecs, vjps, jvps;
  std::optional<bool> converged;
  std::optional<std::vector<ResultPoint>> history;
};
struct ResultSweepPoint {
  std::optional<std::string> method;
  std::optional<int64_t> budget, repeat;
  std::optional<double> estimate, rel_error, seconds;
};
struct ResultView {
  CompareRequest config;
  std::vector<ResultRun> runs;
  std::optional<std::vector<ResultSweepPoint>> sweep;
  std::optional<int64_t> d, params;
  std::optional<double> exact, exact_seconds;
  std::optional<std::string> exact_method;
};

// Their lists sit in the same unnamed namespace, where argument-dependent lookup finds them.
template <class V>
void fields(V& v, ResultPoint& p) {
  v("matvecs", p.matvecs, integers(0));
  v("estimate", p.estimate);
  v("std_error", p.std_error, nan_as_null());
  v("seconds", p.seconds);
}
template <class V>
void fields(V& v, ResultRun& r) {
  v("estimator", r.estimator);
  v("estimate", r.estimate);
  v("std_error", r.std_error);
  v("matvecs", r.matvecs, integers(0));
  v("vjps", r.vjps, integers(0));
  v("jvps", r.jvps, integers(0));
  v("seconds", r.seconds);
  v("converged", r.converged);
  v("history", r.history, at_most(kMaxPoints));
  v("rel_error", r.rel_error);
}
template <class V>
void fields(V& v, ResultSweepPoint& p) {
  v("method", p.method);
  v("budget", p.budget, integers(0));
  v("repeat", p.repeat, integers(0));
  v("estimate", p.estimate);
  v("rel_error", p.rel_error);
  v("seconds", p.seconds);
}
template <class V>
void fields(V& v, ResultView& r) {
  v("d", r.d, integers(0));
  v("params", r.params, integers(0));
  v("exact", r.exact);
  v("exact_seconds", r.exact_seconds);
  v("exact_method", r.exact_method);
  v("runs", r.runs, at_most(kMaxParts));
  v("sweep", r.sweep, at_most(kMaxRows));
  v("config", r.config);
}

}  // namespace

void read_value(const JsonField& f, SavedResult& r, const Rule&) {
  ResultView view;
  read_value(f, view, {});
  r.json = f.json();
}
Json write_value(const SavedResult& r) { return r.json; }

// ---- The file ----

template <class V>
void fields(V& v, Session& s) {
  v("format", s.format);
  v("version", s.version, integers(1, kVersion));
  v("app", s.app);
  v("saved", s.saved);
  v("form", s.form);
  v("panels", s.panels);
  v("view", s.view);
  v("charts", s.charts, at_most(kMaxParts));
  v("heat_maps", s.heat_maps, at_most(kMaxParts));
  v("layer_bars", s.layer_bars);
  v("al_gallery", s.al_gallery);
  v("tables", s.tables, at_most(kMaxParts));
  v("labels", s.labels);
  v("run_log", s.run_log, at_most(kMaxRows));
  v("result", s.result);
  v("runs", s.runs, at_most(kMaxParts));
  v("captions", s.captions, at_most(kMaxParts));
}

Json parse_session(const std::string& text, const std::string& what) {
  if (text.size() > kMaxBytes)
    throw InputError(what + " is " + std::to_string(text.size()) + " bytes, more than the " +
                     std::to_string(kMaxBytes >> 20) + " MiB a session may hold");
  return parse_json_bounded(text, what, kMaxDepth);
}

const WindowParts& version1_parts() {
  // findChildren's order in the window of version 1: the Active-learning tab's chart first, Convergence last.
  static const WindowParts parts{
      {"alAccuracy", "pntkWidth", "dynamics", "loss", "spectrum", "speed", "convergence"},
      {"layersTable", "metrics"},
      {"pntkKernel", "entkKernel"}};
  return parts;
}

namespace {

// Gives each part of a version-1 file the name of its position; checks a version-2 file's names against the
// window's parts.
template <class Part>
void name_parts(const JsonField& list, std::vector<Part>& parts, const std::vector<std::string>& window,
                const std::vector<std::string>& v1, int64_t version, const std::string& one) {
  if (version == 1) {
    for (size_t i = 0; i < parts.size() && i < v1.size(); ++i) parts[i].name = v1[i];
    return;
  }
  std::vector<std::string> seen;
  for (size_t i = 0; i < parts.size(); ++i) {
    const JsonField part = list.item(i);
    if (!parts[i].name) part.fail("has no name: from version 2 a session names each " + one);
    const std::string& name = *parts[i].name;
    if (std::find(window.begin(), window.end(), name) == window.end()) {
      std::string known;
      for (const auto& w : window) known += (known.empty() ? "" : ", ") + w;
      part.member("name").fail("is '" + name + "', not a " + one + " of this window (" + known + ")");
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end())
      part.member("name").fail("is '" + name + "' a second time");
    seen.push_back(name);
  }
}

}  // namespace

Session read_parsed_session(const Json& j, const std::string& what,
                            const std::optional<WindowParts>& window) {
  const JsonField root(j, what);
  if (!j.is_object() || !j.contains("format") || j.at("format") != kFormat)
    throw InputError(what + kNotASession);
  // The version first: a newer file is refused as such, not for a member this version does not know.
  const JsonField version = root.member("version");
  if (!version.json().is_number_integer())
    version.fail("must be an integer, got " + JsonField::brief(version.json()));
  const bool newer =
      version.json().is_number_unsigned() && version.json().get<uint64_t>() > uint64_t(kVersion);
  if (newer || version.json().get<int64_t>() < 1)
    throw InputError(what + ": format version " + version.json().dump() +
                     ", but this TangentScope reads version " + std::to_string(kVersion) +
                     (newer ? " (it is newer)" : ""));
  // The window's parts before their contents: a version-1 file from another window is refused at once.
  const int64_t file_version = version.json().get<int64_t>();
  if (window && file_version == 1) {
    const WindowParts& v1 = version1_parts();
    for (const auto& [key, want] :
         {std::pair{"charts", v1.charts.size()}, std::pair{"tables", v1.tables.size()},
          std::pair{"heat_maps", v1.heat_maps.size()}}) {
      const JsonField part = root.member(key);
      const size_t have = part.expect_array(kMaxParts);
      if (have != want)
        part.fail("holds " + std::to_string(have) + " but the window of version 1 had " +
                  std::to_string(want));
    }
  }
  Session s;
  read_value(root, s, {});
  if (window) {
    name_parts(root.member("charts"), s.charts, window->charts, version1_parts().charts, file_version,
               "chart");
    name_parts(root.member("tables"), s.tables, window->tables, version1_parts().tables, file_version,
               "table");
    name_parts(root.member("heat_maps"), s.heat_maps, window->heat_maps, version1_parts().heat_maps,
               file_version, "heat map");
  }
  return s;
}

Session read_session(const std::string& text, const std::string& what,
                     const std::optional<WindowParts>& window) {
  return read_parsed_session(parse_session(text, what), what, window);
}

namespace {

// Indented one space per level, with an array of plain values (a point [x, y], a table's row, a heat map's
// values) on one line: a session of 1,000,000 points is 35 MB instead of the 59 MB of one value per line, and
// reads back that much sooner. Scalars are written by nlohmann's own serializer (as json_text: the C locale,
// bytes that are not UTF-8 replaced).
class TextWriter {
 public:
  explicit TextWriter(std::string& out)
      : out_(out),
        scalar_(nlohmann::detail::output_adapter<char, std::string>(out), ' ',
                Json::error_handler_t::replace) {}
  void write(const Json& j, size_t depth) {
    const auto plain = [](const Json& e) { return !e.is_structured(); };
    if (j.is_object() && !j.empty()) {
      out_ += "{\n";
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (it != j.begin()) out_ += ",\n";
        out_.append(depth + 1, ' ');
        scalar_.dump(Json(it.key()), false, false, 0);
        out_ += ": ";
        write(it.value(), depth + 1);
      }
      close('}', depth);
    } else if (j.is_array() && !std::all_of(j.begin(), j.end(), plain)) {
      out_ += "[\n";
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (it != j.begin()) out_ += ",\n";
        out_.append(depth + 1, ' ');
        write(*it, depth + 1);
      }
      close(']', depth);
    } else {
      scalar_.dump(j, false, false, 0);
    }
  }

 private:
  void close(char bracket, size_t depth) {
    out_ += '\n';
    out_.append(depth, ' ');
    out_ += bracket;
  }
  std::string& out_;
  nlohmann::detail::serializer<Json> scalar_;
};

}  // namespace

std::string session_text(const Session& s) {
  std::string out;
  TextWriter(out).write(ts::write_value(s), 0);
  return out + "\n";
}

}  // namespace ts::session
