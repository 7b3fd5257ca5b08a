#pragma once
// The main window's menu bar and toolbar (File, Edit, View, Run, Help), with the Preferences dialog, the text
// dialogs (user guide, shortcuts, About) and File ▸ Export current chart. Every entry calls the window's
// public interface; each action has a name for tests and the shortcut list.
#include <QHash>
#include <QKeySequence>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>

class QAction;
class QMenu;

namespace ts::ui {

class MainWindow;

class WindowMenus : public QObject {
  Q_OBJECT
 public:
  /// Builds the menu bar and the toolbar of `window`.
  explicit WindowMenus(MainWindow* window);

  /// The action named `name` ("run", "open-model", "theme-dark", …), or nullptr.
  QAction* action(const QString& name) const { return actions_.value(name, nullptr); }
  /// File ▸ Recent models and File ▸ Recent sessions, newest first.
  void setRecentModels(const QStringList& paths);
  void setRecentSessions(const QStringList& paths);

 private:
  /// A menu entry named `name` (found by action(), the tests and the shortcut list).
  QAction* addMenuAction(QMenu* menu, const QString& name, const QString& text,
                         const QList<QKeySequence>& keys, const std::function<void()>& slot,
                         const QString& icon_name = {});
  void createFileMenu();
  void createOpenEntries(QMenu* file);
  void createExportEntries(QMenu* file);
  void createEditMenu();
  QMenu* createViewMenu();
  void createRunMenu();
  void createHelpMenu();
  void createToolBar(QMenu* view);
  /// File ▸ Export current chart: PNG, SVG or PDF at a size the user gives, or the chart's data as CSV.
  void exportCurrentChart();
  void showPreferences();
  void showTextDialog(const QString& name, const QString& title, const QString& text, bool markdown);
  QString shortcutTable() const;  ///< the menus' actions with keys, as a Markdown table

  MainWindow* w_;
  QHash<QString, QAction*> actions_;
  QMenu* recent_models_ = nullptr;
  QMenu* recent_sessions_ = nullptr;
};

}  // namespace ts::ui
