// The window's menus (File, Edit, View, Run, Help) and toolbar: the desktop conventions, standard shortcuts,
// docks that come back, the Preferences dialog, About and the shortcut list.
#include <QActionGroup>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QImage>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QPalette>
#include <QRegularExpression>
#include <QSettings>
#include <QSpinBox>
#include <QStatusBar>
#include <QStyle>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTextBrowser>
#include <QTextDocument>
#include <QTimer>
#include <QToolBar>
#include <QUrl>
#include <QVBoxLayout>

#include <functional>

#include "AlPanel.h"
#include "ChartView.h"
#include "ComparisonView.h"
#include "EngineClient.h"
#include "EstimatorPanel.h"
#include "ExportFiles.h"
#include "FormHistory.h"
#include "MainWindow.h"
#include "MetricsPanel.h"
#include "RunLog.h"
#include "RunsPanel.h"
#include "SpectrumPanel.h"
#include "WindowMenus.h"
#include "core/ErrorText.h"
#include "core/Errors.h"
#include "core/Numbers.h"

#ifndef TS_VERSION
#define TS_VERSION "unknown"
#endif

namespace ts::ui {

namespace {

QIcon icon(const QString& name) { return QIcon(":/icons/" + name + ".svg"); }

// Help ▸ About: the papers TangentScope implements and the licences of what it is built on.
QString about_text() {
  return QString(
             "# TangentScope %1\n\n"
             "The empirical neural tangent kernel of real networks, matrix-free: trace, Frobenius norm, "
             "effective "
             "rank and alignment by randomized trace estimators, exactly where affordable; the pseudo-NTK; "
             "look-ahead active learning.\n\n"
             "## The papers it implements\n\n"
             "- J. Hazelden, *Fast Neural Tangent Kernel Alignment, Norm and Effective Rank via Trace "
             "Estimation*, "
             "arXiv:2511.10796.\n"
             "- R. A. Meyer, C. Musco, C. Musco, D. P. Woodruff, *Hutch++: Optimal Stochastic Trace "
             "Estimation*, "
             "SOSA 2021.\n"
             "- E. N. Epperly, J. A. Tropp, R. J. Webber, *XTrace: Making the Most of Every Sample in "
             "Stochastic "
             "Trace Estimation*, SIAM J. Matrix Anal. Appl. 2024.\n"
             "- M. A. Mohamadi, W. Bae, D. J. Sutherland, *A Fast, Well-Founded Approximation to the "
             "Empirical "
             "Neural Tangent Kernel*, ICML 2023.\n"
             "- M. A. Mohamadi, W. Bae, D. J. Sutherland, *Making Look-Ahead Active Learning Strategies "
             "Feasible "
             "with Neural Tangent Kernels*, NeurIPS 2022.\n"
             "- C. Musco, C. Musco, *Randomized Block Krylov Methods for Stronger and Faster Approximate "
             "Singular "
             "Value Decomposition*, NeurIPS 2015.\n\n"
             "## Licences\n\n"
             "Built on Qt %2 (LGPL-3.0), LibTorch (BSD-3-Clause), Eigen (MPL-2.0), nlohmann-json (MIT) and "
             "CLI11 "
             "(BSD-3-Clause). TangentScope's own source carries no licence file yet: ask its authors before "
             "redistributing it.\n")
      .arg(TS_VERSION, qVersion());
}

}  // namespace

QAction* WindowMenus::addMenuAction(QMenu* menu, const QString& name, const QString& text,
                                    const QList<QKeySequence>& keys, const std::function<void()>& slot,
                                    const QString& icon_name) {
  QAction* a = menu->addAction(text);
  if (!icon_name.isEmpty()) a->setIcon(icon(icon_name));
  a->setShortcuts(keys);
  a->setObjectName(name);
  connect(a, &QAction::triggered, this, slot);
  actions_.insert(name, a);
  return a;
}

void WindowMenus::createFileMenu() {
  QMenu* file = w_->menuBar()->addMenu("&File");
  addMenuAction(file, "new-session", "&New session", {QKeySequence::New}, [this] {
    if (w_->confirmDiscard("start a new session")) w_->newSession();
  });
  addMenuAction(file, "open-session", "Open &session…", {QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O)},
                [this] {
                  if (!w_->confirmDiscard("open another session")) return;
                  const QString path = QFileDialog::getOpenFileName(
                      w_, "Open session", {}, "TangentScope sessions (*.tsession *.json);;All files (*)");
                  if (path.isEmpty()) return;
                  const QString err = w_->openSession(path);
                  if (!err.isEmpty()) QMessageBox::warning(w_, "Open session failed", err);
                });
  auto save_as = [this] {
    QString path = QFileDialog::getSaveFileName(w_, "Save session", "session.tsession",
                                                "TangentScope sessions (*.tsession)");
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += ".tsession";
    const QString err = w_->saveSession(path);
    if (!err.isEmpty()) QMessageBox::warning(w_, "Save session failed", err);
  };
  addMenuAction(file, "save-session", "&Save session", {QKeySequence::Save}, [this, save_as] {
    if (w_->sessionPath().isEmpty()) return save_as();
    const QString err = w_->saveSession(w_->sessionPath());
    if (!err.isEmpty()) QMessageBox::warning(w_, "Save session failed", err);
  });
  addMenuAction(file, "save-session-as", "Save session &as…",
                {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)}, save_as);
  recent_sessions_ = file->addMenu("Recent sessions");
  file->addSeparator();
  createOpenEntries(file);
  file->addSeparator();
  createExportEntries(file);
  file->addSeparator();
  addMenuAction(file, "quit", "&Quit", {QKeySequence(Qt::CTRL | Qt::Key_Q)}, [this] { w_->close(); });
}

