// The session reader without a window (ui/session/SessionFile.h): every member is checked before anything is
// built, and each refusal names the member's path and the problem. The window's side (nothing changes on a
// refusal, Export all afterwards, the headless app) is in tests/ui/test_workbench.cpp.
#include <chrono>
#include <cmath>
#include <fstream>
#include <iterator>
#include <string>

#include "TestHarness.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "session/SessionFile.h"

using namespace ts;

namespace test_session_file {

namespace {

// A session with one of everything, as the window writes it.
session::Session full_session() {
  session::Session s;
  s.app = "TangentScope test";
  s.form.model = "mlp:in=4,width=8,depth=2,out=2,seed=1";
  s.form.data = "random:n=8,shape=4";
  s.form.methods = {"hutchpp", "xnystrace"};
  s.form.matvecs = 96;
  s.form.data_n = 8;
  s.form.problem_seed = 3;
  s.form.memory_budget = int64_t(1) << 32;
  session::PanelInputs inputs;
  inputs.spin = {{0, 3}, {1, 12}};
  inputs.number = {{0, 0.25}};
  inputs.combo = {{0, "pntk"}};
  inputs.check = {{0, true}};
  inputs.line = {{0, "w;b"}};
  inputs.list = {{0, {true, false, true}}};
  s.panels = session::Panels{inputs, session::PanelInputs{}, std::nullopt, std::nullopt};
  s.runs = std::vector<std::string>{"/data/runs/resnet-lr0.1", "runs/mlp"};
  s.captions = std::vector<session::Caption>{
      {"spectrumCaption", "mlp:in=4|digits:n=20|||all|0", "mlp:in=4 on digits:n=20 (problem seed 0)"}};
  s.view = session::View{2, "Spectrum", "dark"};
  session::Chart chart;
  chart.name = "convergence";
  chart.title = "Convergence";
  chart.log_x = true;
  session::Series band;
  band.name = "hutchpp";
  band.points = {{8, 10.5}, {16, 11.25}};
  band.upper = std::vector<session::Point>{{8, 12}, {16, 12}};
  band.lower = std::vector<session::Point>{{8, 9}, {16, 10.5}};
  session::Series pinned;
  pinned.name = "hutchpp · run 1";
  pinned.points = {{8, 10}};
  pinned.pinned_overlay = true;
  pinned.legend = false;
  chart.series = {band, pinned};
  chart.reference = session::HorizontalLine{"exact", 11.0};
  session::Chart speed;
  speed.name = "speed";
  s.charts = {chart, speed};
  session::HeatMap map;
  map.name = "pntkKernel";
  map.size = 2;
  map.values = {1, 0.5, 0.5, 1};
  map.boundaries = {0, 1};
  session::HeatMap entk;
  entk.name = "entkKernel";
  s.heat_maps = {map, entk};
  s.layer_bars = session::LayerBars{
      {"0.weight", "0.bias"}, {90.5, 9.5}, std::vector<double>{1.5, 0.25}, "share of tr K (%)"};
  AlCycle cycle;
  cycle.strategy = "margin";
  cycle.seed = uint64_t(-1);  // seeds are exact to 2^64 − 1
  cycle.cycle = 2;
  cycle.labels = 30;
  cycle.test_loss = std::nan("");  // written as null
  cycle.image_shape = std::vector<int64_t>{1, 1, 2};
  AlQuery query;
  query.index = 5;
  query.pixels = std::vector<double>{0.25, 0.75};
  cycle.queried = {query};
  s.al_gallery = session::Gallery{"margin", {cycle}};
  s.tables = {session::Table{"metrics", {"metric", "value"}, {{"trace", "1.5"}, {"frobenius", "2"}}}};
  s.labels.result = "tr K ≈ 11";
  session::Run run;
  run.time = "12:00:00";
  run.config.estimator.matvecs = 96;
  run.config.problem.compute.seed = uint64_t(1) << 63;
  run.seconds = 0.5;
  run.summary = "hutchpp 10.5";
  run.pinned = true;
  run.curves = session::RunCurves{{band}, {}};
  s.run_log = {run};
  Json result = Json::object();
  result["d"] = 16;
  result["runs"] = Json::array({Json{
      {"estimator", "hutchpp"},
      {"estimate", 10.5},
      {"std_error", nullptr},
      {"history",
       Json::array({Json{{"matvecs", 8}, {"estimate", 10.5}, {"std_error", nullptr}, {"seconds", 0.1}}})}}});
  result["config"] = Json{{"estimator", Json{{"matvecs", 96}}}, {"blas", "openblas"}};
  s.result = session::SavedResult{result};
  return s;
}

Json full_json() { return parse_json(session::session_text(full_session())); }

session::Session read(const Json& j) { return session::read_session(json_text(j), "session 't.tsession'"); }
session::Session read(const Json& j, const session::WindowParts& window) {
  return session::read_session(json_text(j), "session 't.tsession'", window);
}

}  // namespace

class TestSessionFile : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // What the window writes, it reads back equal, member for member.
  void roundTrip() {
    const std::string text = session::session_text(full_session());
    const session::Session s = session::read_session(text, "session 't.tsession'");
    QCOMPARE(session::session_text(s), text);
    QCOMPARE(s.charts[0].series[0].upper->at(1).y, 12.0);
    QVERIFY(s.charts[0].series[1].pinned_overlay && !s.charts[0].series[1].legend);
    QCOMPARE(s.heat_maps[0].values[1], 0.5);
    QCOMPARE(s.al_gallery->cycles[0].seed, uint64_t(-1));
    QVERIFY(std::isnan(s.al_gallery->cycles[0].test_loss));
    QCOMPARE(s.run_log[0].config.problem.compute.seed, uint64_t(1) << 63);
    QVERIFY(s.run_log[0].pinned);
    QCOMPARE(s.panels->pntk->list[0].second, (std::vector<bool>{true, false, true}));
    QCOMPARE(*s.view->theme, std::string("dark"));
    QCOMPARE(*s.labels.result, std::string("tr K ≈ 11"));
    QCOMPARE(s.runs->at(1), std::string("runs/mlp"));
    QCOMPARE(s.captions->at(0).key, std::string("mlp:in=4|digits:n=20|||all|0"));
    QCOMPARE(*s.form.problem_seed, 3);
    // Members added after the first files (data_n, epochs, …) may be absent; the window keeps its own.
    Json old = parse_json(text);
    old["form"].erase("data_n");
    old["run_log"][0].erase("pinned");
    old["charts"][0]["series"][1]["legend"] = nullptr;  // null is absent: the default
    const session::Session o = read(old);
    QVERIFY(!o.form.data_n && !o.run_log[0].pinned && o.charts[0].series[1].legend);
  }

