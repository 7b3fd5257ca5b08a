// Sessions (docs/FORMATS.md "Sessions"): the form, every chart, heat map, table and result label, the run log
// with each run's configuration and the last comparison's full result, in one versioned JSON file. Opening
// one shows exactly what was saved, without recomputing. Autosave writes the same file to the app's data
// folder; it is removed at a clean exit, so finding it at launch means the last session ended in a crash
// (WindowSessionSafety.cpp: autosave, recovery, the unsaved-results prompt, recent sessions).
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
#include "ProblemCaption.h"
#include "ProblemPanel.h"
#include "RunLog.h"
#include "RunsPanel.h"
#include "SessionWidgets.h"
#include "TrainingPanel.h"
#include "WindowMenus.h"
#include "WindowSession.h"
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

session::Form WindowSession::form() const {
  session::Form form;
  form.model = s(w_->problemPanel()->model());
  form.data = s(w_->problemPanel()->data());
  form.input_shape = s(w_->problemPanel()->inputShape());
  form.output = s(w_->problemPanel()->output());
  form.params = s(w_->problemPanel()->params());
  const EstimatorSettings e = w_->estimatorPanel()->settings();
  for (const auto& m : e.methods) form.methods.push_back(s(m));
  form.matvecs = e.matvecs;
  form.seed = e.seed;
  form.dtype = s(e.dtype);
  form.device = s(e.device);
  form.exact = e.exact;
  form.tol = e.tol;
  form.repeats = e.repeats;
  form.threads = e.threads;
  form.data_n = w_->problemPanel()->dataN();
  form.problem_seed = w_->problemPanel()->problemSeed();
  form.epochs = w_->trainingPanel()->epochs();
  form.learning_rate = s(w_->trainingPanel()->learningRate());
  form.exact_per_snapshot = w_->trainingPanel()->exactPerSnapshot();
  form.memory_budget = w_->memoryBudget();
  return form;
}

std::vector<session::Run> WindowSession::runLogRows() const { return runs_of(*w_->runLog()); }

void WindowSession::showRunLog(const std::vector<session::Run>& rows) {
  show_runs(*w_->runLog(), rows);
  w_->comparison()->updatePins();
}

QString WindowSession::runLogPath() const {
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/run_log.tsession";
}

