// MainWindow, part 4: the desktop conventions. Menus (File, Edit, View, Run, Help), the toolbar, standard
// shortcuts, docks that come back, the Preferences dialog, the light and dark themes, About and the shortcut
// list.
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
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

#include <functional>

#include "AlPanel.h"
#include "ChartView.h"
#include "ComparisonView.h"
#include "EngineClient.h"
#include "EstimatorPanel.h"
#include "ExportFiles.h"
#include "MainWindow.h"
#include "RunLog.h"
#include "RunsPanel.h"
#include "core/ErrorText.h"
#include "core/Errors.h"
#include "core/Numbers.h"

#ifndef TS_VERSION
#define TS_VERSION "unknown"
#endif

namespace ts::ui {

namespace {

QIcon icon(const QString& name) { return QIcon(":/icons/" + name + ".svg"); }

// Fusion with a dark palette: every widget, and the charts through ChartView::setDarkTheme.
QPalette dark_palette() {
  QPalette p;
  const QColor window(45, 45, 48), base(30, 30, 32), text(230, 230, 230), mid(90, 90, 95);
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, window);
  p.setColor(QPalette::ToolTipBase, base);
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, window);
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, Qt::red);
  p.setColor(QPalette::Link, QColor(0x5d, 0xa5, 0xe0));
  p.setColor(QPalette::Highlight, QColor(0x2a, 0x6f, 0xb0));
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::PlaceholderText, mid.lighter(150));
  p.setColor(QPalette::Disabled, QPalette::Text, mid.lighter(130));
  p.setColor(QPalette::Disabled, QPalette::ButtonText, mid.lighter(130));
  p.setColor(QPalette::Disabled, QPalette::WindowText, mid.lighter(130));
  return p;
}

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

QAction* MainWindow::addMenuAction(QMenu* menu, const QString& name, const QString& text,
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

void MainWindow::createMenus() {
  createFileMenu();
  createEditMenu();
  QMenu* view = createViewMenu();
  createRunMenu();
  createHelpMenu();
  createToolBar(view);
}

void MainWindow::createFileMenu() {
  QMenu* file = menuBar()->addMenu("&File");
  addMenuAction(file, "new-session", "&New session", {QKeySequence::New}, [this] {
    if (confirmDiscard("start a new session")) newSession();
  });
  addMenuAction(file, "open-session", "Open &session…", {QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O)},
                [this] {
                  if (!confirmDiscard("open another session")) return;
                  const QString path = QFileDialog::getOpenFileName(
                      this, "Open session", {}, "TangentScope sessions (*.tsession *.json);;All files (*)");
                  if (path.isEmpty()) return;
                  const QString err = openSession(path);
                  if (!err.isEmpty()) QMessageBox::warning(this, "Open session failed", err);
                });
  auto save_as = [this] {
    QString path = QFileDialog::getSaveFileName(this, "Save session", "session.tsession",
                                                "TangentScope sessions (*.tsession)");
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += ".tsession";
    const QString err = saveSession(path);
    if (!err.isEmpty()) QMessageBox::warning(this, "Save session failed", err);
  };
  addMenuAction(file, "save-session", "&Save session", {QKeySequence::Save}, [this, save_as] {
    if (session_path_.isEmpty()) return save_as();
    const QString err = saveSession(session_path_);
    if (!err.isEmpty()) QMessageBox::warning(this, "Save session failed", err);
  });
  addMenuAction(file, "save-session-as", "Save session &as…",
                {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)}, save_as);
  recent_sessions_menu_ = file->addMenu("Recent sessions");
  file->addSeparator();
  addMenuAction(
      file, "open-model", "&Open Model (TorchScript .pt)…", {QKeySequence::Open},
      [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, "Open TorchScript model", {}, "TorchScript (*.pt *.pth)");
        if (!path.isEmpty()) openModel(path);
      },
      "open");
  addMenuAction(
      file, "open-example", "Open &Example (a CNN on 8×8 digits)",
      {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E)},
      [this] {
        const QString err = openExample();
        if (!err.isEmpty()) QMessageBox::warning(this, "Open Example failed", err);
      },
      "example");
  addMenuAction(file, "open-data", "Open &Data (CSV, NumPy)…",
                {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O)}, [this] {
                  const QString path = QFileDialog::getOpenFileName(
                      this, "Open data", {}, "Data (*.csv *.npy *.npz);;All files (*)");
                  if (!path.isEmpty()) openData(path);
                });
  addMenuAction(file, "open-images", "Open &Image Folders (one per class)…", {}, [this] {
    const QString dir =
        QFileDialog::getExistingDirectory(this, "Open a folder of image folders (one per class)");
    if (!dir.isEmpty()) openData(dir);
  });
  addMenuAction(file, "open-run", "Open &Run (a training run's folder)…", {}, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, "Open a run folder (tangentscope.RunLogger)");
    if (dir.isEmpty()) return;
    const QString err = openRun(dir);
    if (!err.isEmpty()) QMessageBox::warning(this, "Open Run failed", err);
  });
  recent_menu_ = file->addMenu("Recent models");
  file->addSeparator();
  addMenuAction(
      file, "export-all", "Export &all (charts and results) to a folder…",
      {QKeySequence(Qt::CTRL | Qt::Key_E)},
      [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, "Export all to");
        if (dir.isEmpty()) return;
        const QString err = exportAll(dir);
        if (!err.isEmpty())
          QMessageBox::warning(this, "Export failed", err);
        else
          statusBar()->showMessage("Exported to " + dir);
      },
      "export");
  addMenuAction(file, "export-chart", "Export current &chart (PNG, SVG, PDF or CSV)…",
                {QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_E)}, [this] { exportCurrentChart(); });
  addMenuAction(file, "export-result", "Export &result (JSON or CSV)…", {}, [this] {
    const QString path =
        QFileDialog::getSaveFileName(this, "Export result", "result.json", "Results (*.json *.csv)");
    if (path.isEmpty()) return;
    const QString err = exportResult(path);
    if (!err.isEmpty()) QMessageBox::warning(this, "Export failed", err);
  });
  addMenuAction(file, "export-kernel", "Export &kernel (NumPy .npy)…", {}, [this] {
    const QString path =
        QFileDialog::getSaveFileName(this, "Export kernel", "kernel.npy", "NumPy arrays (*.npy)");
    if (!path.isEmpty()) exportKernel(path);
  });
  file->addSeparator();
  addMenuAction(file, "quit", "&Quit", {QKeySequence(Qt::CTRL | Qt::Key_Q)}, [this] { close(); });
}

