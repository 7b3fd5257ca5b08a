// What keeps a session's results from being lost (WindowSession.h): the autosave every few minutes to the
// app's data folder, the offer to recover it after a crash, the question before unsaved results are
// discarded, and the list of recent sessions.
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTimer>

#include <algorithm>

#include "MainWindow.h"
#include "WindowMenus.h"
#include "WindowSession.h"
#include "core/Errors.h"
#include "io/OutputFiles.h"

namespace ts::ui {

QString WindowSession::autosavePath() const {
  return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/autosave.tsession";
}

void WindowSession::autosaveNow() {
  if (!dirty_) return;
  QDir().mkpath(QFileInfo(autosavePath()).path());
  try {
    write_text_file(autosavePath().toStdString(), text());
    dirty_ = false;
  } catch (const ts::Error& e) {
    w_->statusBar()->showMessage("Autosave failed: " + QString::fromUtf8(e.what()));
  }
}

bool WindowSession::offerRecovery() {
  const QString path = autosavePath();
  if (!QFileInfo::exists(path)) return false;
  const bool yes = recover_prompt_ ? recover_prompt_(path) : false;
  if (!yes) {
    QFile::remove(path);
    return false;
  }
  const QString err = open(path);
  session_path_.clear();  // recovered, not yet saved anywhere by the user
  w_->setWindowTitle("TangentScope — recovered session");
  if (!err.isEmpty()) {
    w_->statusBar()->showMessage("Cannot recover the last session: " + err);
    return false;
  }
  dirty_ = true;
  unsaved_ = true;
  return true;
}

bool WindowSession::confirmDiscard(const QString& action) {
  if (!unsaved_) return true;
  const QMessageBox::StandardButton answer =
      discard_prompt_
          ? discard_prompt_(action)
          : QMessageBox::question(
                w_, "Unsaved results",
                "The results of this session are not saved. Save them before you " + action + "?",
                QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Discard) return true;
  if (answer != QMessageBox::Save) return false;
  QString path = session_path_;
  if (path.isEmpty()) {
    path = QFileDialog::getSaveFileName(w_, "Save session", "session.tsession",
                                        "TangentScope sessions (*.tsession)");
    if (path.isEmpty()) return false;
    if (QFileInfo(path).suffix().isEmpty()) path += ".tsession";
  }
  const QString err = save(path);
  if (!err.isEmpty()) QMessageBox::warning(w_, "Save session failed", err);
  return err.isEmpty();
}

void WindowSession::rememberSession(const QString& path) {
  if (path == autosavePath()) return;
  recent_sessions_.removeAll(path);
  recent_sessions_.prepend(path);
  while (recent_sessions_.size() > 8) recent_sessions_.removeLast();
  if (persist_) QSettings().setValue("recent_sessions", recent_sessions_);
  if (auto* menus = w_->menus()) menus->setRecentSessions(recent_sessions_);
}

int WindowSession::autosaveMinutes() const { return autosave_->interval() / 60000; }

void WindowSession::setAutosaveMinutes(int minutes) {
  autosave_->setInterval(std::max(1, minutes) * 60000);
  if (minutes > 0)
    autosave_->start();
  else
    autosave_->stop();
  if (persist_) QSettings().setValue("autosave_minutes", minutes);
}

}  // namespace ts::ui