  // A session saved by the app before this reader (tests/fuzz/corpus/session/real-saved-v1.tsession) reads as
  // it was written, and writes again to what reads back the same.
  void savedByEarlierVersion() {
    std::ifstream in(std::string(TS_SOURCE_DIR) + "/tests/fuzz/corpus/session/real-saved-v1.tsession");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    QVERIFY(text.size() > 10000);
    const session::Session s = session::read_session(text, "saved", session::version1_parts());
    QCOMPARE(s.form.model, std::string("mlp:in=64,width=256,depth=3,out=10,seed=0"));
    QCOMPARE(s.charts[5].title, std::string("Speed against accuracy"));
    QCOMPARE(*s.charts[5].name, std::string("speed"));  // named by its position in the version-1 window
    QCOMPARE(*s.tables[1].name, std::string("metrics"));
    QCOMPARE(s.charts[5].series.size(), size_t(3));
    QCOMPARE(s.charts[5].series[0].points.size(), size_t(4));
    QCOMPARE(s.run_log.size(), size_t(1));
    QCOMPARE(s.run_log[0].config.estimator.matvecs, int64_t(96));
    QCOMPARE(*s.view->theme, std::string("light"));
    QVERIFY(s.labels.layersSummary.has_value());
    QCOMPARE(s.result->json["runs"][0]["history"].size(), size_t(33));
    QVERIFY(s.result->json == parse_json(text)["result"]);  // kept as saved
    const std::string again = session::session_text(s);
    QCOMPARE(session::session_text(session::read_session(again, "again")), again);
  }