void MainWindow::exportCurrentChart() {
  // The tab's chart (its first, on a tab with several), else the Convergence chart.
  QWidget* shown = page(tabs_->currentIndex());
  auto* chart = qobject_cast<ChartView*>(shown);
  if (!chart && shown) chart = shown->findChild<ChartView*>();
  if (!chart) chart = convergence_;
  const QString path = QFileDialog::getSaveFileName(this, "Export chart", "chart.png",
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
    const QString answer = QInputDialog::getText(
        this, "Chart size", "Width × height in pixels, @ scale (PNG):", QLineEdit::Normal,
        QString("%1x%2@1").arg(chart->width()).arg(chart->height()), &ok);
    if (!ok) return;
    const QRegularExpressionMatch m =
        QRegularExpression("^\\s*(\\d+)\\s*[x×]\\s*(\\d+)\\s*(?:@\\s*([0-9.]+))?\\s*$").match(answer);
    if (!m.hasMatch() || m.captured(1).toInt() < 50 || m.captured(2).toInt() < 50 ||
        m.captured(1).toInt() > 20000 || m.captured(2).toInt() > 20000) {
      QMessageBox::warning(this, "Export chart",
                           "'" + answer + "' is not WIDTHxHEIGHT@SCALE (e.g. 1200x800@2)");
      return;
    }
    const double scale = m.captured(3).isEmpty() ? 1.0 : m.captured(3).toDouble();
    err = chart->exportTo(path, QSize(m.captured(1).toInt(), m.captured(2).toInt()),
                          scale > 0 && scale <= 8 ? scale : 1.0);
  }
  if (!err.isEmpty()) QMessageBox::warning(this, "Export failed", err);
}

void MainWindow::createEditMenu() {
  QMenu* edit = menuBar()->addMenu("&Edit");
  addMenuAction(edit, "copy-result", "&Copy result", {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C)},
                [this] { copyResult(); });
  edit->addSeparator();
  addMenuAction(edit, "preferences", "&Preferences…",
                {QKeySequence::Preferences, QKeySequence(Qt::CTRL | Qt::Key_Comma)},
                [this] { showPreferences(); });
}