QString WindowSession::keepRunLog() const {
  session::Session kept;
  kept.run_log = runLogRows();
  // The newest runs only, so that a log kept over many launches stays quick to read (sessions keep them all).
  constexpr size_t kKept = 500;
  if (kept.run_log.size() > kKept) kept.run_log.erase(kept.run_log.begin(), kept.run_log.end() - kKept);
  try {
    QDir().mkpath(QFileInfo(runLogPath()).path());
    write_text_file(s(runLogPath()), session::session_text(kept));
  } catch (const ts::Error& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

QString WindowSession::restoreRunLog() {
  if (!QFileInfo::exists(runLogPath())) return {};
  try {
    std::ifstream in(s(runLogPath()), std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    showRunLog(
        session::read_session(text, "the run log kept from the last launch ('" + s(runLogPath()) + "')")
            .run_log);
  } catch (const ts::Error& e) {
    return QString::fromUtf8(
        e.what());  // a damaged file: the run log starts empty, and the status bar says why
  }
  return {};
}

std::string WindowSession::text() const {
  session::Session j;
  j.app = std::string("TangentScope ") + TS_VERSION;
  j.saved = s(QDateTime::currentDateTime().toString(Qt::ISODate));
  j.form = form();
  j.panels = session::Panels{inputs_of(w_->pntkPanel()), inputs_of(w_->alPanel()),
                             inputs_of(w_->layersPanel()), inputs_of(w_->runsPanel())};
  if (!w_->runsPanel()->runs().isEmpty()) {
    auto& runs = j.runs.emplace();
    for (const QString& dir : w_->runsPanel()->runs()) runs.push_back(s(dir));
  }
  j.view = session::View{w_->tabs()->currentIndex(), s(w_->tabs()->tabText(w_->tabs()->currentIndex())),
                         s(w_->theme())};
  for (const ChartView* c : sessionCharts()) {
    j.charts.push_back(chart_of(c->content()));
    j.charts.back().name = s(c->objectName());
  }
  for (const HeatMap* h : w_->findChildren<HeatMap*>()) {
    session::HeatMap m;
    m.name = s(h->objectName());
    m.title = s(h->title());
    m.size = h->matrixSize();
    m.values.assign(h->values().begin(), h->values().end());
    m.boundaries.assign(h->boundaries().begin(), h->boundaries().end());
    m.note = s(h->note());
    j.heat_maps.push_back(std::move(m));
  }
  const LayersPanel::Bars bars = w_->layersPanel()->bars();
  session::LayerBars& b = j.layer_bars.emplace();
  for (const auto& n : bars.names) b.names.push_back(s(n));
  b.shares.assign(bars.shares.begin(), bars.shares.end());
  if (!bars.errors.isEmpty()) b.errors.emplace(bars.errors.begin(), bars.errors.end());
  b.axis_title = s(bars.axis_title);
  j.al_gallery = session::Gallery{s(w_->alPanel()->galleryStrategy()), w_->alPanel()->galleryCycles()};
  for (const QTableWidget* t : sessionTables())
    if (t != w_->runLog() && t != w_->comparison()->pinsTable()) {
      j.tables.push_back(table_of(t));
      j.tables.back().name = s(t->objectName());
    }
  for (auto& [name, slot] : session::label_slots(j.labels))
    if (auto* l = w_->findChild<QLabel*>(name)) *slot = s(l->text());
  auto& captions = j.captions.emplace();
  for (const ProblemCaption* c : w_->findChildren<ProblemCaption*>())
    if (!c->problemKey().empty())
      captions.push_back({s(c->objectName()), c->problemKey(), s(c->problemText())});
  j.run_log = runLogRows();
  if (const CompareResult* r = w_->lastCompare())
    j.result = session::SavedResult{to_json(*r)};
  else if (!restored_result_.empty())
    j.result = session::SavedResult{parse_json(restored_result_, "the session's result")};
  return session::session_text(j);
}

QString WindowSession::save(const QString& path) {
  try {
    write_text_file(s(path), text());
  } catch (const ts::Error& e) {
    return QString::fromUtf8(e.what());
  }
  session_path_ = path;
  dirty_ = false;
  unsaved_ = false;
  rememberSession(path);
  w_->setWindowTitle("TangentScope — " + QFileInfo(path).fileName());
  w_->statusBar()->showMessage("Session saved: " + path);
  return {};
}

QString WindowSession::open(const QString& path) {
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
  const QString err = apply(text, path);
  if (!err.isEmpty()) return err;
  session_path_ = path;
  dirty_ = false;
  unsaved_ = false;
  rememberSession(path);
  w_->setWindowTitle("TangentScope — " + QFileInfo(path).fileName());
  return {};
}

QString WindowSession::apply(const std::string& text, const QString& path) {
  // Everything is read and checked before anything is shown: a damaged file changes nothing.
  session::Session file;
  try {
    session::WindowParts window;
    for (const ChartView* c : sessionCharts()) window.charts.push_back(s(c->objectName()));
    for (const QTableWidget* t : sessionTables())
      if (t != w_->runLog() && t != w_->comparison()->pinsTable())
        window.tables.push_back(s(t->objectName()));
    for (const HeatMap* h : w_->findChildren<HeatMap*>()) window.heat_maps.push_back(s(h->objectName()));
    file = session::read_session(text, "session '" + s(path) + "'", window);
  } catch (const ts::Error& e) {
    return QString::fromUtf8(e.what());
  }
  if (file.panels) {  // each named setting must fit its widget, before any is set
    const std::pair<QWidget*, const std::optional<session::PanelInputs>*> tabs[] = {
        {w_->pntkPanel(), &file.panels->pntk},
        {w_->alPanel(), &file.panels->active_learning},
        {w_->layersPanel(), &file.panels->layers},
        {w_->runsPanel(), &file.panels->runs}};
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
      if (file.panels->pntk) set_inputs(w_->pntkPanel(), *file.panels->pntk);
      if (file.panels->active_learning) set_inputs(w_->alPanel(), *file.panels->active_learning);
      if (file.panels->layers) set_inputs(w_->layersPanel(), *file.panels->layers);
    }
    applyShown(file);
    applyRuns(file);  // first: a run lends the tab its metrics' settings, which the session's then replace
    if (file.panels && file.panels->runs) set_inputs(w_->runsPanel(), *file.panels->runs);
    w_->runsPanel()->redrawAll();
  } catch (const std::exception& e) {
    return "session '" + path + "': " + QString::fromUtf8(e.what());
  }
  w_->estimatorPanel()->updateCost();
  w_->statusBar()->showMessage("Session opened: " + path);
  Q_EMIT w_->sessionOpened(path);
  return {};
}

// The training runs the session followed, read again from their folders (they hold the analysed metrics); a
// folder that is gone is named, and the session opens without it.
void WindowSession::applyRuns(const session::Session& file) {
  for (const QString& dir : w_->runsPanel()->runs()) w_->runsPanel()->closeRun(dir);
  QStringList missing;
  for (const auto& dir : file.runs.value_or(std::vector<std::string>{})) {
    const QString err = w_->runsPanel()->openRun(q(dir));
    if (!err.isEmpty()) missing << err;
  }
  if (!missing.isEmpty()) w_->statusBar()->showMessage("Runs not opened: " + missing.join("; "));
}

// The control panel and the Training tab's settings; a model or data file that moved is located first.
void WindowSession::applyForm(const session::Form& form, bool locate_moved_files) {
  QString model = q(form.model), data = q(form.data);
  // A model or data file that moved: say so, and let the user point to it.
  const QString model_file = file_of_model(model), data_file = file_of_data(data);
  if (locate_moved_files && !model_file.isEmpty() && !QFileInfo::exists(model_file)) {
    const QString found = locate_prompt_ ? locate_prompt_(model_file) : QString();
    if (!found.isEmpty()) model = found;
    w_->statusBar()->showMessage(found.isEmpty() ? "The session's model file is missing: " + model_file
                                                 : "Model file moved: now " + found);
  }
  if (locate_moved_files && !data_file.isEmpty() && !QFileInfo::exists(data_file)) {
    const QString found = locate_prompt_ ? locate_prompt_(data_file) : QString();
    if (!found.isEmpty()) data.replace(data.indexOf(data_file), data_file.size(), found);
  }
  if (form.data_n) w_->problemPanel()->setDataN(*form.data_n);
  w_->problemPanel()->setProblemSeed(form.problem_seed.value_or(form.seed));
  w_->setProblem(model, data, q(form.input_shape));
  w_->problemPanel()->setOutput(q(form.output));
  w_->problemPanel()->setParams(q(form.params));
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
  w_->estimatorPanel()->apply(e);
  if (form.epochs) w_->trainingPanel()->setEpochs(*form.epochs);
  if (form.learning_rate) w_->trainingPanel()->setLearningRate(q(*form.learning_rate));
  if (form.exact_per_snapshot) w_->trainingPanel()->setExactPerSnapshot(*form.exact_per_snapshot);
  if (form.memory_budget) w_->setMemoryBudget(*form.memory_budget);
}

// What the session shows: charts, heat maps, the layer bars, the gallery, tables, labels, the run log, the
// last result and the view.
void WindowSession::applyShown(session::Session& file) {
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
  for (HeatMap* h : w_->findChildren<HeatMap*>()) {
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
    if (file.layer_bars->errors)
      bars.errors = QList<double>(file.layer_bars->errors->begin(), file.layer_bars->errors->end());
    bars.axis_title = q(file.layer_bars->axis_title);
    w_->layersPanel()->setBars(bars);
  }
  w_->alPanel()->restoreGallery(file.al_gallery ? file.al_gallery->cycles : std::vector<AlCycle>{},
                                file.al_gallery ? q(file.al_gallery->strategy) : QString());
  for (QTableWidget* table : sessionTables())
    if (table != w_->runLog() && table != w_->comparison()->pinsTable()) {
      const session::Table* t = saved(file.tables, table);
      set_table(table, t ? *t : session::Table{});
    }
  for (auto& [name, slot] : session::label_slots(file.labels))
    if (auto* l = w_->findChild<QLabel*>(name); l && slot->has_value()) l->setText(q(**slot));
  showRunLog(file.run_log);
  // The figures are the file's, and so is the problem they were computed for (files without captions: none),
  // marked earlier when the file's form describes another.
  const ProblemSpec form = w_->currentCompareJob().problem;
  const std::vector<session::Caption> none;
  const std::vector<session::Caption>& captions = file.captions ? *file.captions : none;
  for (ProblemCaption* c : w_->findChildren<ProblemCaption*>()) {
    const auto saved = std::find_if(captions.begin(), captions.end(),
                                    [&](const session::Caption& k) { return k.name == s(c->objectName()); });
    if (saved != captions.end())
      c->restore(saved->key, q(saved->text));
    else
      c->clearProblem();
    c->compareWith(form);
  }
  w_->comparison()->setLast(nullptr);
  restored_result_ = file.result ? json_text(file.result->json) : std::string();
  if (file.view) {
    int tab = file.view->tab.value_or(0);
    for (int i = 0; file.view->tab_name && i < w_->tabs()->count(); ++i)
      if (w_->tabs()->tabText(i) == q(*file.view->tab_name)) tab = i;
    w_->tabs()->setCurrentIndex(tab);
    w_->setTheme(file.view->theme ? q(*file.view->theme) : w_->theme());
  }
}

// The Runs tab's chart and table show the run folders on disk, which the session names (`runs`): they are not
// among the charts and tables a session holds, whose number is the window's since the first version.
QList<ChartView*> WindowSession::sessionCharts() const {
  QList<ChartView*> out;
  for (ChartView* c : w_->findChildren<ChartView*>())
    if (!w_->runsPanel()->isAncestorOf(c)) out << c;
  return out;
}
QList<QTableWidget*> WindowSession::sessionTables() const {
  QList<QTableWidget*> out;
  for (QTableWidget* t : w_->findChildren<QTableWidget*>())
    if (!w_->runsPanel()->isAncestorOf(t)) out << t;
  return out;
}

void WindowSession::clear() {
  for (const QString& dir : w_->runsPanel()->runs()) w_->runsPanel()->closeRun(dir);
  for (ChartView* c : sessionCharts()) {
    ChartView::Content empty = c->content();
    empty.series.clear();
    empty.has_reference = empty.has_vreference = false;
    c->setContent(empty);
  }
  for (HeatMap* h : w_->findChildren<HeatMap*>()) h->clear();
  w_->layersPanel()->setBars({});
  w_->alPanel()->restoreGallery({}, {});
  for (QTableWidget* t : sessionTables())
    if (t != w_->runLog()) t->setRowCount(0);
  w_->runLog()->reset();
  for (ProblemCaption* c : w_->findChildren<ProblemCaption*>()) c->clearProblem();
  w_->comparison()->setLast(nullptr);
  restored_result_.clear();
  w_->comparison()->resultLabel()->setText("tr K = …");
  w_->comparison()->detailsLabel()->clear();
  session_path_.clear();
  dirty_ = false;
  unsaved_ = false;
  w_->setWindowTitle("TangentScope");
  w_->statusBar()->showMessage("New session");
}

WindowSession::WindowSession(MainWindow* window, bool persist)
    : QObject(window), w_(window), persist_(persist), autosave_(new QTimer(this)) {
  autosave_->setInterval(2 * 60000);
  connect(autosave_, &QTimer::timeout, this, &WindowSession::autosaveNow);
  locate_prompt_ = [this](const QString& missing) {
    QMessageBox::information(w_, "File moved",
                             "The session's file " + missing + " is not there any more. Point to it.");
    return QFileDialog::getOpenFileName(w_, "Locate " + QFileInfo(missing).fileName(),
                                        QFileInfo(missing).path());
  };
  recover_prompt_ = [this](const QString& path) {
    return QMessageBox::question(
               w_, "Recover session",
               "TangentScope did not exit cleanly last time. Recover the session autosaved at " +
                   QFileInfo(path).lastModified().toString("yyyy-MM-dd HH:mm") + "?") == QMessageBox::Yes;
  };
}

void WindowSession::start() {
  QSettings settings;
  recent_sessions_ = settings.value("recent_sessions").toStringList();
  if (auto* menus = w_->menus()) menus->setRecentSessions(recent_sessions_);
  const int minutes = settings.value("autosave_minutes", 2).toInt();
  autosave_->setInterval(std::max(1, minutes) * 60000);
  if (minutes > 0) autosave_->start();
  // The run log of the last launch, then (after a crash) the autosaved session, which replaces it.
  const QString err = restoreRunLog();
  if (!err.isEmpty()) w_->statusBar()->showMessage(err);
  // After a crash the autosave file is still there: offer it once the window is up.
  QTimer::singleShot(0, this, [this] { offerRecovery(); });
}

}  // namespace ts::ui