  // A heat map's size must agree with its values: a size above them once read past memory into the CSV.
  void heatMapSizeAgreesWithValues() {
    Json j = full_json();
    j["heat_maps"][0]["size"] = 3000;
    TS_EXPECT_THROW(
        InputError, read(j),
        "session 't.tsession': heat_maps[0].size is 3000 but it holds 4 values (3000 × 3000 = 9000000 "
        "are needed)");
    j["heat_maps"][0]["size"] = 1;
    TS_EXPECT_THROW(InputError, read(j), "heat_maps[0].size is 1 but it holds 4 values");
    // A 60,000² map is refused by its size alone, before any image is made.
    j["heat_maps"][0]["size"] = 60000;
    TS_EXPECT_THROW(InputError, read(j), "heat_maps[0].size must be an integer from 0 to 4096, got 60000");
    j = full_json();
    j["heat_maps"][0]["boundaries"][1] = 7;
    TS_EXPECT_THROW(InputError, read(j), "heat_maps[0].boundaries[1] is 7, outside the map");
    j = full_json();
    j["heat_maps"][0]["values"][2] = nullptr;
    TS_EXPECT_THROW(InputError, read(j), "heat_maps[0].values[2] must be a number, got null");
  }

  // The version is an integer from 1 to this version; 1.5 once read as 1.
  void versionIsAnInteger() {
    Json j = full_json();
    j["version"] = 1.5;
    TS_EXPECT_THROW(InputError, read(j), "session 't.tsession': version must be an integer, got 1.5");
    j["version"] = "1";
    TS_EXPECT_THROW(InputError, read(j), "version must be an integer, got \"1\"");
    j["version"] = 1e300;
    TS_EXPECT_THROW(InputError, read(j), "version must be an integer, got 1e+300");
    j["version"] = 3;
    TS_EXPECT_THROW(InputError, read(j),
                    "format version 3, but this TangentScope reads version 2 (it is newer)");
    j["version"] = -2147483648LL;
    TS_EXPECT_THROW(InputError, read(j), "format version -2147483648, but this TangentScope reads version 2");
    j.erase("version");
    TS_EXPECT_THROW(InputError, read(j), "session 't.tsession': version is missing");
    j["version"] = 1;
    j["format"] = "something else";
    TS_EXPECT_THROW(InputError, read(j), "not a TangentScope session");
    TS_EXPECT_THROW(InputError, session::read_session("[1, 2]", "session 't'"), "not a TangentScope session");
  }

  // The saved result is checked where the window reads it back (Export result) and typed elsewhere.
  void resultMembersAreChecked() {
    Json j = full_json();
    j["result"]["runs"] = "hutchpp";
    TS_EXPECT_THROW(InputError, read(j), "result.runs must be an array […], got \"hutchpp\"");
    j = full_json();
    j["result"]["runs"][0]["history"][0]["matvecs"] = "8";
    TS_EXPECT_THROW(InputError, read(j), "result.runs[0].history[0].matvecs must be an integer");
    j = full_json();
    j["result"]["runs"][0]["history"][0]["estimate"] = nullptr;
    TS_EXPECT_THROW(InputError, read(j), "result.runs[0].history[0].estimate must be a number, got null");
    j = full_json();
    j["result"]["runs"][0].erase("estimator");
    TS_EXPECT_THROW(InputError, read(j), "result.runs[0].estimator is missing");
    j = full_json();
    j["result"]["d"] = -1;
    TS_EXPECT_THROW(InputError, read(j), "result.d must be an integer from 0");
    j = full_json();
    j["result"]["config"]["estimator"]["tol"] = -0.5;
    TS_EXPECT_THROW(InputError, read(j), "result.config.estimator.tol must be a number ≥ 0, got -0.5");
  }