// File ▸ Open Model, Example, Data, Image Folders, Run, and Recent models.
void WindowMenus::createOpenEntries(QMenu* file) {
  addMenuAction(
      file, "open-model", "&Open Model (TorchScript .pt)…", {QKeySequence::Open},
      [this] {
        const QString path =
            QFileDialog::getOpenFileName(w_, "Open TorchScript model", {}, "TorchScript (*.pt *.pth)");
        if (!path.isEmpty()) w_->openModel(path);
      },
      "open");
  addMenuAction(
      file, "open-example", "Open &Example (a CNN on 8×8 digits)",
      {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E)},
      [this] {
        const QString err = w_->openExample();
        if (!err.isEmpty()) QMessageBox::warning(w_, "Open Example failed", err);
      },
      "example");
  addMenuAction(file, "open-data", "Open &Data (CSV, NumPy)…",
                {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O)}, [this] {
                  const QString path = QFileDialog::getOpenFileName(
                      w_, "Open data", {}, "Data (*.csv *.npy *.npz);;All files (*)");
                  if (!path.isEmpty()) w_->openData(path);
                });
  addMenuAction(file, "open-images", "Open &Image Folders (one per class)…", {}, [this] {
    const QString dir =
        QFileDialog::getExistingDirectory(w_, "Open a folder of image folders (one per class)");
    if (!dir.isEmpty()) w_->openData(dir);
  });
  addMenuAction(file, "open-run", "Open &Run (a training run's folder)…", {}, [this] {
    const QString dir = QFileDialog::getExistingDirectory(w_, "Open a run folder (tangentscope.RunLogger)");
    if (dir.isEmpty()) return;
    const QString err = w_->openRun(dir);
    if (!err.isEmpty()) QMessageBox::warning(w_, "Open Run failed", err);
  });
  recent_models_ = file->addMenu("Recent models");
}

