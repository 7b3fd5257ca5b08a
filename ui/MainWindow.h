#pragma once
// The main window: a control panel (kernel, estimators, budget) and tabs of live charts. It only wires
// widgets to the EngineClient; every computation runs on the engine thread.
#include <QHash>
#include <QKeySequence>
#include <QList>
#include <QMainWindow>
#include <QMessageBox>
#include <QStringList>

#include <functional>

#include "JobResult.h"

class QCheckBox;
class QGroupBox;
class QHBoxLayout;
class QSplitter;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSlider;
class QSpinBox;
class QTableWidget;
class QTabWidget;
class QTimer;
class QMenu;
class QAction;
class QDockWidget;
class QDragEnterEvent;
class QDropEvent;
class QCloseEvent;

namespace ts {
struct TraceRequest;
struct CompareRequest;
struct PartialResult;
}  // namespace ts

namespace ts::ui {

class EngineClient;
class ChartView;
class RunLog;
class PntkPanel;
class AlPanel;
class LayersPanel;
class ProblemPanel;
class EstimatorPanel;
class TrainingPanel;
class RunsPanel;
class WindowMenus;
class WindowSession;
class FileOpener;
class FormHistory;
class ComparisonView;
class SpectrumPanel;
class MetricsPanel;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  /// With `persist`, the form is restored from and saved to QSettings.
  explicit MainWindow(QWidget* parent = nullptr, bool persist = true);
  ~MainWindow() override;

  /// The trace job of the first chosen method (what `tangentscope-cli trace` would run).
  ts::TraceRequest currentJob() const;
  /// The comparison the form describes: every chosen method, the exact trace if asked, a speed–accuracy
  /// sweep.
  ts::CompareRequest currentCompareJob() const;
  /// Starts a comparison run of the form's job (cancelling any stale one).
  void run();
  /// The run at launch: the form's job, but after a relaunch (settings restored) without the exact trace,
  /// which can take minutes and was not asked for by this launch.
  void runAtLaunch();
  void computeSpectrum();
  void computeMetrics();
  /// Trains the model on the data (epochs from the Training tab) and tracks the NTK metrics per epoch.
  void trainAndTrack();
  ChartView* dynamicsChart() const;
  ChartView* lossChart() const;
  TrainingPanel* trainingPanel() const { return training_; }
  EngineClient* engine() const { return engine_; }
  /// The last comparison's result (nullptr before any): its first method's estimate is "the" result.
  const CompareResult* lastCompare() const;
  QString resultText() const;
  ChartView* convergenceChart() const { return convergence_; }
  ChartView* speedChart() const { return speed_; }
  ChartView* spectrumChart() const;
  QTableWidget* metricsTable() const;
  QTabWidget* tabs() const { return tabs_; }
  /// Each tab's page sits in a scroll area (a short or narrow window scrolls instead of cutting it): the page
  /// at tab `index`, the tab of `page`, and showing that tab.
  QWidget* page(int index) const;
  int pageIndex(const QWidget* page) const;
  void showPage(QWidget* page);
  PntkPanel* pntkPanel() const { return pntk_; }
  AlPanel* alPanel() const { return al_; }
  LayersPanel* layersPanel() const { return layers_; }
  RunsPanel* runsPanel() const { return runs_; }
  /// File ▸ Open Run (also a dropped folder and `tangentscope RUN_DIR`): a training run recorded by the
  /// Python logger, in the Runs tab. Returns "" or an error naming the folder.
  QString openRun(const QString& dir);
  QSlider* budgetSlider() const;
  void setMethods(const QStringList& methods);
  void setProblem(const QString& model, const QString& data, const QString& input_shape = {});
  /// Builds a built-in model from the panel's parameters (as the user would): kind mlp, cnn or gru.
  void buildModel(const QString& kind, int width, int depth, const QString& activation);
  /// Uses a TorchScript file as the model (File ▸ Open Model…, drag and drop, the command line).
  void openModel(const QString& path, const QString& input_shape = {});
  /// File ▸ Open Example: copies the example model and inputs out of the resources (resources/examples/) into
  /// the app's data folder, fills in model, data and input shape, and runs. Returns an error message, or
  /// empty.
  QString openExample(int index = 0);
  RunLog* runLog() const { return run_log_; }
  /// Beside the run log: the settings that differ among the pinned runs (columns) and the latest run.
  QTableWidget* pinnedRunsTable() const;
  /// Restores the form from a run's configuration JSON (the run log's double-click).
  void applyConfig(const CompareRequest& config);
  /// The run log's "Run it again": restores row `row`'s configuration and runs its kind on its tab.
  void rerun(int row);
  /// Export all (WindowExport.h): every chart holding results, the tables, the result and the session into
  /// `dir` as one set; returns "" or the errors, and the titles of the charts skipped as empty in `skipped`.
  QString exportAll(const QString& dir, QStringList* skipped = nullptr) const;
  /// Writes the last result with its full configuration: JSON, or CSV (the running estimate per matvec) by
  /// extension. Returns "" or an error message naming the file.
  QString exportResult(const QString& path) const;
  /// File ▸ Export kernel: the current model's kernel on the current data (eNTK or pNTK, as the form
  /// chooses) as .npy at `path`, with its top 20 eigenpairs as PATH-without-.npy.eig.values/vectors.npy.
  /// Over the memory budget only the eigenpairs are written, by block Lanczos. Runs on the engine thread;
  /// kernelExported tells when it is written.
  void exportKernel(const QString& path);
  /// The memory budget of every job the form describes (bytes; the engine's default until set).
  void setMemoryBudget(int64_t bytes) { memory_budget_ = bytes; }
  int64_t memoryBudget() const { return memory_budget_; }
  /// The menu and toolbar actions by name ("run", "cancel", "exact", "open-model", "open-data", "export-all",
  /// "preferences", "copy-result", "about", "shortcuts", "user-guide", "reset-layout", "theme-dark", …), for
  /// tests and the shortcuts list; nullptr for an unknown name.
  QAction* action(const QString& name) const;
  /// View ▸ Theme: "light" or "dark" (the window's palette and every chart).
  void setTheme(const QString& theme);
  QString theme() const { return theme_; }
  /// File ▸ Open Data: a CSV or NumPy file as the data (csv:PATH, npy:PATH, npz:PATH by extension).
  void openData(const QString& path);
  /// Edit ▸ Copy result: the result line, the details and the configuration as text on the clipboard.
  void copyResult() const;
  QDockWidget* runLogDock() const { return run_log_dock_; }
  /// View ▸ Reset layout: the toolbar, docks and control panel as at launch.
  void resetLayout();
  EstimatorPanel* estimatorPanel() const { return estimators_; }
  ProblemPanel* problemPanel() const { return problem_; }
  ComparisonView* comparison() const { return comparison_; }
  WindowSession* session() const { return session_; }
  WindowMenus* menus() const { return menus_; }
  FormHistory* formHistory() const { return history_; }
  SpectrumPanel* spectrumPanel() const { return spectrum_; }
  MetricsPanel* metricsPanel() const { return metrics_; }
  /// How often the session is autosaved for recovery (setting 0 stops it); kept in the settings.
  int autosaveMinutes() const;
  void setAutosaveMinutes(int minutes);
  /// The shared model, data and estimator panel (hidden on the Active-learning tab, and by View ▸ Control
  /// panel).
  QWidget* controlPanel() const { return panel_widget_; }