  // Integers are integers in range, never cast: a run-log matvecs of 1e300 once became −2^63.
  void integersInRange() {
    Json j = full_json();
    j["run_log"][0]["config"]["estimator"]["matvecs"] = 1e300;
    TS_EXPECT_THROW(InputError, read(j),
                    "session 't.tsession': run_log[0].config.estimator.matvecs must be an integer from 1 to "
                    "9223372036854775807, got 1e+300");
    j["run_log"][0]["config"]["estimator"]["matvecs"] = 96.5;
    TS_EXPECT_THROW(InputError, read(j), "run_log[0].config.estimator.matvecs must be an integer");
    j = full_json();
    j["form"]["matvecs"] = 3000000000LL;
    TS_EXPECT_THROW(InputError, read(j),
                    "form.matvecs must be an integer from 1 to 2147483647, got 3000000000");
    j = full_json();
    j["run_log"][0]["config"]["problem"]["compute"]["seed"] = -1;
    TS_EXPECT_THROW(InputError, read(j),
                    "run_log[0].config.problem.compute.seed must be an integer from 0 to "
                    "18446744073709551615, got -1");
    j = full_json();
    j["al_gallery"]["cycles"][0]["cycle"] = 1e300;
    TS_EXPECT_THROW(InputError, read(j),
                    "al_gallery.cycles[0].cycle must be an integer from 0 to 2147483647");
    j = full_json();
    j["panels"]["pntk"]["spin1"] = 1e300;
    TS_EXPECT_THROW(InputError, read(j), "panels.pntk.spin1 must be an integer");
  }

  // Wrong types anywhere are refused with the member's path (they once aborted the app in Export all).
  void wrongTypesNamed() {
    const std::pair<std::vector<std::string>, std::string> cases[] = {
        {{"charts", "0", "title"}, "charts[0].title must be a string, got 5"},
        {{"charts", "0", "series", "0", "points", "1"},
         "charts[0].series[0].points[1] must be a point [x, y]"},
        {{"charts", "0", "log_x"}, "charts[0].log_x must be true or false, got 5"},
        {{"form", "methods"}, "form.methods must be an array […], got 5"},
        {{"form", "tol"}, ""},  // a number there is fine
        {{"tables", "0", "rows", "1", "0"}, "tables[0].rows[1][0] must be a string, got 5"},
        {{"labels", "result"}, "labels.result must be a string, got 5"},
        {{"layer_bars", "names"}, "layer_bars.names must be an array"},
        {{"al_gallery", "cycles", "0", "queried", "0", "pixels"},
         "al_gallery.cycles[0].queried[0].pixels must be an array"},
        {{"run_log", "0", "config", "problem"}, "run_log[0].config.problem must be an object {…}, got 5"},
        {{"run_log", "0", "curves", "convergence"}, "run_log[0].curves.convergence must be an array"},
        {{"view", "tab"}, ""},
        {{"view", "theme"}, "view.theme must be a string, got 5"},
        {{"panels", "pntk", "check0"}, "panels.pntk.check0 must be true or false, got 5"},
        {{"result", "config"}, "result.config must be an object {…}, got 5"},
        {{"captions", "0", "key"}, "captions[0].key must be a string, got 5"},
        {{"captions"}, "captions must be an array"},
    };
    for (const auto& [path, message] : cases) {
      Json j = full_json();
      Json* v = &j;
      for (const std::string& key : path) v = v->is_array() ? &(*v)[std::stoul(key)] : &(*v)[key];
      *v = 5;
      if (message.empty()) {
        (void)read(j);
        continue;
      }
      TS_EXPECT_THROW(InputError, read(j), message);
    }
  }