// File ▸ Export all, current chart, result and kernel.
void WindowMenus::createExportEntries(QMenu* file) {
  addMenuAction(
      file, "export-all", "Export &all (charts and results) to a folder…",
      {QKeySequence(Qt::CTRL | Qt::Key_E)},
      [this] {
        const QString dir = QFileDialog::getExistingDirectory(w_, "Export all to");
        if (dir.isEmpty()) return;
        QStringList skipped;
        const QString err = w_->exportAll(dir, &skipped);
        if (!err.isEmpty())
          QMessageBox::warning(w_, "Export failed", err);
        else
          w_->statusBar()->showMessage("Exported to " + dir +
                                       (skipped.isEmpty()
                                            ? QString()
                                            : "; skipped the charts without results: " + skipped.join(", ")));
      },
      "export");
  addMenuAction(file, "export-chart", "Export current &chart (PNG, SVG, PDF or CSV)…",
                {QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_E)}, [this] { exportCurrentChart(); });
  addMenuAction(file, "export-result", "Export &result (JSON or CSV)…", {}, [this] {
    const QString path =
        QFileDialog::getSaveFileName(w_, "Export result", "result.json", "Results (*.json *.csv)");
    if (path.isEmpty()) return;
    const QString err = w_->exportResult(path);
    if (!err.isEmpty()) QMessageBox::warning(w_, "Export failed", err);
  });
  addMenuAction(file, "export-kernel", "Export &kernel (NumPy .npy)…", {}, [this] {
    const QString path =
        QFileDialog::getSaveFileName(w_, "Export kernel", "kernel.npy", "NumPy arrays (*.npy)");
    if (!path.isEmpty()) w_->exportKernel(path);
  });
}

void WindowMenus::exportCurrentChart() {
  // The tab's chart (its first, on a tab with several), else the Convergence chart.
  QWidget* shown = w_->page(w_->tabs()->currentIndex());
  auto* chart = qobject_cast<ChartView*>(shown);
  if (!chart && shown) chart = shown->findChild<ChartView*>();
  if (!chart) chart = w_->convergenceChart();
  const QString path = QFileDialog::getSaveFileName(w_, "Export chart", "chart.png",
                                                    "Images (*.png *.svg *.pdf);;Data (*.csv)");
  if (path.isEmpty()) return;
  QString err;
  if (path.endsWith(".csv", Qt::CaseInsensitive)) {
    QStringList errors;
    write_text_noting(path, chart->csv(), errors);
    err = errors.join("\n");
  } else {
    // The picture's size in pixels and, for PNG, its scale (2 = twice the pixels, for print or HiDPI).
    bool ok = false;
    const QString answer =
        QInputDialog::getText(w_, "Chart size", "Width × height in pixels, @ scale (PNG):", QLineEdit::Normal,
                              QString("%1x%2@1").arg(chart->width()).arg(chart->height()), &ok);
    if (!ok) return;
    const QRegularExpressionMatch m =
        QRegularExpression("^\\s*(\\d+)\\s*[x×]\\s*(\\d+)\\s*(?:@\\s*([0-9.]+))?\\s*$").match(answer);
    if (!m.hasMatch() || m.captured(1).toInt() < 50 || m.captured(2).toInt() < 50 ||
        m.captured(1).toInt() > 20000 || m.captured(2).toInt() > 20000) {
      QMessageBox::warning(w_, "Export chart",
                           "'" + answer + "' is not WIDTHxHEIGHT@SCALE (e.g. 1200x800@2)");
      return;
    }
    const double scale = m.captured(3).isEmpty() ? 1.0 : m.captured(3).toDouble();
    err = chart->exportTo(path, QSize(m.captured(1).toInt(), m.captured(2).toInt()),
                          scale > 0 && scale <= 8 ? scale : 1.0);
  }
  if (!err.isEmpty()) QMessageBox::warning(w_, "Export failed", err);
}

void WindowMenus::createEditMenu() {
  QMenu* edit = w_->menuBar()->addMenu("&Edit");
  for (QAction* a : {w_->formHistory()->undoAction(), w_->formHistory()->redoAction()}) {
    const QString name = a == w_->formHistory()->undoAction() ? "undo" : "redo";
    a->setObjectName(name);
    edit->addAction(a);
    actions_.insert(name, a);
  }
  edit->addSeparator();
  addMenuAction(edit, "copy-result", "&Copy result", {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C)},
                [this] { w_->copyResult(); });
  edit->addSeparator();
  addMenuAction(edit, "preferences", "&Preferences…",
                {QKeySequence::Preferences, QKeySequence(Qt::CTRL | Qt::Key_Comma)},
                [this] { showPreferences(); });
}