  /// File ▸ Save session: the form, every chart, heat map, table and result label, the run log with each
  /// run's configuration and the last comparison's full result, as versioned JSON (docs/FORMATS.md
  /// "Sessions"), written atomically. Returns "" or an error naming the file.
  QString saveSession(const QString& path);
  /// File ▸ Open session: shows exactly what was saved, without recomputing. A damaged file, another format
  /// or a newer version is refused with nothing changed. A model or data file that is no longer where the
  /// session says is named, and the locate prompt may point to it. Returns "" or the error.
  QString openSession(const QString& path);
  /// File ▸ New session: empty charts, tables and run log (the form is kept).
  void newSession();
  QString sessionPath() const;
  /// Where autosave writes (the app's data folder); removed at a clean exit.
  QString autosavePath() const;
  /// Writes the autosave file now if anything changed since the last save.
  void autosaveNow();
  /// At launch: an autosave file left by a session that did not exit cleanly is offered for recovery (the
  /// recover prompt decides); returns whether it was restored.
  bool offerRecovery();
  /// How a moved file is located when a session is opened (a file dialog by default; tests answer).
  void setLocatePrompt(std::function<QString(const QString& missing)> prompt);
  /// Quit, New session and Open session ask before discarding results not saved: Save (then save), Discard
  /// or Cancel. Returns whether to go on; `action` completes "Save them before you …".
  bool confirmDiscard(const QString& action);
  /// How that question is answered (a message box by default; tests answer).
  void setDiscardPrompt(std::function<QMessageBox::StandardButton(const QString& action)> prompt);
  /// Whether to recover an autosaved session (a question by default; tests answer).
  void setRecoverPrompt(std::function<bool(const QString& path)> prompt);
  /// Ends the session cleanly: the autosave file is removed (the destructor does it for the app).
  void endCleanly();
  /// How openModel asks for the input shape of a file that does not record it (a dialog by default; tests
  /// answer for the user). An empty answer cancels.
  void setShapePrompt(std::function<QString(const QString& path)> prompt);

