// Sessions (docs/FORMATS.md "Sessions"): the form, every chart, heat map, table and result label, the run log
// with each run's configuration and the last comparison's full result, in one versioned JSON file. Opening
// one shows exactly what was saved, without recomputing. Autosave writes the same file to the app's data
// folder; it is removed at a clean exit, so finding it at launch means the last session ended in a crash.
#include <QAbstractButton>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>

#include <fstream>
#include <sstream>

#include "AlPanel.h"
#include "ChartView.h"
#include "HeatMap.h"
#include "LayersPanel.h"
#include "MainWindow.h"
#include "PntkPanel.h"
#include "RunLog.h"
#include "core/Errors.h"
#include "io/Json.h"
#include "io/OutputFiles.h"
#include "io/RequestJson.h"
#include "io/ResultJson.h"
#include "jobs/CompareJob.h"

namespace ts::ui {

namespace {

constexpr const char* kFormat = "tangentscope-session";
constexpr int kVersion = 1;
const char* const kLabels[] = {"result",   "details",   "modelInfo", "dataInfo",     "pntkSummary",
                               "pntkFits", "alSummary", "alDetail",  "layersSummary"};

std::string s(const QString& q) { return q.toStdString(); }
QString q(const Json& j) { return QString::fromStdString(j.get<std::string>()); }

Json points_json(const QList<QPointF>& points) {
  Json a = Json::array();
  for (const QPointF& p : points) a.push_back(Json::array({p.x(), p.y()}));
  return a;
}
QList<QPointF> points_of(const Json& a) {
  QList<QPointF> out;
  for (const auto& p : a) out << QPointF(p.at(0).get<double>(), p.at(1).get<double>());
  return out;
}

Json series_json(const QList<ChartView::Series>& list) {
  Json series = Json::array();
  for (const auto& e : list) {
    Json o = Json::object();
    o["name"] = s(e.name);
    o["points"] = points_json(e.points);
    if (e.band) {
      o["upper"] = points_json(e.upper);
      o["lower"] = points_json(e.lower);
    }
    if (e.dashed) o["pinned_overlay"] = true;
    if (!e.legend) o["legend"] = false;
    series.push_back(o);
  }
  return series;
}
QList<ChartView::Series> series_of(const Json& a) {
  QList<ChartView::Series> out;
  for (const auto& o : a) {
    ChartView::Series e;
    e.name = q(o.at("name"));
    e.points = points_of(o.at("points"));
    e.band = o.contains("upper");
    if (e.band) {
      e.upper = points_of(o.at("upper"));
      e.lower = points_of(o.at("lower"));
    }
    e.dashed = o.value("pinned_overlay", false);
    e.legend = o.value("legend", true);
    out << e;
  }
  return out;
}

Json chart_json(const ChartView::Content& c) {
  Json j = Json::object();
  j["title"] = s(c.title);
  j["x_title"] = s(c.x_title);
  j["y_title"] = s(c.y_title);
  j["log_x"] = c.log_x;
  j["log_y"] = c.log_y;
  j["series"] = series_json(c.series);
  if (c.has_reference) j["reference"] = {{"name", s(c.reference_name)}, {"y", c.reference_y}};
  if (c.has_vreference) j["vertical_reference"] = {{"name", s(c.vreference_name)}, {"x", c.vreference_x}};
  return j;
}
ChartView::Content chart_of(const Json& j) {
  ChartView::Content c;
  c.title = q(j.at("title"));
  c.x_title = q(j.at("x_title"));
  c.y_title = q(j.at("y_title"));
  c.log_x = j.at("log_x").get<bool>();
  c.log_y = j.at("log_y").get<bool>();
  c.series = series_of(j.at("series"));
  if (j.contains("reference")) {
    c.has_reference = true;
    c.reference_name = q(j.at("reference").at("name"));
    c.reference_y = j.at("reference").at("y").get<double>();
  }
  if (j.contains("vertical_reference")) {
    c.has_vreference = true;
    c.vreference_name = q(j.at("vertical_reference").at("name"));
    c.vreference_x = j.at("vertical_reference").at("x").get<double>();
  }
  return c;
}

Json table_json(const QTableWidget* t) {
  Json j = Json::object();
  Json headers = Json::array();
  for (int c = 0; c < t->columnCount(); ++c)
    headers.push_back(t->horizontalHeaderItem(c) ? s(t->horizontalHeaderItem(c)->text()) : "");
  j["columns"] = headers;
  Json rows = Json::array();
  for (int r = 0; r < t->rowCount(); ++r) {
    Json row = Json::array();
    for (int c = 0; c < t->columnCount(); ++c) row.push_back(t->item(r, c) ? s(t->item(r, c)->text()) : "");
    rows.push_back(row);
  }
  j["rows"] = rows;
  return j;
}
void set_table(QTableWidget* t, const Json& j) {
  const auto& rows = j.at("rows");
  t->setRowCount(static_cast<int>(rows.size()));
  for (int r = 0; r < t->rowCount(); ++r) {
    const auto& row = rows.at(static_cast<size_t>(r));
    for (int c = 0; c < t->columnCount() && c < static_cast<int>(row.size()); ++c)
      t->setItem(r, c, new QTableWidgetItem(q(row.at(static_cast<size_t>(c)))));
  }
}

// A panel's own settings, keyed by widget kind and position in the panel (fixed within a format version).
// Each kind: its key prefix, how its value is written to JSON and read back (signals blocked).
bool own_editor(const QLineEdit* w) {  // a spin box's or combo box's own line edit
  return qobject_cast<QAbstractSpinBox*>(w->parentWidget()) || qobject_cast<QComboBox*>(w->parentWidget());
}

template <class W, class Get, class Set>
void each_input(QWidget* root, const char* kind, Json* save, const Json* load, Get get, Set set) {
  int i = 0;
  for (W* w : root->findChildren<W*>()) {
    if constexpr (std::is_same_v<W, QLineEdit>)
      if (own_editor(w)) continue;
    const std::string key = kind + std::to_string(i++);
    if (save) (*save)[key] = get(w);
    if (load && load->contains(key)) {
      const QSignalBlocker b(w);
      set(w, load->at(key));
    }
  }
}

// Saves the inputs under `root` into `save`, or restores them from `load`.
void panel_inputs(QWidget* root, Json* save, const Json* load) {
  each_input<QSpinBox>(
      root, "spin", save, load, [](QSpinBox* w) { return Json(w->value()); },
      [](QSpinBox* w, const Json& v) { w->setValue(v.get<int>()); });
  each_input<QDoubleSpinBox>(
      root, "double", save, load, [](QDoubleSpinBox* w) { return Json(w->value()); },
      [](QDoubleSpinBox* w, const Json& v) { w->setValue(v.get<double>()); });
  each_input<QComboBox>(
      root, "combo", save, load, [](QComboBox* w) { return Json(s(w->currentText())); },
      [](QComboBox* w, const Json& v) { w->setCurrentText(q(v)); });
  each_input<QCheckBox>(
      root, "check", save, load, [](QCheckBox* w) { return Json(w->isChecked()); },
      [](QCheckBox* w, const Json& v) { w->setChecked(v.get<bool>()); });
  each_input<QLineEdit>(
      root, "line", save, load, [](QLineEdit* w) { return Json(s(w->text())); },
      [](QLineEdit* w, const Json& v) { w->setText(q(v)); });
  each_input<QListWidget>(
      root, "list", save, load,
      [](QListWidget* w) {
        Json checked = Json::array();
        for (int r = 0; r < w->count(); ++r) checked.push_back(w->item(r)->checkState() == Qt::Checked);
        return checked;
      },
      [](QListWidget* w, const Json& checked) {
        for (int r = 0; r < w->count() && r < static_cast<int>(checked.size()); ++r)
          w->item(r)->setCheckState(checked.at(static_cast<size_t>(r)).get<bool>() ? Qt::Checked
                                                                                   : Qt::Unchecked);
      });
}
Json inputs_json(QWidget* root) {
  Json j = Json::object();
  panel_inputs(root, &j, nullptr);
  return j;
}
void set_inputs(QWidget* root, const Json& j) { panel_inputs(root, nullptr, &j); }

// The file path inside a model spec (a .pt file) or a data spec (csv:PATH, npy:, npz:, images:), or "".
QString file_of_model(const QString& model) {
  return model.endsWith(".pt") || model.endsWith(".pth") ? model : QString();
}
QString file_of_data(const QString& data) {
  for (const char* kind : {"csv:", "npy:", "npz:", "images:"})
    if (data.startsWith(kind)) return data.mid(int(strlen(kind))).section(',', 0, 0);
  return {};
}

}  // namespace

std::string MainWindow::sessionText() const {
  Json j = Json::object();
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["app"] = std::string("TangentScope ") + TS_VERSION;
  j["saved"] = s(QDateTime::currentDateTime().toString(Qt::ISODate));
  Json form = Json::object();
  form["model"] = s(model_->text());
  form["data"] = s(data_->text());
  form["input_shape"] = s(input_shape_->text());
  form["output"] = s(output_->text());
  form["params"] = s(params_->text());
  Json methods = Json::array();
  for (const auto& m : checkedMethods()) methods.push_back(s(m));
  form["methods"] = methods;
  form["matvecs"] = matvecs_->value();
  form["seed"] = seed_->value();
  form["dtype"] = s(dtype_->currentText());
  form["device"] = s(device_->currentText());
  form["exact"] = exact_->isChecked();
  form["tol"] = tol_->value();
  form["repeats"] = repeats_->value();
  form["threads"] = threads_->value();
  form["data_n"] = data_n_->value();
  form["epochs"] = epochs_->value();
  form["learning_rate"] = s(lr_->currentText());
  form["exact_per_snapshot"] = dynamics_exact_->isChecked();
  form["memory_budget"] = memory_budget_;
  j["form"] = form;
  j["panels"] = {
      {"pntk", inputs_json(pntk_)}, {"active_learning", inputs_json(al_)}, {"layers", inputs_json(layers_)}};
  j["view"] = {{"tab", tabs_->currentIndex()}, {"theme", s(theme_)}};
  Json charts = Json::array();
  for (const ChartView* c : findChildren<ChartView*>()) charts.push_back(chart_json(c->content()));
  j["charts"] = charts;
  Json maps = Json::array();
  for (const HeatMap* h : findChildren<HeatMap*>()) {
    Json m = Json::object();
    m["title"] = s(h->title());
    m["size"] = h->matrixSize();
    m["values"] = std::vector<double>(h->values().begin(), h->values().end());
    m["boundaries"] = std::vector<double>(h->boundaries().begin(), h->boundaries().end());
    m["note"] = s(h->note());
    maps.push_back(m);
  }
  j["heat_maps"] = maps;
  const LayersPanel::Bars bars = layers_->bars();
  Json b = Json::object();
  Json names = Json::array();
  for (const auto& n : bars.names) names.push_back(s(n));
  b["names"] = names;
  b["shares"] = std::vector<double>(bars.shares.begin(), bars.shares.end());
  b["axis_title"] = s(bars.axis_title);
  j["layer_bars"] = b;
  Json gallery = Json::array();
  for (const auto& c : al_->galleryCycles()) gallery.push_back(to_json(c));
  j["al_gallery"] = {{"strategy", s(al_->galleryStrategy())}, {"cycles", gallery}};
  Json tables = Json::array();
  for (const QTableWidget* t : findChildren<QTableWidget*>())
    if (t != run_log_ && t != pins_table_) tables.push_back(table_json(t));
  j["tables"] = tables;
  Json labels = Json::object();
  for (const char* name : kLabels)
    if (auto* l = findChild<QLabel*>(name)) labels[name] = s(l->text());
  j["labels"] = labels;
  Json runs = Json::array();
  const QList<int> pinned = run_log_->pinnedRows();
  for (int r = 0; r < run_log_->runs(); ++r) {
    Json run = Json::object();
    run["time"] = s(run_log_->item(r, 0)->text());
    run["config"] = to_json(run_log_->config(r));
    run["seconds"] = run_log_->item(r, 3)->text().toDouble();
    run["summary"] = s(run_log_->item(r, 4)->text());
    run["pinned"] = pinned.contains(r);
    run["curves"] = {{"convergence", series_json(run_log_->curves(r).convergence)},
                     {"speed", series_json(run_log_->curves(r).speed)}};
    runs.push_back(run);
  }
  j["run_log"] = runs;
  if (const CompareResult* r = lastCompare())
    j["result"] = to_json(*r);
  else if (!restored_result_.empty())
    j["result"] = parse_json(restored_result_, "the session's result");
  return json_text(j, 1) + "\n";
}

QString MainWindow::saveSession(const QString& path) {
  try {
    write_text_file(s(path), sessionText());
  } catch (const ts::Error& e) {
    return QString::fromUtf8(e.what());
  }
  session_path_ = path;
  dirty_ = false;
  rememberSession(path);
  setWindowTitle("TangentScope — " + QFileInfo(path).fileName());
  statusBar()->showMessage("Session saved: " + path);
  return {};
}

QString MainWindow::openSession(const QString& path) {
  std::ifstream in(s(path), std::ios::binary);
  if (!in) return "cannot open the session file '" + path + "'";
  std::stringstream buffer;
  buffer << in.rdbuf();
  const QString err = applySessionText(buffer.str(), path);
  if (!err.isEmpty()) return err;
  session_path_ = path;
  dirty_ = false;
  rememberSession(path);
  setWindowTitle("TangentScope — " + QFileInfo(path).fileName());
  return {};
}

QString MainWindow::applySessionText(const std::string& text, const QString& path) {
  const std::string what = "session '" + s(path) + "'";
  Json j;
  QList<ChartView::Content> charts;
  QList<CompareRequest> configs;
  std::vector<AlCycle> gallery;
  try {
    j = parse_json(text, what);
    if (!j.is_object() || j.value("format", "") != kFormat)
      throw InputError(what + ": not a TangentScope session (no \"format\": \"" + kFormat + "\")");
    const int version = j.value("version", 0);
    if (version < 1 || version > kVersion)
      throw InputError(what + ": format version " + std::to_string(version) +
                       ", but this TangentScope reads " + "version " + std::to_string(kVersion) +
                       (version > kVersion ? " (it is newer)" : ""));
    // Everything is read before anything is shown: a damaged file changes nothing.
    for (const auto& c : j.at("charts")) charts << chart_of(c);
    if (charts.size() != findChildren<ChartView*>().size() ||
        j.at("tables").size() != size_t(findChildren<QTableWidget*>().size() - 2) ||
        j.at("heat_maps").size() != size_t(findChildren<HeatMap*>().size()))
      throw InputError(what + ": its charts and tables do not match this version's");
    for (const auto& run : j.at("run_log"))
      configs << compare_request_from_json(run.at("config"), what + " run log");
    for (const auto& t : j.at("tables")) (void)t.at("rows").size();
    if (j.contains("al_gallery"))
      for (const auto& c : j.at("al_gallery").at("cycles"))
        gallery.push_back(al_cycle_of(c, what + " gallery"));
    (void)j.at("form").at("model").get<std::string>();
    if (j.contains("result")) (void)compare_request_from_json(j.at("result").at("config"), what + " result");
  } catch (const ts::Error& e) {
    return QString::fromUtf8(e.what());
  } catch (const nlohmann::json::exception& e) {
    return QString::fromStdString(what + ": a value is missing or has the wrong type (" + e.what() + ")");
  }

  try {
    const Json& form = j.at("form");
    QString model = q(form.at("model")), data = q(form.at("data"));
    // A model or data file that moved: say so, and let the user point to it.
    const QString model_file = file_of_model(model), data_file = file_of_data(data);
    if (!model_file.isEmpty() && !QFileInfo::exists(model_file)) {
      const QString found = locate_prompt_ ? locate_prompt_(model_file) : QString();
      if (!found.isEmpty()) model = found;
      statusBar()->showMessage(found.isEmpty() ? "The session's model file is missing: " + model_file
                                               : "Model file moved: now " + found);
    }
    if (!data_file.isEmpty() && !QFileInfo::exists(data_file)) {
      const QString found = locate_prompt_ ? locate_prompt_(data_file) : QString();
      if (!found.isEmpty()) data.replace(data.indexOf(data_file), data_file.size(), found);
    }
    const QSignalBlocker b1(slider_), b2(matvecs_), b3(data_n_), b4(methods_);
    data_n_->setValue(form.value("data_n", data_n_->value()));
    setProblem(model, data, q(form.at("input_shape")));
    output_->setText(q(form.at("output")));
    params_->setText(q(form.at("params")));
    QStringList methods;
    for (const auto& m : form.at("methods")) methods << q(m);
    setMethods(methods);
    slider_->setValue(form.at("matvecs").get<int>());
    matvecs_->setValue(form.at("matvecs").get<int>());
    seed_->setValue(form.at("seed").get<int>());
    dtype_->setCurrentText(q(form.at("dtype")));
    device_->setCurrentText(q(form.at("device")));
    exact_->setChecked(form.at("exact").get<bool>());
    tol_->setValue(form.at("tol").get<double>());
    repeats_->setValue(form.at("repeats").get<int>());
    threads_->setValue(form.at("threads").get<int>());
    epochs_->setValue(form.value("epochs", epochs_->value()));
    lr_->setCurrentText(QString::fromStdString(form.value("learning_rate", s(lr_->currentText()))));
    dynamics_exact_->setChecked(form.value("exact_per_snapshot", dynamics_exact_->isChecked()));
    memory_budget_ = form.value("memory_budget", memory_budget_);
    if (j.contains("panels")) {
      set_inputs(pntk_, j["panels"].value("pntk", Json::object()));
      set_inputs(al_, j["panels"].value("active_learning", Json::object()));
      set_inputs(layers_, j["panels"].value("layers", Json::object()));
    }
    const auto chart_views = findChildren<ChartView*>();
    for (int i = 0; i < chart_views.size(); ++i) chart_views[i]->setContent(charts[i]);
    const auto maps = findChildren<HeatMap*>();
    for (int i = 0; i < maps.size(); ++i) {
      const Json& m = j.at("heat_maps").at(static_cast<size_t>(i));
      const auto values = m.at("values").get<std::vector<double>>();
      const auto bounds = m.at("boundaries").get<std::vector<double>>();
      if (m.at("size").get<int>() == 0)
        maps[i]->clear();
      else
        maps[i]->setMatrix(m.at("size").get<int>(), QList<double>(values.begin(), values.end()),
                           QList<double>(bounds.begin(), bounds.end()), q(m.at("note")));
    }
    if (j.contains("layer_bars")) {
      LayersPanel::Bars bars;
      for (const auto& n : j["layer_bars"].at("names")) bars.names << q(n);
      const auto shares = j["layer_bars"].at("shares").get<std::vector<double>>();
      bars.shares = QList<double>(shares.begin(), shares.end());
      bars.axis_title = q(j["layer_bars"].at("axis_title"));
      layers_->setBars(bars);
    }
    al_->restoreGallery(gallery, j.contains("al_gallery") ? q(j["al_gallery"].at("strategy")) : QString());
    int t = 0;
    for (QTableWidget* table : findChildren<QTableWidget*>())
      if (table != run_log_ && table != pins_table_)
        set_table(table, j.at("tables").at(static_cast<size_t>(t++)));
    for (const auto& [name, text] : j.at("labels").items())
      if (auto* l = findChild<QLabel*>(QString::fromStdString(name))) l->setText(q(text));
    run_log_->reset();
    int r = 0;
    for (const auto& run : j.at("run_log")) {
      RunLog::Curves curves;
      if (run.contains("curves")) {
        curves.convergence = series_of(run.at("curves").at("convergence"));
        curves.speed = series_of(run.at("curves").at("speed"));
      }
      run_log_->add(configs[r++], run.at("seconds").get<double>(), q(run.at("summary")), q(run.at("time")),
                    curves, run.value("pinned", false));
    }
    updatePinTable();
    last_compare_.reset();
    restored_result_ = j.contains("result") ? json_text(j.at("result")) : std::string();
    if (j.contains("view")) {
      tabs_->setCurrentIndex(j["view"].value("tab", 0));
      setTheme(QString::fromStdString(j["view"].value("theme", s(theme_))));
    }
  } catch (const std::exception& e) {
    return "session '" + path + "': " + QString::fromUtf8(e.what());
  }
  updateCost();
  statusBar()->showMessage("Session opened: " + path);
  Q_EMIT sessionOpened(path);
  return {};
}

void MainWindow::newSession() {
  for (ChartView* c : findChildren<ChartView*>()) {
    ChartView::Content empty = c->content();
    empty.series.clear();
    empty.has_reference = empty.has_vreference = false;
    c->setContent(empty);
  }
  for (HeatMap* h : findChildren<HeatMap*>()) h->clear();
  layers_->setBars({});
  al_->restoreGallery({}, {});
  for (QTableWidget* t : findChildren<QTableWidget*>())
    if (t != run_log_) t->setRowCount(0);
  run_log_->reset();
  last_compare_.reset();
  restored_result_.clear();
  result_->setText("tr K = …");
  details_->clear();
  session_path_.clear();
  dirty_ = false;
  setWindowTitle("TangentScope");
  statusBar()->showMessage("New session");
}

QString MainWindow::autosavePath() const {
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/autosave.tsession";
}

void MainWindow::autosaveNow() {
  if (!dirty_) return;
  QDir().mkpath(QFileInfo(autosavePath()).path());
  try {
    write_text_file(s(autosavePath()), sessionText());
    dirty_ = false;
  } catch (const ts::Error& e) {
    statusBar()->showMessage("Autosave failed: " + QString::fromUtf8(e.what()));
  }
}

bool MainWindow::offerRecovery() {
  const QString path = autosavePath();
  if (!QFileInfo::exists(path)) return false;
  const bool yes = recover_prompt_ ? recover_prompt_(path) : false;
  if (!yes) {
    QFile::remove(path);
    return false;
  }
  const QString err = openSession(path);
  session_path_.clear();  // recovered, not yet saved anywhere by the user
  setWindowTitle("TangentScope — recovered session");
  if (!err.isEmpty()) {
    statusBar()->showMessage("Cannot recover the last session: " + err);
    return false;
  }
  dirty_ = true;
  return true;
}

void MainWindow::rememberSession(const QString& path) {
  if (path == autosavePath()) return;
  recent_sessions_.removeAll(path);
  recent_sessions_.prepend(path);
  while (recent_sessions_.size() > 8) recent_sessions_.removeLast();
  if (persist_) QSettings().setValue("recent_sessions", recent_sessions_);
  rebuildRecentSessions();
}

void MainWindow::rebuildRecentSessions() {
  if (!recent_sessions_menu_) return;
  recent_sessions_menu_->clear();
  for (const auto& path : recent_sessions_)
    recent_sessions_menu_->addAction(path, this, [this, path] {
      const QString err = openSession(path);
      if (!err.isEmpty()) Q_EMIT failureShown(err);
    });
  recent_sessions_menu_->setEnabled(!recent_sessions_.isEmpty());
}

}  // namespace ts::ui