QMenu* WindowMenus::createViewMenu() {
  QMenu* view = w_->menuBar()->addMenu("&View");
  QAction* log_toggle = w_->runLogDock()->toggleViewAction();
  log_toggle->setText("Run &log");
  log_toggle->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
  log_toggle->setObjectName("view-run-log");
  view->addAction(log_toggle);
  actions_.insert("view-run-log", log_toggle);
  QAction* panel_toggle = view->addAction("Control &panel");
  panel_toggle->setCheckable(true);
  panel_toggle->setChecked(true);
  panel_toggle->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Backslash));
  panel_toggle->setObjectName("view-panel");
  // One model and data choice for the tabs that compute on it; the Active-learning and Runs tabs have their
  // own set-up (a run brings its model and probe batch), shown in place of the shared panel, not beside it.
  auto sync_panel = [this, panel_toggle] {
    const QWidget* shown = w_->page(w_->tabs()->currentIndex());
    w_->controlPanel()->setVisible(panel_toggle->isChecked() && shown != w_->alPanel() &&
                                   shown != w_->runsPanel());
  };
  connect(panel_toggle, &QAction::toggled, this, sync_panel);
  connect(w_->tabs(), &QTabWidget::currentChanged, this, sync_panel);
  actions_.insert("view-panel", panel_toggle);
  view->addSeparator();
  for (int i = 0; i < w_->tabs()->count(); ++i) {
    const QString name = "tab-" + QString::number(i + 1);
    QAction* a = view->addAction(w_->tabs()->tabText(i));
    if (i < 9) a->setShortcut(QKeySequence(Qt::ALT | (Qt::Key_1 + i)));
    a->setObjectName(name);
    connect(a, &QAction::triggered, this, [this, i] { w_->tabs()->setCurrentIndex(i); });
    actions_.insert(name, a);
  }
  view->addSeparator();
  addMenuAction(view, "reset-layout", "&Reset layout", {}, [this] {
    w_->resetLayout();
    actions_.value("view-panel")->setChecked(true);
  });
  QMenu* theme = view->addMenu("&Theme");
  auto* themes = new QActionGroup(this);
  for (const QString t : {"light", "dark"}) {
    QAction* a = theme->addAction(t == "light" ? "&Light" : "&Dark");
    a->setCheckable(true);
    a->setChecked(t == w_->theme());
    a->setObjectName("theme-" + t);
    a->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | (t == "light" ? Qt::Key_L : Qt::Key_D)));
    themes->addAction(a);
    connect(a, &QAction::triggered, this, [this, t] { w_->setTheme(t); });
    actions_.insert("theme-" + t, a);
  }

  return view;
}

void WindowMenus::createRunMenu() {
  QMenu* runm = w_->menuBar()->addMenu("&Run");
  addMenuAction(
      runm, "run", "&Run", {QKeySequence(Qt::CTRL | Qt::Key_R), QKeySequence(Qt::Key_F5)},
      [this] { w_->run(); }, "run");
  addMenuAction(
      runm, "cancel", "&Cancel", {QKeySequence(Qt::Key_Escape)}, [this] { w_->engine()->cancel(); },
      "cancel");
  addMenuAction(
      runm, "exact", "Compute &exact trace", {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R)},
      [this] {
        w_->estimatorPanel()->setExact(true);
        w_->run();
      },
      "exact");
  runm->addSeparator();
  addMenuAction(runm, "spectrum", "Compute the &spectrum", {}, [this] {
    w_->showPage(w_->spectrumPanel());
    w_->computeSpectrum();
  });
  addMenuAction(runm, "metrics", "Compute the &metrics", {}, [this] {
    w_->showPage(w_->metricsPanel());
    w_->computeMetrics();
  });
}

void WindowMenus::createHelpMenu() {
  QMenu* help = w_->menuBar()->addMenu("&Help");
  // The guide is a page of the app (resources/guide/), with the keyboard shortcuts as the menus have them.
  addMenuAction(
      help, "user-guide", "&User guide", {QKeySequence::HelpContents, QKeySequence(Qt::Key_F1)}, [this] {
        QFile f(":/guide/guide.md");
        QString text = f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll())
                                                   : QString("The user guide is missing from the resources.");
        text += "\n## Keyboard shortcuts\n\n" + shortcutTable();
        showTextDialog("user-guide", "TangentScope — user guide", text, true);
      });
  addMenuAction(help, "shortcuts", "&Keyboard shortcuts", {},
                [this] { showTextDialog("shortcuts", "Keyboard shortcuts", shortcutTable(), true); });
  help->addSeparator();
  addMenuAction(help, "about", "&About TangentScope", {}, [this] {
    const QString text = about_text();
    showTextDialog("about", "About TangentScope", text, true);
  });
}