 Q_SIGNALS:
  void resultShown();
  /// A comparison's estimates are shown; the exact trace (when asked) is still being computed.
  void estimatesShown();
  void kernelExported(const QString& message);
  /// A model file was opened (its input shape known, the data switched if it did not fit); the run starts.
  void modelOpened(const QString& message);
  void spectrumShown();
  void metricsShown();
  void dynamicsShown();
  void failureShown(const QString& message);
  void sessionOpened(const QString& path);

 protected:
  void dragEnterEvent(QDragEnterEvent* e) override;
  void dropEvent(QDropEvent* e) override;
  void closeEvent(QCloseEvent* e) override;

 private:
  // The window's parts, built once by the constructor: the control panel's model and data box (with the
  // built-in model's row), its estimator box, Run and Cancel with the result labels; the tabs; the scrolling
  // panel beside them; the status bar and run log; the engine's replies, Run, Cancel and the budget slider.
  QHBoxLayout* createRunControls(QWidget* panel);
  void createTabs();
  QSplitter* createCentral(QWidget* panel, QHBoxLayout* buttons);
  void createRunLog();
  void connectSignals();
  void onProgress(qint64 done, qint64 total, const QString& stage, double estimate, bool hasEstimate);
  void onJobFinished(const QString& kind, const JobResultPtr& result);
  void onFailed(const QString& message);
  void onEstimates(const QString& kind, const ts::PartialResult& partial);
  void endUnfinishedRun(const QString& what);
  /// The result shown was computed for another problem than the form now describes: say so on it (and undo
  /// that when the form describes its problem again).
  void markEarlierProblem();
  /// `final`: the run is over (the run log gets its row, resultShown is emitted); else its estimates only.
  void showCompare(const CompareResult& r, bool final = true);
  void saveSettings() const;
  void restoreSettings();

 public:
  /// Loads a few samples of the data field's set off the UI thread and shows them (thumbnails for images).
  void refreshPreview();
  QWidget* thumbnails() const;
 Q_SIGNALS:
  void previewShown();

 private:
  EngineClient* engine_;
  bool persist_;
  WindowMenus* menus_ = nullptr;
  WindowSession* session_ = nullptr;
  FileOpener* files_ = nullptr;
  FormHistory* history_ = nullptr;
  RunLog* run_log_;
  QDockWidget* run_log_dock_ = nullptr;
  QWidget* panel_widget_ = nullptr;
  QByteArray default_state_;
  QString theme_ = "light";
  int64_t memory_budget_ = ts::ComputeConfig{}.memory_budget;  ///< bytes an exact computation may hold
  QPushButton* run_;
  QPushButton* cancel_;
  QProgressBar* progress_;
  void addPage(QWidget* page, const QString& name);
  QTabWidget* tabs_;
  ComparisonView* comparison_;  ///< the result line, Convergence, Speed vs accuracy and the pinned runs
  ChartView* convergence_;      ///< comparison_'s charts, as the window places and exports them
  ChartView* speed_;
  SpectrumPanel* spectrum_;
  MetricsPanel* metrics_;
  TrainingPanel* training_;
  ProblemPanel* problem_;                 ///< the model and data box
  EstimatorPanel* estimators_ = nullptr;  ///< the estimators, budget and compute settings
  PntkPanel* pntk_;
  AlPanel* al_;
  LayersPanel* layers_;
  RunsPanel* runs_ = nullptr;
  QTimer* rerun_;
  bool relaunched_ = false;  ///< the form came from the settings of an earlier launch
  bool launching_ = false;   ///< the next run() is the one at launch
  QString current_kind_;
  QString panel_job_;     ///< the description of another tab's job in flight
  QString panel_inputs_;  ///< the pNTK or Active-learning tab's settings when its job started (JSON), for the
                          ///< run log
  qint64 panel_started_ms_ = 0;  ///< the job in flight: compare, spectrum or metrics
};

}  // namespace ts::ui
