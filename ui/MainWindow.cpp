// MainWindow, part 1: building the window and wiring it (form in MainWindowForm.cpp, results in
// MainWindowResults.cpp).
#include "MainWindow.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QIcon>
#include <QImage>
#include <QInputDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPixmap>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

#include "AlPanel.h"
#include "ChartView.h"
#include "ComparisonView.h"
#include "ContrastStyle.h"
#include "EngineClient.h"
#include "EstimatorPanel.h"
#include "FileOpener.h"
#include "FormHistory.h"
#include "LayersPanel.h"
#include "MetricsPanel.h"
#include "Palette.h"
#include "PntkPanel.h"
#include "ProblemPanel.h"
#include "RunLog.h"
#include "RunsPanel.h"
#include "SessionWidgets.h"
#include "SpectrumPanel.h"
#include "TabOrder.h"
#include "TrainingPanel.h"
#include "WindowMenus.h"
#include "WindowSession.h"
#include "core/Defaults.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "data/DataSourceCatalog.h"
#include "estimators/EstimatorRegistry.h"
#include "io/OutputFiles.h"
#include "jobs/Jobs.h"
#include "models/ModelCatalog.h"

// The icon, presets and examples of resources/tangentscope.qrc, compiled into this static library.
static void init_resources() { Q_INIT_RESOURCE(tangentscope); }