QMenu* MainWindow::createViewMenu() {
  QMenu* view = menuBar()->addMenu("&View");
  QAction* log_toggle = run_log_dock_->toggleViewAction();
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
    const QWidget* shown = page(tabs_->currentIndex());
    panel_widget_->setVisible(panel_toggle->isChecked() && shown != al_ && shown != runs_);
  };
  connect(panel_toggle, &QAction::toggled, this, sync_panel);
  connect(tabs_, &QTabWidget::currentChanged, this, sync_panel);
  actions_.insert("view-panel", panel_toggle);
  view->addSeparator();
  for (int i = 0; i < tabs_->count(); ++i) {
    const QString name = "tab-" + QString::number(i + 1);
    QAction* a = view->addAction(tabs_->tabText(i));
    if (i < 9) a->setShortcut(QKeySequence(Qt::ALT | (Qt::Key_1 + i)));
    a->setObjectName(name);
    connect(a, &QAction::triggered, this, [this, i] { tabs_->setCurrentIndex(i); });
    actions_.insert(name, a);
  }
  view->addSeparator();
  addMenuAction(view, "reset-layout", "&Reset layout", {}, [this] {
    restoreState(default_state_);
    run_log_dock_->show();
    panel_widget_->show();
    actions_.value("view-panel")->setChecked(true);
  });
  QMenu* theme = view->addMenu("&Theme");
  auto* themes = new QActionGroup(this);
  for (const QString t : {"light", "dark"}) {
    QAction* a = theme->addAction(t == "light" ? "&Light" : "&Dark");
    a->setCheckable(true);
    a->setChecked(t == theme_);
    a->setObjectName("theme-" + t);
    a->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | (t == "light" ? Qt::Key_L : Qt::Key_D)));
    themes->addAction(a);
    connect(a, &QAction::triggered, this, [this, t] { setTheme(t); });
    actions_.insert("theme-" + t, a);
  }

  return view;
}

void MainWindow::createRunMenu() {
  QMenu* runm = menuBar()->addMenu("&Run");
  addMenuAction(
      runm, "run", "&Run", {QKeySequence(Qt::CTRL | Qt::Key_R), QKeySequence(Qt::Key_F5)}, [this] { run(); },
      "run");
  addMenuAction(
      runm, "cancel", "&Cancel", {QKeySequence(Qt::Key_Escape)}, [this] { engine_->cancel(); }, "cancel");
  addMenuAction(
      runm, "exact", "Compute &exact trace", {QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R)},
      [this] {
        estimators_->setExact(true);
        run();
      },
      "exact");
  runm->addSeparator();
  addMenuAction(runm, "spectrum", "Compute the &spectrum", {}, [this] {
    tabs_->setCurrentIndex(2);
    computeSpectrum();
  });
  addMenuAction(runm, "metrics", "Compute the &metrics", {}, [this] {
    tabs_->setCurrentIndex(3);
    computeMetrics();
  });
}

void MainWindow::createHelpMenu() {
  QMenu* help = menuBar()->addMenu("&Help");
  addMenuAction(help, "user-guide", "&User guide", {QKeySequence::HelpContents, QKeySequence(Qt::Key_F1)},
                [this] {
                  QFile f(":/README.md");
                  const QString text = f.open(QIODevice::ReadOnly)
                                           ? QString::fromUtf8(f.readAll())
                                           : QString("The user guide is missing from the resources.");
                  showTextDialog("user-guide", "TangentScope — user guide", text, true);
                });
  addMenuAction(help, "shortcuts", "&Keyboard shortcuts", {}, [this] {
    QString text = "| action | keys |\n| --- | --- |\n";
    QList<QAction*> listed;  // each action once, each of its keys once (F1 is also the standard Help key)
    for (QMenu* m : menuBar()->findChildren<QMenu*>())
      for (QAction* a : m->actions())
        if (!a->shortcuts().isEmpty() && !a->text().isEmpty() && !listed.contains(a)) {
          listed << a;
          QStringList keys;
          for (const auto& k : a->shortcuts()) keys << k.toString(QKeySequence::NativeText);
          keys.removeDuplicates();
          text += "| " + QString(a->text()).remove('&') + " | " + keys.join(", ") + " |\n";
        }
    text += "| zoom a chart | drag, wheel, + and − |\n| pan a chart | arrow keys |\n";
    showTextDialog("shortcuts", "Keyboard shortcuts", text, true);
  });
  help->addSeparator();
  addMenuAction(help, "about", "&About TangentScope", {}, [this] {
    const QString text = about_text();
    showTextDialog("about", "About TangentScope", text, true);
  });
}

