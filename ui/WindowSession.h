#pragma once
// The window's session (docs/FORMATS.md "Sessions"): the form, every chart, heat map, table and result label,
// the run log with each run's configuration and the last comparison's full result, as one versioned JSON
// file. Opening one shows exactly what was saved, without recomputing; a damaged file changes nothing.
// Autosave writes the same file to the app's data folder and a clean exit removes it, so finding it at launch
// means the last session ended in a crash. Quit, New and Open ask before discarding results not saved.
#include <QMessageBox>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <string>
#include <vector>

class QTableWidget;
class QTimer;

namespace ts::session {
struct Form;
struct Run;
struct Session;
}  // namespace ts::session

namespace ts::ui {

class ChartView;
class MainWindow;

class WindowSession : public QObject {
  Q_OBJECT
 public:
  /// With `persist`, the recent sessions and the autosave interval come from and go to QSettings.
  WindowSession(MainWindow* window, bool persist);

  /// At launch (a persistent window): the recent sessions and autosave from the settings, and an autosave
  /// file left by a crash offered for recovery once the window is up.
  void start();
  std::string text() const;
  /// The control panel's and the Training tab's settings, as a session holds them.
  session::Form form() const;
  /// Sets them; with `locate_moved_files`, a model or data file that is not there is first looked for (the
  /// locate prompt), as when a session is opened.
  void applyForm(const session::Form& form, bool locate_moved_files = true);
  /// Writes the session to `path` atomically; returns "" or an error naming the file.
  QString save(const QString& path);
  /// Shows the session at `path`, or returns an error naming the file and member, with nothing changed.
  QString open(const QString& path);
  /// File ▸ New session: empty charts, tables and run log (the form is kept).
  void clear();
  QString path() const { return session_path_; }
  /// A job finished: there is something to autosave, and to ask about before discarding it.
  void markChanged() {
    dirty_ = true;
    unsaved_ = true;
  }
  /// The last comparison's result JSON from an opened session ("" when there is none).
  const std::string& restoredResult() const { return restored_result_; }

  /// The run log survives a relaunch: its newest 500 runs kept at a clean exit, shown again at launch
  /// (start()). Return "" or an error naming the file.
  QString keepRunLog() const;
  QString restoreRunLog();
  QString runLogPath() const;

  QString autosavePath() const;
  void autosaveNow();
  /// How often autosave writes, in minutes; 0 stops it.
  int autosaveMinutes() const;
  void setAutosaveMinutes(int minutes);
  bool offerRecovery();
  bool confirmDiscard(const QString& action);

  void setLocatePrompt(std::function<QString(const QString&)> prompt) { locate_prompt_ = std::move(prompt); }
  void setDiscardPrompt(std::function<QMessageBox::StandardButton(const QString&)> prompt) {
    discard_prompt_ = std::move(prompt);
  }
  void setRecoverPrompt(std::function<bool(const QString&)> prompt) { recover_prompt_ = std::move(prompt); }

 private:
  QString apply(const std::string& text, const QString& path);
  void applyShown(session::Session& file);
  void applyRuns(const session::Session& file);
  QList<ChartView*> sessionCharts() const;     ///< the charts a session holds (not the Runs tab's)
  QList<QTableWidget*> sessionTables() const;  ///< the tables a session holds, with the run log's two
  void rememberSession(const QString& path);
  std::vector<session::Run> runLogRows() const;
  void showRunLog(const std::vector<session::Run>& rows);

  MainWindow* w_;
  bool persist_;
  QString session_path_;
  QStringList recent_sessions_;
  std::string restored_result_;  ///< the last comparison's result JSON, from an opened session
  bool dirty_ = false;           ///< results changed since the last save or autosave
  bool unsaved_ = false;         ///< results not in a session file the user saved
  QTimer* autosave_;
  std::function<QMessageBox::StandardButton(const QString&)> discard_prompt_;
  std::function<QString(const QString&)> locate_prompt_;
  std::function<bool(const QString&)> recover_prompt_;
};

}  // namespace ts::ui