namespace ts::ui {

MainWindow::MainWindow(QWidget* parent, bool persist)
    : QMainWindow(parent), engine_(new EngineClient(this)), persist_(persist), rerun_(new QTimer(this)) {
  setWindowTitle("TangentScope — the empirical NTK, matrix-free");
  init_resources();
  setWindowIcon(QIcon(":/tangentscope.svg"));
  useContrastStyle();  // Fusion with outlined check boxes, in both themes
  // The dense-algebra rates behind the cost shown before a run are measured once (about 0.3 s): not on this
  // thread.
  (void)QtConcurrent::run([] { (void)planned_dense_seconds(EstimatorOptions{}, 0, 0); });
  // The control panel (model and data, estimators, Run), the tabs and the run log, each built below.
  auto* panel = new QWidget(this);
  auto* panel_layout = new QVBoxLayout(panel);
  problem_ = new ProblemPanel(panel);
  connect(problem_, &ProblemPanel::previewShown, this, &MainWindow::previewShown);
  panel_layout->addWidget(problem_);
  session_ = new WindowSession(this, persist_);
  files_ = new FileOpener(this, persist_);
  connect(files_, &FileOpener::modelOpened, this, &MainWindow::modelOpened);
  connect(files_, &FileOpener::failed, this, &MainWindow::onFailed);
  files_->setShapePrompt([this](const QString& path) {
    bool ok = false;
    const QString s = QInputDialog::getText(
        this, "Input shape",
        QFileInfo(path).fileName() +
            " does not record the shape of one input.\nGive it (e.g. 3,32,32 or 15,10):",
        QLineEdit::Normal, {}, &ok);
    return ok ? s : QString();
  });

  estimators_ = new EstimatorPanel(panel);
  run_log_ = new RunLog(this);
  comparison_ = new ComparisonView(run_log_, this);
  panel_layout->addWidget(estimators_);
  QHBoxLayout* buttons = createRunControls(panel);
  panel_layout->addStretch();
  createTabs();
  QSplitter* split = createCentral(panel, buttons);
  // Tab moves through each form as it reads, row by row, not in the order its widgets were made.
  orderTabsByLayout(panel);
  for (int i = 0; i < tabs_->count(); ++i) orderTabsByLayout(page(i));
  createRunLog();
  connectSignals();
  history_ = new FormHistory(this);
  menus_ = new WindowMenus(this);
  resize(1280, 860);
  // The panel starts at its narrowest, which shows every field; the tabs take the rest.
  split->setSizes({panel_widget_->minimumSizeHint().width(), 1280});
  default_state_ = saveState();  // View ▸ Reset layout
  if (persist_) {
    // The first screen (no saved settings yet): N = 500 digits, d = 5,000; the estimates, then the exact
    // trace (input by input, a tenth of a second), then the sweep (run_compare_job).
    const int first_n = static_cast<int>(default_integer("app.first_data_n"));
    problem_->setDataN(first_n);
    problem_->setData(QString("digits:n=%1").arg(first_n));
    restoreSettings();
    history_->reset();  // Undo starts from the form as this launch shows it
    session_->start();
  }
  problem_->refreshPreview();
}

QHBoxLayout* MainWindow::createRunControls(QWidget* panel) {
  auto* buttons = new QHBoxLayout;
  run_ = new QPushButton("Run", panel);
  cancel_ = new QPushButton("Cancel", panel);
  cancel_->setEnabled(false);
  buttons->addWidget(run_);
  return buttons;
}

void MainWindow::createTabs() {
  // Charts.
  tabs_ = new QTabWidget(this);
  convergence_ = comparison_->convergence();
  speed_ = comparison_->speed();
  const auto form = [this] { return currentCompareJob(); };
  spectrum_ = new SpectrumPanel(
      engine_, [this] { return currentCompareJob().problem; }, tabs_);
  metrics_ = new MetricsPanel(engine_, form, tabs_);
  training_ = new TrainingPanel(engine_, form, tabs_);

  addPage(convergence_, "Convergence");
  addPage(speed_, "Speed vs accuracy");
  addPage(spectrum_, "Spectrum");
  addPage(metrics_, "Metrics");
  addPage(training_, "Training");
  pntk_ = new PntkPanel(
      engine_, [this] { return currentCompareJob().problem; }, tabs_);
  addPage(pntk_, "pNTK");
  layers_ = new LayersPanel(
      engine_, [this] { return currentCompareJob().problem; }, tabs_);
  addPage(layers_, "Layers");
  al_ = new AlPanel(engine_, tabs_);
  addPage(al_, "Active learning");
  runs_ = new RunsPanel(tabs_);  // last: a session's tab index keeps its meaning
  addPage(runs_, "Runs");
  connect(runs_, &RunsPanel::snapshotOpened, this, [this](const QString& model, const QString& data) {
    setProblem(model, data);
    problem_->setParams("all");
    showPage(convergence_);
    statusBar()->showMessage("A training run's snapshot is the model: " + model);
    run();
  });
  // The tabs' own jobs share the status bar's progress and Cancel.
  auto started = [this](const QString& what) {
    current_kind_ = "panel";
    panel_job_ = what;
    panel_started_ms_ = QDateTime::currentMSecsSinceEpoch();
    panel_inputs_.clear();
    cancel_->setEnabled(true);
    progress_->setRange(0, 0);
    statusBar()->showMessage(what);
  };
  // The pNTK and Active-learning tabs' settings as the job started go into its run log row, so that "Run it
  // again" puts them back (Layers and Training runs carry theirs in their requests).
  auto started_with_inputs = [this, started](QWidget* tab) {
    return [this, started, tab](const QString& what) {
      started(what);
      panel_inputs_ = QString::fromStdString(json_text(session::panel_inputs_json(inputs_of(tab))));
    };
  };
  connect(pntk_, &PntkPanel::jobStarted, this, started_with_inputs(pntk_));
  connect(al_, &AlPanel::jobStarted, this, started_with_inputs(al_));
  connect(layers_, &LayersPanel::jobStarted, this, started);
  connect(spectrum_, &SpectrumPanel::jobStarted, this, started);
  connect(metrics_, &MetricsPanel::jobStarted, this, started);
  connect(training_, &TrainingPanel::jobStarted, this, started);
  connect(spectrum_, &SpectrumPanel::spectrumShown, this, &MainWindow::spectrumShown);
  connect(metrics_, &MetricsPanel::metricsShown, this, &MainWindow::metricsShown);
  connect(training_, &TrainingPanel::dynamicsShown, this, &MainWindow::dynamicsShown);
}

QSplitter* MainWindow::createCentral(QWidget* panel, QHBoxLayout* buttons) {
  // The panel scrolls rather than squeezing its widgets on a short screen.
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(panel);
  scroll->setWidgetResizable(true);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setMinimumWidth(panel->minimumSizeHint().width() + 24);
  auto* right = new QWidget(this);
  auto* right_layout = new QVBoxLayout(right);
  right_layout->setContentsMargins(0, 0, 0, 0);
  auto* result_row = new QHBoxLayout;
  result_row->addWidget(comparison_->resultLabel(), 0, Qt::AlignTop);
  result_row->addWidget(comparison_->detailsLabel(), 1);
  right_layout->addLayout(result_row);
  right_layout->addWidget(tabs_, 1);
  auto* left = new QWidget(this);  // Run and Cancel stay visible below the scrolling panel
  auto* left_layout = new QVBoxLayout(left);
  left_layout->setContentsMargins(0, 0, 0, 0);
  left_layout->addWidget(scroll, 1);
  left_layout->addLayout(buttons);
  auto* split = new QSplitter(this);
  split->addWidget(left);
  split->addWidget(right);
  split->setStretchFactor(1, 1);
  setCentralWidget(split);
  panel_widget_ = left;
  return split;
}

void MainWindow::createRunLog() {
  progress_ = new QProgressBar(this);
  progress_->setMaximumWidth(240);
  statusBar()->addPermanentWidget(progress_);
  cancel_->setToolTip("Stop the run in flight (within one VJP/JVP)");
  statusBar()->addPermanentWidget(cancel_);
  statusBar()->showMessage("Ready");

  auto* dock = new QDockWidget("Run log", this);
  dock->setObjectName("runlog");
  // The run log, and beside it how the pinned runs' configurations differ.
  auto* log_split = new QSplitter(Qt::Horizontal, dock);
  log_split->addWidget(run_log_);
  log_split->addWidget(comparison_->pinsTable());
  log_split->setStretchFactor(0, 3);
  log_split->setStretchFactor(1, 2);
  dock->setWidget(log_split);
  addDockWidget(Qt::BottomDockWidgetArea, dock);
  resizeDocks({dock}, {130}, Qt::Vertical);
  connect(run_log_, &RunLog::restoreRequested, this, &MainWindow::applyConfig);
  connect(run_log_, &RunLog::rerunRequested, this, &MainWindow::rerun);
  setAcceptDrops(true);

  run_log_dock_ = dock;
}

void MainWindow::connectSignals() {
  connect(run_, &QPushButton::clicked, this, &MainWindow::run);
  connect(cancel_, &QPushButton::clicked, engine_, &EngineClient::cancel);
  connect(engine_, &EngineClient::progress, this, &MainWindow::onProgress);
  connect(engine_, &EngineClient::jobFinished, this, &MainWindow::onJobFinished);
  connect(engine_, &EngineClient::failed, this, &MainWindow::onFailed);
  connect(engine_, &EngineClient::partialResult, this, &MainWindow::onEstimates);
  connect(problem_, &ProblemPanel::problemChanged, this, &MainWindow::markEarlierProblem);
  connect(engine_, &EngineClient::cancelled, this, [this] {
    endUnfinishedRun("cancelled");
    cancel_->setEnabled(false);
    progress_->setRange(0, 1);
    progress_->setValue(0);
    statusBar()->showMessage("Cancelled; the earlier results stay");
  });
  // Interactive tuning: the slider drives the budget and re-runs after a short pause (the stale run is
  // cancelled).
  rerun_->setSingleShot(true);
  rerun_->setInterval(250);
  connect(rerun_, &QTimer::timeout, this, &MainWindow::run);
  connect(estimators_, &EstimatorPanel::budgetMoved, rerun_, qOverload<>(&QTimer::start));
}

ChartView* MainWindow::dynamicsChart() const { return training_->dynamicsChart(); }
ChartView* MainWindow::lossChart() const { return training_->lossChart(); }
QTableWidget* MainWindow::pinnedRunsTable() const { return comparison_->pinsTable(); }
ChartView* MainWindow::spectrumChart() const { return spectrum_->chart(); }
QTableWidget* MainWindow::metricsTable() const { return metrics_->table(); }
void MainWindow::computeSpectrum() { spectrum_->compute(); }
void MainWindow::computeMetrics() { metrics_->compute(); }
void MainWindow::trainAndTrack() { training_->train(); }

MainWindow::~MainWindow() {
  if (persist_) {
    saveSettings();
    (void)session_->keepRunLog();  // a failure only loses the log's rows; the window is closing
    endCleanly();
  }
}

void MainWindow::addPage(QWidget* page, const QString& name) {
  auto* scroll = new QScrollArea(tabs_);
  scroll->setWidget(page);
  scroll->setWidgetResizable(true);  // the page fills the tab, and scrolls only below its minimum size
  scroll->setFrameShape(QFrame::NoFrame);
  tabs_->addTab(scroll, name);
}

QWidget* MainWindow::page(int index) const {
  auto* scroll = qobject_cast<QScrollArea*>(tabs_->widget(index));
  return scroll ? scroll->widget() : tabs_->widget(index);
}

int MainWindow::pageIndex(const QWidget* p) const {
  for (int i = 0; i < tabs_->count(); ++i)
    if (page(i) == p) return i;
  return -1;
}

void MainWindow::showPage(QWidget* p) {
  const int i = pageIndex(p);
  if (i >= 0) tabs_->setCurrentIndex(i);
}

void MainWindow::endCleanly() { QFile::remove(autosavePath()); }

QAction* MainWindow::action(const QString& name) const { return menus_ ? menus_->action(name) : nullptr; }

void MainWindow::resetLayout() {
  restoreState(default_state_);
  run_log_dock_->show();
  panel_widget_->show();
}

int MainWindow::autosaveMinutes() const { return session_->autosaveMinutes(); }
void MainWindow::setAutosaveMinutes(int minutes) { session_->setAutosaveMinutes(minutes); }

// The session's interface, as the window's (the menus, tests and the app's command line use it).
QString MainWindow::saveSession(const QString& path) { return session_->save(path); }
QString MainWindow::openSession(const QString& path) { return session_->open(path); }
void MainWindow::newSession() { session_->clear(); }
QString MainWindow::sessionPath() const { return session_->path(); }
QString MainWindow::autosavePath() const { return session_->autosavePath(); }
void MainWindow::autosaveNow() { session_->autosaveNow(); }
bool MainWindow::offerRecovery() { return session_->offerRecovery(); }
bool MainWindow::confirmDiscard(const QString& action) { return session_->confirmDiscard(action); }
void MainWindow::setLocatePrompt(std::function<QString(const QString&)> prompt) {
  session_->setLocatePrompt(std::move(prompt));
}
void MainWindow::setDiscardPrompt(std::function<QMessageBox::StandardButton(const QString&)> prompt) {
  session_->setDiscardPrompt(std::move(prompt));
}
void MainWindow::setRecoverPrompt(std::function<bool(const QString&)> prompt) {
  session_->setRecoverPrompt(std::move(prompt));
}

void MainWindow::closeEvent(QCloseEvent* e) {
  if (persist_ && !confirmDiscard("quit")) {
    e->ignore();
    return;
  }
  QMainWindow::closeEvent(e);
}

void MainWindow::copyResult() const {
  QString text = resultText() + "\n" + comparison_->detailsLabel()->text();
  const CompareRequest c = currentCompareJob();
  text += QString("\nmodel %1, data %2, seed %3, budget m = %4, %5 on %6")
              .arg(QString::fromStdString(c.problem.model), QString::fromStdString(c.problem.data))
              .arg(c.problem.compute.seed)
              .arg(c.estimator.matvecs)
              .arg(QString::fromStdString(c.problem.compute.dtype),
                   QString::fromStdString(c.problem.compute.device));
  QApplication::clipboard()->setText(text);
  statusBar()->showMessage("Copied the result to the clipboard");
}

void MainWindow::setTheme(const QString& theme) {
  theme_ = theme == "dark" ? "dark" : "light";
  const bool dark = theme_ == "dark";
  useContrastStyle();
  QApplication::setPalette(dark ? darkPalette() : QApplication::style()->standardPalette());
  ChartView::setDarkDefault(dark);
  for (ChartView* c : findChildren<ChartView*>()) c->setDarkTheme(dark);
  if (QAction* a = action("theme-" + theme_)) a->setChecked(true);
  if (persist_) QSettings().setValue("theme", theme_);
}

}  // namespace ts::ui

namespace ts::ui {}  // namespace ts::ui
