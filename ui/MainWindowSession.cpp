// Sessions (docs/FORMATS.md "Sessions"): the form, every chart, heat map, table and result label, the run log
// with each run's configuration and the last comparison's full result, in one versioned JSON file. Opening
// one shows exactly what was saved, without recomputing. Autosave writes the same file to the app's data
// folder; it is removed at a clean exit, so finding it at launch means the last session ended in a crash.
#include <QAbstractButton>
#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>

#include <algorithm>
#include <climits>
#include <fstream>

#include "AlPanel.h"
#include "ChartView.h"
#include "ComparisonView.h"
#include "EstimatorPanel.h"
#include "HeatMap.h"
#include "LayersPanel.h"
#include "MainWindow.h"
#include "PntkPanel.h"
#include "ProblemPanel.h"
#include "RunLog.h"
#include "RunsPanel.h"
#include "SessionWidgets.h"
#include "TrainingPanel.h"
#include "WindowMenus.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "io/OutputFiles.h"
#include "jobs/CompareJob.h"
#include "results/ResultJson.h"
#include "session/SessionFile.h"

namespace ts::ui {

namespace {

std::string s(const QString& q) { return q.toStdString(); }
QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

std::string MainWindow::sessionText() const {
  session::Session j;
  j.app = std::string("TangentScope ") + TS_VERSION;
  j.saved = s(QDateTime::currentDateTime().toString(Qt::ISODate));
  session::Form& form = j.form;
  form.model = s(problem_->model());
  form.data = s(problem_->data());
  form.input_shape = s(problem_->inputShape());
  form.output = s(problem_->output());
  form.params = s(problem_->params());
  const EstimatorSettings e = estimators_->settings();
  for (const auto& m : e.methods) form.methods.push_back(s(m));
  form.matvecs = e.matvecs;
  form.seed = e.seed;
  form.dtype = s(e.dtype);
  form.device = s(e.device);
  form.exact = e.exact;
  form.tol = e.tol;
  form.repeats = e.repeats;
  form.threads = e.threads;
  form.data_n = problem_->dataN();
  form.problem_seed = problem_->problemSeed();
  form.epochs = training_->epochs();
  form.learning_rate = s(training_->learningRate());
  form.exact_per_snapshot = training_->exactPerSnapshot();
  form.memory_budget = memory_budget_;
  j.panels = session::Panels{inputs_of(pntk_), inputs_of(al_), inputs_of(layers_), inputs_of(runs_)};
  if (!runs_->runs().isEmpty()) {
    auto& runs = j.runs.emplace();
    for (const QString& dir : runs_->runs()) runs.push_back(s(dir));
  }
  j.view = session::View{tabs_->currentIndex(), s(tabs_->tabText(tabs_->currentIndex())), s(theme_)};
  for (const ChartView* c : sessionCharts()) {
    j.charts.push_back(chart_of(c->content()));
    j.charts.back().name = s(c->objectName());
  }
  for (const HeatMap* h : findChildren<HeatMap*>()) {
    session::HeatMap m;
    m.name = s(h->objectName());
    m.title = s(h->title());
    m.size = h->matrixSize();
    m.values.assign(h->values().begin(), h->values().end());
    m.boundaries.assign(h->boundaries().begin(), h->boundaries().end());
    m.note = s(h->note());
    j.heat_maps.push_back(std::move(m));
  }
  const LayersPanel::Bars bars = layers_->bars();
  session::LayerBars& b = j.layer_bars.emplace();
  for (const auto& n : bars.names) b.names.push_back(s(n));
  b.shares.assign(bars.shares.begin(), bars.shares.end());
  b.axis_title = s(bars.axis_title);
  j.al_gallery = session::Gallery{s(al_->galleryStrategy()), al_->galleryCycles()};
  for (const QTableWidget* t : sessionTables())
    if (t != run_log_ && t != comparison_->pinsTable()) {
      j.tables.push_back(table_of(t));
      j.tables.back().name = s(t->objectName());
    }
  for (auto& [name, slot] : session::label_slots(j.labels))
    if (auto* l = findChild<QLabel*>(name)) *slot = s(l->text());
  const QList<int> pinned = run_log_->pinnedRows();
  for (int r = 0; r < run_log_->runs(); ++r) {
    session::Run run;
    run.time = s(run_log_->item(r, 0)->text());
    run.config = run_log_->config(r);
    run.seconds = run_log_->item(r, 3)->text().toDouble();
    run.summary = s(run_log_->item(r, 4)->text());
    run.pinned = pinned.contains(r);
    run.curves =
        session::RunCurves{series_of(run_log_->curves(r).convergence), series_of(run_log_->curves(r).speed)};
    j.run_log.push_back(std::move(run));
  }
  if (const CompareResult* r = lastCompare())
    j.result = session::SavedResult{to_json(*r)};
  else if (!restored_result_.empty())
    j.result = session::SavedResult{parse_json(restored_result_, "the session's result")};
  return session::session_text(j);
}

QString MainWindow::saveSession(const QString& path) {
  try {
    write_text_file(s(path), sessionText());
  } catch (const ts::Error& e) {
    return QString::fromUtf8(e.what());
  }
  session_path_ = path;
  dirty_ = false;
  unsaved_ = false;
  rememberSession(path);
  setWindowTitle("TangentScope — " + QFileInfo(path).fileName());
  statusBar()->showMessage("Session saved: " + path);
  return {};
}

QString MainWindow::openSession(const QString& path) {
  // A session is read whole: refuse what is not a file, or is larger than any session, before reading.
  const QFileInfo info(path);
  if (info.exists() && !info.isFile()) return "session '" + path + "' is not a regular file";
  if (info.size() > qint64(session::kMaxBytes))
    return QString("session '%1' is %2 bytes, more than the %3 MiB a session may hold")
        .arg(path)
        .arg(info.size())
        .arg(qint64(session::kMaxBytes >> 20));
  // Read in one piece at its size (a string stream took 0.45 s of the 1.4 s a 60 MB session needed).
  std::ifstream in(s(path), std::ios::binary | std::ios::ate);
  if (!in) return "cannot open the session file '" + path + "'";
  std::string text(size_t(std::max<std::streamoff>(0, in.tellg())), '\0');
  in.seekg(0);
  if (!in.read(text.data(), std::streamsize(text.size())))
    return "cannot read the session file '" + path + "'";
  const QString err = applySessionText(text, path);
  if (!err.isEmpty()) return err;
  session_path_ = path;
  dirty_ = false;
  unsaved_ = false;
  rememberSession(path);
  setWindowTitle("TangentScope — " + QFileInfo(path).fileName());
  return {};
}

QString MainWindow::applySessionText(const std::string& text, const QString& path) {
  // Everything is read and checked before anything is shown: a damaged file changes nothing.
  session::Session file;
  try {
    session::WindowParts window;
    for (const ChartView* c : sessionCharts()) window.charts.push_back(s(c->objectName()));
    for (const QTableWidget* t : sessionTables())
      if (t != run_log_ && t != comparison_->pinsTable()) window.tables.push_back(s(t->objectName()));
    for (const HeatMap* h : findChildren<HeatMap*>()) window.heat_maps.push_back(s(h->objectName()));
    file = session::read_session(text, "session '" + s(path) + "'", window);
  } catch (const ts::Error& e) {
    return QString::fromUtf8(e.what());
  }
  if (file.panels) {  // each named setting must fit its widget, before any is set
    const std::pair<QWidget*, const std::optional<session::PanelInputs>*> tabs[] = {
        {pntk_, &file.panels->pntk},
        {al_, &file.panels->active_learning},
        {layers_, &file.panels->layers},
        {runs_, &file.panels->runs}};
    const char* names[] = {"pntk", "active_learning", "layers", "runs"};
    for (int t = 0; t < 4; ++t) {
      if (!*tabs[t].second) continue;
      const QString problem = misfit(**tabs[t].second, tabs[t].first, QString("panels.") + names[t]);
      if (!problem.isEmpty()) return "session '" + path + "': " + problem;
    }
  }

  try {
    applyForm(file.form);
    if (file.panels) {
      if (file.panels->pntk) set_inputs(pntk_, *file.panels->pntk);
      if (file.panels->active_learning) set_inputs(al_, *file.panels->active_learning);
      if (file.panels->layers) set_inputs(layers_, *file.panels->layers);
    }
    applyShown(file);
    applyRuns(file);  // first: a run lends the tab its metrics' settings, which the session's then replace
    if (file.panels && file.panels->runs) set_inputs(runs_, *file.panels->runs);
    runs_->redrawAll();
  } catch (const std::exception& e) {
    return "session '" + path + "': " + QString::fromUtf8(e.what());
  }
  estimators_->updateCost();
  statusBar()->showMessage("Session opened: " + path);
  Q_EMIT sessionOpened(path);
  return {};
}

// The training runs the session followed, read again from their folders (they hold the analysed metrics); a
// folder that is gone is named, and the session opens without it.
void MainWindow::applyRuns(const session::Session& file) {
  for (const QString& dir : runs_->runs()) runs_->closeRun(dir);
  QStringList missing;
  for (const auto& dir : file.runs.value_or(std::vector<std::string>{})) {
    const QString err = runs_->openRun(q(dir));
    if (!err.isEmpty()) missing << err;
  }
  if (!missing.isEmpty()) statusBar()->showMessage("Runs not opened: " + missing.join("; "));
}

// The control panel and the Training tab's settings; a model or data file that moved is located first.
void MainWindow::applyForm(const session::Form& form) {
  QString model = q(form.model), data = q(form.data);
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
  if (form.data_n) problem_->setDataN(*form.data_n);
  problem_->setProblemSeed(form.problem_seed.value_or(form.seed));
  setProblem(model, data, q(form.input_shape));
  problem_->setOutput(q(form.output));
  problem_->setParams(q(form.params));
  EstimatorSettings e;
  for (const auto& m : form.methods) e.methods << q(m);
  e.matvecs =
      form.matvecs;  // below the ticked estimators' calibrated minimum (an older session): raised to it
  e.seed = form.seed;
  e.dtype = q(form.dtype);
  e.device = q(form.device);
  e.exact = form.exact;
  e.tol = form.tol;
  e.repeats = form.repeats;
  e.threads = form.threads;
  estimators_->apply(e);
  if (form.epochs) training_->setEpochs(*form.epochs);
  if (form.learning_rate) training_->setLearningRate(q(*form.learning_rate));
  if (form.exact_per_snapshot) training_->setExactPerSnapshot(*form.exact_per_snapshot);
  if (form.memory_budget) memory_budget_ = *form.memory_budget;
}

// What the session shows: charts, heat maps, the layer bars, the gallery, tables, labels, the run log, the
// last result and the view.
void MainWindow::applyShown(session::Session& file) {
  // Every part is named (read_session named a version-1 file's by position); one the file lacks is cleared.
  const auto saved = [](const auto& parts, const QObject* w) {
    for (const auto& p : parts)
      if (p.name && *p.name == w->objectName().toStdString()) return &p;
    return static_cast<decltype(&parts.front())>(nullptr);
  };
  for (ChartView* c : sessionCharts())
    if (const session::Chart* ch = saved(file.charts, c))
      c->setContent(content_of(*ch));
    else
      c->clearAll();
  for (HeatMap* h : findChildren<HeatMap*>()) {
    const session::HeatMap* m = saved(file.heat_maps, h);
    if (!m || m->size == 0)
      h->clear();
    else
      h->setMatrix(int(m->size), QList<double>(m->values.begin(), m->values.end()),
                   QList<double>(m->boundaries.begin(), m->boundaries.end()), q(m->note));
  }
  if (file.layer_bars) {
    LayersPanel::Bars bars;
    for (const auto& n : file.layer_bars->names) bars.names << q(n);
    bars.shares = QList<double>(file.layer_bars->shares.begin(), file.layer_bars->shares.end());
    bars.axis_title = q(file.layer_bars->axis_title);
    layers_->setBars(bars);
  }
  al_->restoreGallery(file.al_gallery ? file.al_gallery->cycles : std::vector<AlCycle>{},
                      file.al_gallery ? q(file.al_gallery->strategy) : QString());
  for (QTableWidget* table : sessionTables())
    if (table != run_log_ && table != comparison_->pinsTable()) {
      const session::Table* t = saved(file.tables, table);
      set_table(table, t ? *t : session::Table{});
    }
  for (auto& [name, slot] : session::label_slots(file.labels))
    if (auto* l = findChild<QLabel*>(name); l && slot->has_value()) l->setText(q(**slot));
  run_log_->reset();
  for (const session::Run& run : file.run_log) {
    RunLog::Curves curves;
    if (run.curves) {
      curves.convergence = qseries(run.curves->convergence);
      curves.speed = qseries(run.curves->speed);
    }
    run_log_->add(run.config, run.seconds, q(run.summary), q(run.time), curves, run.pinned);
  }
  comparison_->updatePins();
  comparison_->setLast(nullptr);
  restored_result_ = file.result ? json_text(file.result->json) : std::string();
  if (file.view) {
    int tab = file.view->tab.value_or(0);
    for (int i = 0; file.view->tab_name && i < tabs_->count(); ++i)
      if (tabs_->tabText(i) == q(*file.view->tab_name)) tab = i;
    tabs_->setCurrentIndex(tab);
    setTheme(file.view->theme ? q(*file.view->theme) : theme_);
  }
}

// The Runs tab's chart and table show the run folders on disk, which the session names (`runs`): they are not
// among the charts and tables a session holds, whose number is the window's since the first version.
QList<ChartView*> MainWindow::sessionCharts() const {
  QList<ChartView*> out;
  for (ChartView* c : findChildren<ChartView*>())
    if (!runs_->isAncestorOf(c)) out << c;
  return out;
}
QList<QTableWidget*> MainWindow::sessionTables() const {
  QList<QTableWidget*> out;
  for (QTableWidget* t : findChildren<QTableWidget*>())
    if (!runs_->isAncestorOf(t)) out << t;
  return out;
}

void MainWindow::newSession() {
  for (const QString& dir : runs_->runs()) runs_->closeRun(dir);
  for (ChartView* c : sessionCharts()) {
    ChartView::Content empty = c->content();
    empty.series.clear();
    empty.has_reference = empty.has_vreference = false;
    c->setContent(empty);
  }
  for (HeatMap* h : findChildren<HeatMap*>()) h->clear();
  layers_->setBars({});
  al_->restoreGallery({}, {});
  for (QTableWidget* t : sessionTables())
    if (t != run_log_) t->setRowCount(0);
  run_log_->reset();
  comparison_->setLast(nullptr);
  restored_result_.clear();
  comparison_->resultLabel()->setText("tr K = …");
  comparison_->detailsLabel()->clear();
  session_path_.clear();
  dirty_ = false;
  unsaved_ = false;
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
  unsaved_ = true;
  return true;
}

bool MainWindow::confirmDiscard(const QString& action) {
  if (!unsaved_) return true;
  const QMessageBox::StandardButton answer =
      discard_prompt_
          ? discard_prompt_(action)
          : QMessageBox::question(
                this, "Unsaved results",
                "The results of this session are not saved. Save them before you " + action + "?",
                QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Discard) return true;
  if (answer != QMessageBox::Save) return false;
  QString path = session_path_;
  if (path.isEmpty()) {
    path = QFileDialog::getSaveFileName(this, "Save session", "session.tsession",
                                        "TangentScope sessions (*.tsession)");
    if (path.isEmpty()) return false;
    if (QFileInfo(path).suffix().isEmpty()) path += ".tsession";
  }
  const QString err = saveSession(path);
  if (!err.isEmpty()) QMessageBox::warning(this, "Save session failed", err);
  return err.isEmpty();
}

void MainWindow::closeEvent(QCloseEvent* e) {
  if (persist_ && !confirmDiscard("quit")) {
    e->ignore();
    return;
  }
  QMainWindow::closeEvent(e);
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
  if (menus_) menus_->setRecentSessions(recent_sessions_);
}

}  // namespace ts::ui