void MainWindow::createToolBar(QMenu* view) {
  QToolBar* bar = addToolBar("Main");
  bar->setObjectName("toolbar");
  for (const QString name : {"open-model", "open-example", "run", "cancel", "exact", "export-all"})
    bar->addAction(actions_.value(name));
  QAction* bar_toggle = bar->toggleViewAction();
  bar_toggle->setText("&Toolbar");
  bar_toggle->setObjectName("view-toolbar");
  view->insertAction(actions_.value("view-run-log"), bar_toggle);
  actions_.insert("view-toolbar", bar_toggle);
}

void MainWindow::showTextDialog(const QString& name, const QString& title, const QString& text,
                                bool markdown) {
  // Not modal: the window stays usable (and testable) while it is open; one dialog of each kind.
  auto* dialog = findChild<QDialog*>(name);
  if (!dialog) {
    dialog = new QDialog(this);
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
  dialog->show();
  dialog->raise();
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
  if (dark) {
    QApplication::setStyle(QStyleFactory::create("Fusion"));  // platform styles may ignore the palette
    QApplication::setPalette(dark_palette());
  } else {
    QApplication::setPalette(QApplication::style()->standardPalette());
  }
  ChartView::setDarkDefault(dark);
  for (ChartView* c : findChildren<ChartView*>()) c->setDarkTheme(dark);
  if (QAction* a = actions_.value("theme-" + theme_)) a->setChecked(true);
  if (persist_) QSettings().setValue("theme", theme_);
}

void MainWindow::showPreferences() {
  QDialog dialog(this);
  dialog.setObjectName("preferences");
  dialog.setWindowTitle("Preferences");
  auto* form = new QFormLayout(&dialog);
  EstimatorSettings compute = estimators_->settings();
  auto* device = new QComboBox(&dialog);
  device->addItems({"cpu", "cuda"});
  device->setCurrentText(compute.device);
  auto* precision = new QComboBox(&dialog);
  precision->addItems({"float64", "float32"});
  precision->setCurrentText(compute.dtype);
  auto* threads = new QSpinBox(&dialog);
  threads->setRange(0, 64);
  threads->setSpecialValueText("default");
  threads->setValue(compute.threads);
  auto* budget = new QLineEdit(QString::fromStdString(format_bytes(double(memory_budget_))), &dialog);
  budget->setObjectName("memoryBudget");
  budget->setToolTip("The largest dense kernel or allocation an exact method may hold, e.g. 512M or 4G");
  auto* theme = new QComboBox(&dialog);
  theme->addItems({"light", "dark"});
  theme->setCurrentText(theme_);
  auto* autosave = new QSpinBox(&dialog);
  autosave->setObjectName("autosaveMinutes");
  autosave->setRange(0, 120);
  autosave->setSuffix(" min");
  autosave->setSpecialValueText("off");
  autosave->setValue(autosave_->interval() / 60000);
  autosave->setToolTip("How often the session is saved for recovery after a crash (0: never)");
  form->addRow("Default device", device);
  form->addRow("Precision", precision);
  form->addRow("Threads", threads);
  form->addRow("Memory budget", budget);
  form->addRow("Theme", theme);
  form->addRow("Autosave every", autosave);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  if (dialog.exec() != QDialog::Accepted) return;
  compute.device = device->currentText();
  compute.dtype = precision->currentText();
  compute.threads = threads->value();
  estimators_->apply(compute);
  try {
    memory_budget_ = parse_memory_size(budget->text().trimmed().toStdString(), "the memory budget");
    const int64_t physical = physical_memory_bytes();
    if (physical > 0 && memory_budget_ > physical)
      statusBar()->showMessage(QString("The memory budget %1 is more than this machine's %2 of memory: a "
                                       "computation that fits it may still run out of memory.")
                                   .arg(QString::fromStdString(format_bytes(double(memory_budget_))),
                                        QString::fromStdString(format_bytes(double(physical)))),
                               15000);
  } catch (const Error& e) {
    QMessageBox::warning(this, "Preferences", QString::fromStdString(e.what()) + "; it is unchanged.");
  }
  setTheme(theme->currentText());
  autosave_->setInterval(std::max(1, autosave->value()) * 60000);
  if (autosave->value() > 0)
    autosave_->start();
  else
    autosave_->stop();
  if (persist_) QSettings().setValue("autosave_minutes", autosave->value());
}

}  // namespace ts::ui