// Every menu action with keys, once each, each of its keys once (F1 is also the standard Help key).
QString WindowMenus::shortcutTable() const {
  QString text = "| action | keys |\n| --- | --- |\n";
  QList<QAction*> listed;
  for (QMenu* m : w_->menuBar()->findChildren<QMenu*>())
    for (QAction* a : m->actions())
      if (!a->shortcuts().isEmpty() && !a->text().isEmpty() && !listed.contains(a)) {
        listed << a;
        QStringList keys;
        for (const auto& k : a->shortcuts()) keys << k.toString(QKeySequence::NativeText);
        keys.removeDuplicates();
        text += "| " + QString(a->text()).remove('&') + " | " + keys.join(", ") + " |\n";
      }
  return text + "| zoom a chart | drag, wheel, + and − |\n| pan a chart | arrow keys |\n";
}

void WindowMenus::createToolBar(QMenu* view) {
  QToolBar* bar = w_->addToolBar("Main");
  bar->setObjectName("toolbar");
  for (const QString name : {"open-model", "open-example", "run", "cancel", "exact", "export-all"})
    bar->addAction(actions_.value(name));
  QAction* bar_toggle = bar->toggleViewAction();
  bar_toggle->setText("&Toolbar");
  bar_toggle->setObjectName("view-toolbar");
  view->insertAction(actions_.value("view-run-log"), bar_toggle);
  actions_.insert("view-toolbar", bar_toggle);
}

void WindowMenus::showTextDialog(const QString& name, const QString& title, const QString& text,
                                 bool markdown) {
  // Not modal: the window stays usable (and testable) while it is open; one dialog of each kind.
  auto* dialog = w_->findChild<QDialog*>(name);
  if (!dialog) {
    dialog = new QDialog(w_);
    dialog->setObjectName(name);
    dialog->setWindowTitle(title);
    auto* layout = new QVBoxLayout(dialog);
    auto* browser = new QTextBrowser(dialog);
    browser->setObjectName("text");
    browser->setOpenExternalLinks(true);
    layout->addWidget(browser);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, dialog);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::hide);
    layout->addWidget(buttons);
    dialog->resize(720, 560);
  }
  auto* browser = dialog->findChild<QTextBrowser*>("text");
  if (markdown)
    browser->setMarkdown(text);
  else
    browser->setPlainText(text);
  // Pictures from the resources (the guide's screenshots) are shown at most 640 pixels wide, so that the page
  // fits the dialog without scrolling sideways (set after the text: setting it clears the resources).
  static const QRegularExpression picture(R"(\((qrc:/[^)\s]+\.png)\))");
  for (auto m = picture.globalMatch(text); m.hasNext();) {
    const QString url = m.next().captured(1);
    const QImage image(url.mid(3));  // ":/guide/…"
    if (!image.isNull())
      browser->document()->addResource(
          QTextDocument::ImageResource, QUrl(url),
          image.width() > 640 ? image.scaledToWidth(640, Qt::SmoothTransformation) : image);
  }
  browser->document()->markContentsDirty(0, browser->document()->characterCount());
  dialog->show();
  dialog->raise();
}

WindowMenus::WindowMenus(MainWindow* window) : QObject(window), w_(window) {
  createFileMenu();
  createEditMenu();
  QMenu* view = createViewMenu();
  createRunMenu();
  createHelpMenu();
  createToolBar(view);
}

void WindowMenus::setRecentModels(const QStringList& paths) {
  recent_models_->clear();
  for (const auto& path : paths) recent_models_->addAction(path, this, [this, path] { w_->openModel(path); });
  recent_models_->setEnabled(!paths.isEmpty());
}

void WindowMenus::setRecentSessions(const QStringList& paths) {
  recent_sessions_->clear();
  for (const auto& path : paths)
    recent_sessions_->addAction(path, this, [this, path] {
      const QString err = w_->openSession(path);
      if (!err.isEmpty()) Q_EMIT w_->failureShown(err);
    });
  recent_sessions_->setEnabled(!paths.isEmpty());
}

}  // namespace ts::ui