  // Sizes that must agree: a band has one point per point, one share per bar, one cell per column, the
  // gallery's pixels match its image shape; the window's parts match its version's window.
  void sizesAgree() {
    Json j = full_json();
    j["charts"][0]["series"][0]["upper"].erase(1);
    TS_EXPECT_THROW(InputError, read(j), "charts[0].series[0].upper has 1 points but the curve has 2");
    j = full_json();
    j["charts"][0]["series"][0].erase("lower");
    TS_EXPECT_THROW(InputError, read(j), "charts[0].series[0] has upper but no lower");
    j = full_json();
    j["layer_bars"]["shares"].push_back(1.0);
    TS_EXPECT_THROW(InputError, read(j), "layer_bars.shares holds 3 values but there are 2 names");
    j = full_json();
    j["layer_bars"]["errors"].push_back(1.0);
    TS_EXPECT_THROW(InputError, read(j), "layer_bars.errors holds 3 values but there are 2 names");
    j = full_json();
    j["tables"][0]["rows"][1].push_back("extra");
    TS_EXPECT_THROW(InputError, read(j), "tables[0].rows[1] has 3 cells but the table has 2 columns");
    j = full_json();
    j["al_gallery"]["cycles"][0]["image_shape"] = Json::array({1, 2, 2});
    TS_EXPECT_THROW(InputError, read(j),
                    "al_gallery.cycles[0].queried[0] holds 2 pixels but image_shape [1, 2, 2] needs 4");
    j = full_json();
    j["view"]["theme"] = "blue";
    TS_EXPECT_THROW(InputError, read(j), "view.theme must be light or dark, got \"blue\"");
    j = full_json();
    j["captions"][0]["text"] = std::string(20'000, 'x');
    TS_EXPECT_THROW(InputError, read(j), "captions[0].text is 20000 characters long, more than the 16384");
    const std::string text = session::session_text(full_session());
    const session::WindowParts window{
        {"convergence", "speed", "spectrum"}, {"metrics"}, {"pntkKernel", "entkKernel"}};
    (void)session::read_session(text, "session 't'", window);  // version 2: parts by name, in any number
    j = full_json();
    j["charts"][1]["name"] = "histogram";
    TS_EXPECT_THROW(
        InputError, read(j, window),
        "charts[1].name is 'histogram', not a chart of this window (convergence, speed, spectrum)");
    j["charts"][1]["name"] = "convergence";
    TS_EXPECT_THROW(InputError, read(j, window), "charts[1].name is 'convergence' a second time");
    j["charts"][1].erase("name");
    TS_EXPECT_THROW(InputError, read(j, window),
                    "charts[1] has no name: from version 2 a session names each chart");
    j = full_json();  // version 1 named its parts by their positions in its window: 7 charts, 2 tables, 2
                      // maps
    j["version"] = 1;
    TS_EXPECT_THROW(InputError, read(j, window), "charts holds 2 but the window of version 1 had 7");
  }

  // Nesting is bounded while parsing: a result nested 200,000 deep once crashed the app.
  void deepNestingRefused() {
    std::string text = session::session_text(full_session());
    const std::string deep = std::string(200000, '[') + std::string(200000, ']');
    const size_t at = text.find("\"result\": {") + std::string("\"result\": {").size();
    text.insert(at, "\"deep\": " + deep + ",");
    const auto start = std::chrono::steady_clock::now();
    TS_EXPECT_THROW(InputError, session::read_session(text, "session 't.tsession'"),
                    "session 't.tsession' nests arrays and objects more than 64 levels deep");
    QVERIFY(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
    // As deep as a session really nests, and a little more, is fine.
    text = session::session_text(full_session());
    text.insert(text.find("\"result\": {") + std::string("\"result\": {").size(),
                "\"deep\": " + std::string(40, '[') + std::string(40, ']') + ",");
    QCOMPARE(session::read_session(text, "t").result->json["deep"].size(), size_t(1));
  }
};

}  // namespace test_session_file

TS_TEST_MAIN(test_session_file::TestSessionFile, roundTrip, savedByEarlierVersion,
             heatMapSizeAgreesWithValues, versionIsAnInteger, resultMembersAreChecked, integersInRange,
             wrongTypesNamed, sizesAgree, deepNestingRefused)
#ifdef TS_HAVE_QT
#include "test_session_file.moc"
#endif
