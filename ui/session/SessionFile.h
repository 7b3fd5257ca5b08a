#pragma once
// A session file (.tsession, docs/FORMATS.md "Sessions") as plain structs, without Qt: the window converts
// its widgets to a Session to save it and shows a Session it opened. Each struct's JSON is declared once,
// beside it in SessionFile.cpp (io/JsonFields.h): the same list writes the file and reads it back with every
// member checked (type, range, the sizes that must agree, the nesting depth) before the window builds
// anything from it. This file set links into the libFuzzer target tests/fuzz/fuzz_session.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/Config.h"
#include "core/Json.h"
#include "jobs/AlJob.h"
#include "jobs/CompareJob.h"

namespace ts::session {

inline constexpr const char* kFormat = "tangentscope-session";
/// Version 2 names each chart, table and heat map (the widget's object name); version 1 gave them by their
/// position in the window of that version (read_session names them).
inline constexpr int kVersion = 2;
/// Bounds checked before anything is built: the file's size, and how deep arrays and objects nest (a session
/// nests at most 8 levels; a deeper document is refused while it is parsed).
inline constexpr size_t kMaxBytes = size_t(1) << 30;
inline constexpr int kMaxDepth = 64;
/// A heat map's side in cells (the app draws at most 240); its image is allocated from it.
inline constexpr int64_t kMaxHeatMapSide = 4096;

struct Point {
  double x = 0, y = 0;
};

/// One curve of a chart: its points, an optional ±2σ band (upper and lower, one point each per point), and
/// whether it is a dashed overlay (a pinned run's curve, a fitted line) and has a legend entry.
struct Series {
  std::string name;
  std::vector<Point> points;
  std::optional<std::vector<Point>> upper, lower;
  bool pinned_overlay = false;
  bool legend = true;
};

struct HorizontalLine {
  std::string name;
  double y = 0;
};
struct VerticalLine {
  std::string name;
  double x = 0;
};

struct Chart {
  std::optional<std::string> name;  ///< the chart's widget: convergence, speed, spectrum, …
  std::string title, x_title, y_title;
  bool log_x = false, log_y = false;
  std::vector<Series> series;
  std::optional<HorizontalLine> reference;  ///< the exact value
  std::optional<VerticalLine> vertical_reference;
  std::optional<std::string> provenance;  ///< the configuration of the run drawn (JSON text)
};

/// A kernel drawn as a size × size matrix: `values` row-major (size² of them), `boundaries` the class starts
/// (each from 0 to size).
struct HeatMap {
  std::optional<std::string> name;  ///< pntkKernel or entkKernel
  std::string title;
  int64_t size = 0;
  std::vector<double> values, boundaries;
  std::string note;
};

/// The Layers tab's bars: one share (percent of tr K) per name.
struct LayerBars {
  std::vector<std::string> names;
  std::vector<double> shares;
  std::optional<std::vector<double>> errors;  ///< ±2σ of each share (percent), one per name
  std::string axis_title;
};

/// The Active-learning gallery: the strategy shown and, per strategy, its newest cycle that queried anything.
struct Gallery {
  std::string strategy;
  std::vector<AlCycle> cycles;
};

/// A table as shown: every row has one cell per column.
struct Table {
  std::optional<std::string> name;  ///< metrics or layersTable
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

/// The line under a tab's figures that names the problem they were computed for (ProblemCaption), by the
/// caption's name: `key` identifies the problem (to compare with the form's), `text` describes it.
struct Caption {
  std::string name, key, text;
};

/// The result texts, by the name of their label.
struct Labels {
  std::optional<std::string> result, details, modelInfo, dataInfo, pntkSummary, pntkFits, alSummary, alDetail,
      layersSummary;
};
/// Labels' members with their names, in the file's order (for the window and for `fields` alike).
std::vector<std::pair<const char*, std::optional<std::string>*>> label_slots(Labels& labels);

/// A tab's own settings. Each setting is keyed in the file by the name of its widget ("initial",
/// "strategies", …): a number, a string, true or false, or a list of true/false (a checked list), read into
/// `named` and fitted to the widget's kind by the window. Files written before the widgets had names key them
/// by widget kind and position in the panel ("spin0", "double1", "combo0", "check2", "line0", "list0"): those
/// are read into the positional lists, per kind, so old files still open.
struct PanelInputs {
  std::vector<std::pair<int, int>> spin;
  std::vector<std::pair<int, double>> number;  ///< "double…"
  std::vector<std::pair<int, std::string>> combo;
  std::vector<std::pair<int, bool>> check;
  std::vector<std::pair<int, std::string>> line;
  std::vector<std::pair<int, std::vector<bool>>> list;
  std::vector<std::pair<std::string, Json>> named;  ///< by widget name: number, string, bool or [bool]
};

/// Whether `key` is a positional key of the first files (a kind, then up to four digits: "spin0").
bool positional_key(const std::string& key);
/// A tab's settings as `panels` holds them, and back (checked as there; `what` names the JSON in messages):
/// the run log keeps a run's with its settings, for "Run it again".
Json panel_inputs_json(const PanelInputs& p);
PanelInputs panel_inputs_of(const Json& j, const std::string& what);

struct Panels {
  std::optional<PanelInputs> pntk, active_learning, layers, runs;
};

struct View {
  std::optional<int> tab;               ///< the tab shown, by position (version 1)
  std::optional<std::string> tab_name;  ///< the tab shown, by its title (preferred from version 2)
  std::optional<std::string> theme;     ///< light or dark
};

/// The main panel. Members added after the first version's files may be absent (then the window keeps its
/// own).
struct Form {
  std::string model, data, input_shape, output, params;
  std::vector<std::string> methods;
  int matvecs = 1;
  int seed = 0;
  std::string dtype, device;
  bool exact = false;
  double tol = 0;
  int repeats = 1;
  int threads = 0;
  std::optional<int> data_n, epochs;
  /// The problem seed (the data subset, a built-in model's initial weights); absent in files written when one
  /// seed did both, which then meant `seed`.
  std::optional<int> problem_seed;
  std::optional<std::string> learning_rate;
  std::optional<bool> exact_per_snapshot;
  std::optional<int64_t> memory_budget;
};

struct RunCurves {
  std::vector<Series> convergence, speed;
};

/// A row of the run log: the run's full configuration, its time, summary, pin, and own curves.
struct Run {
  std::string time;
  CompareRequest config;  ///< the form's configuration of the run (for every kind: its problem and estimator)
  double seconds = 0;
  std::string summary;
  bool pinned = false;
  std::optional<RunCurves> curves;
  std::optional<std::string> kind;      ///< absent: "compare"; else the tab's job (RunLog::add)
  std::optional<std::string> settings;  ///< that job's full settings, as JSON text
};

/// The last comparison's full result, as `tangentscope-cli compare --json` writes it: kept as saved for
/// Export result, with the members the window reads back checked and the others' types (SessionFile.cpp).
struct SavedResult {
  Json json;
};

struct Session {
  std::string format = kFormat;
  int version = kVersion;
  std::optional<std::string> app, saved;
  Form form;
  std::optional<Panels> panels;
  std::optional<View> view;
  std::vector<Chart> charts;
  std::vector<HeatMap> heat_maps;
  std::optional<LayerBars> layer_bars;
  std::optional<Gallery> al_gallery;
  std::vector<Table> tables;
  Labels labels;
  std::vector<Run> run_log;
  std::optional<SavedResult> result;
  std::optional<std::vector<std::string>> runs;  ///< the training-run folders of the Runs tab
  std::optional<std::vector<Caption>> captions;  ///< absent in files written before captions were kept
};

/// The names of the window's charts, tables (the run log's and the pinned runs' aside) and heat maps: every
/// part a version-2 session holds must be one of them, each at most once.
struct WindowParts {
  std::vector<std::string> charts, tables, heat_maps;
};

/// The parts of the version-1 window in the order its sessions held them (they had no names).
const WindowParts& version1_parts();

/// Reads a session from its text, checking everything first: its size, its nesting while parsing, the
/// format and version (an integer from 1 to kVersion), then every member. Throws InputError naming `what`
/// and the member's path, e.g. "session 'a.tsession': heat_maps[0].size is 3000 but it holds 4 values".
/// With `window`, every chart, table and heat map ends up named: a version-1 file's by their positions in
/// version1_parts() (it must hold as many as that window had), a version-2 file's by the names it gives,
/// which must be parts of `window`.
Session read_session(const std::string& text, const std::string& what,
                     const std::optional<WindowParts>& window = std::nullopt);

/// The two steps of read_session, apart (for the load benchmark): parsing with the depth bounded, then
/// checking and converting the parsed document.
Json parse_session(const std::string& text, const std::string& what);
Session read_parsed_session(const Json& j, const std::string& what,
                            const std::optional<WindowParts>& window = std::nullopt);

/// The file's text (indented JSON, ending in a newline).
std::string session_text(const Session& s);

}  // namespace ts::session
