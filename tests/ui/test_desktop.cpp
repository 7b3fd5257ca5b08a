// A desktop tool's manners in the real window under the offscreen platform: menus, shortcuts, docks, themes
// and contrast, dialogs and the user guide, the charts' colours, ticks and legends, nothing clipped, undo and
// redo of the form, keyboard order, and chart files that carry their configuration.
#include <cmath>
#include <functional>
#include <limits>

#include <QAbstractButton>
#include <QAbstractScrollArea>
#include <QAbstractSpinBox>
#include <QAction>
#include <QApplication>
#include <QAreaSeries>
#include <QChart>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QCryptographicHash>
#include <QDialog>
#include <QDir>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLegend>
#include <QLegendMarker>
#include <QLineEdit>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QMenuBar>
#include <QProcess>
#include <QRadioButton>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QTextDocument>
#include <QTimer>
#include <QToolBar>
#include <QValueAxis>
#include <QtTest>

#include "AlPanel.h"
#include "ChartLegend.h"
#include "ChartView.h"
#include "EngineClient.h"
#include "EstimatorPanel.h"
#include "FormHistory.h"
#include "LayersPanel.h"
#include "LayoutCheck.h"
#include "MainWindow.h"
#include "MetricsPanel.h"
#include "Notation.h"
#include "PntkPanel.h"
#include "ProblemCaption.h"
#include "ProblemPanel.h"
#include "RunDiff.h"
#include "RunLog.h"
#include "SampleGallery.h"
#include "SpectrumPanel.h"
#include "TestHarness.h"
#include "TrainingPanel.h"
#include "WindowHelpers.h"
#include "WindowSession.h"
#include "core/Json.h"
#include "core/Numbers.h"
#include "core/TorchUtil.h"
#include "data/NumpyFiles.h"
#include "estimators/EstimatorRegistry.h"
#include "jobs/Jobs.h"
#include "session/SessionFile.h"

using namespace ts;

namespace test_desktop {

namespace {
using test_ui::small_problem;

// The WCAG contrast ratio of two colours (1 to 21).
double contrast(const QColor& a, const QColor& b) {
  auto luminance = [](const QColor& c) {
    auto lin = [](double v) { return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF());
  };
  const double la = luminance(a), lb = luminance(b);
  return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}
}  // namespace

class TestDesktop : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { QSettings().clear(); }  // XDG_CONFIG_HOME points into the build tree

  // The desktop conventions: the five menus, standard shortcuts, a run started from the keyboard, docks that
  // come back, the dark theme with the method colours kept, About and the shortcut list, copy, open data.
  void desktopConventions() {
    ui::MainWindow w(nullptr, false);
    w.setProblem("mlp:in=64,width=32,depth=2,out=10,seed=1", "digits:n=20");
    w.show();
    QStringList menus;
    for (QAction* a : w.menuBar()->actions()) menus << a->text().remove('&');
    QCOMPARE(menus, (QStringList{"File", "Edit", "View", "Run", "Help"}));
    const QList<QPair<QString, QKeySequence>> keys{
        {"open-model", QKeySequence::Open},
        {"run", QKeySequence(Qt::CTRL | Qt::Key_R)},
        {"run", QKeySequence(Qt::Key_F5)},
        {"cancel", QKeySequence(Qt::Key_Escape)},
        {"export-all", QKeySequence(Qt::CTRL | Qt::Key_E)},
        {"quit", QKeySequence(Qt::CTRL | Qt::Key_Q)},
        {"user-guide", QKeySequence(Qt::Key_F1)},
        {"view-run-log", QKeySequence(Qt::CTRL | Qt::Key_L)},
        {"new-session", QKeySequence::New},
        {"save-session", QKeySequence::Save},
        {"save-session-as", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S)},
        {"open-session", QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O)},
        {"open-example", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E)},
        {"export-chart", QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_E)},
        {"theme-dark", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D)},
        {"theme-light", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_L)}};
    for (const auto& [name, key] : keys) {
      QAction* a = w.action(name);
      QVERIFY2(a, qPrintable(name));
      QVERIFY2(a->shortcuts().contains(key), qPrintable(name + " " + key.toString()));
    }
    for (const QString n :
         {"open-data", "open-images", "open-example", "export-kernel", "export-chart", "copy-result",
          "preferences", "exact", "reset-layout", "theme-dark", "about", "shortcuts"})
      QVERIFY2(w.action(n), qPrintable(n));
    QVERIFY(w.findChild<QToolBar*>("toolbar") && !w.findChild<QToolBar*>("toolbar")->actions().isEmpty());
    // F5 runs (the shortcut, as a user presses it).
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    QVERIFY(QTest::qWaitForWindowActive(&w));
    QTest::keyClick(&w, Qt::Key_F5);
    QVERIFY(done.wait(60000));
    // The run log dock: closed, then brought back from the View menu; Reset layout shows it too.
    w.runLogDock()->close();
    QVERIFY(!w.runLogDock()->isVisible());
    w.action("view-run-log")->trigger();
    QVERIFY(w.runLogDock()->isVisible());
    w.runLogDock()->close();
    w.action("reset-layout")->trigger();
    QVERIFY(w.runLogDock()->isVisible());
    // One shared model panel: the Active-learning tab shows its own set-up in its place; View ▸ Control panel
    // collapses it on every tab.
    QVERIFY(w.controlPanel()->isVisible());
    w.showPage(w.alPanel());
    QVERIFY(!w.controlPanel()->isVisible());
    w.tabs()->setCurrentIndex(0);
    QVERIFY(w.controlPanel()->isVisible());
    w.action("view-panel")->trigger();
    QVERIFY(!w.controlPanel()->isVisible());
    w.tabs()->setCurrentIndex(1);
    QVERIFY(!w.controlPanel()->isVisible());
    w.action("view-panel")->trigger();
    QVERIFY(w.controlPanel()->isVisible());
    w.tabs()->setCurrentIndex(0);
    // Dark theme: every chart dark, the estimators keep their colours.
    auto colour = [&] {
      for (auto* s : w.convergenceChart()->chart()->series())
        if (s->name() == "Hutch++") return qobject_cast<QLineSeries*>(s)->pen().color();  // its display name
      return QColor();
    };
    const QColor before = colour();
    QVERIFY(before.isValid());
    w.action("theme-dark")->trigger();
    QCOMPARE(w.theme(), QString("dark"));
    QCOMPARE(w.convergenceChart()->chart()->theme(), QChart::ChartThemeDark);
    QCOMPARE(w.pntkPanel()->findChildren<ui::ChartView*>().first()->chart()->theme(), QChart::ChartThemeDark);
    QCOMPARE(colour(), before);
    QVERIFY(qApp->palette().color(QPalette::Window).lightness() < 100);
    // Contrast in both themes: text against its ground at least 4.5:1 (WCAG AA), and an unticked check box
    // and radio button at least 3:1 against the window (WCAG's 1.4.11 for controls).
    for (const QString theme : {"dark", "light"}) {
      w.setTheme(theme);
      const QPalette p = qApp->palette();
      for (const auto& [fg, bg] :
           {std::pair{QPalette::WindowText, QPalette::Window}, std::pair{QPalette::Text, QPalette::Base},
            std::pair{QPalette::ButtonText, QPalette::Button}})
        QVERIFY2(contrast(p.color(fg), p.color(bg)) >= 4.5, qPrintable(theme));
      for (QAbstractButton* b :
           std::initializer_list<QAbstractButton*>{new QCheckBox("x"), new QRadioButton("x")}) {
        b->resize(b->sizeHint());
        QImage img(b->size(), QImage::Format_ARGB32);
        img.fill(p.color(QPalette::Window));
        b->render(&img);
        double best = 1;
        for (int y = 0; y < img.height(); ++y)
          for (int x = 0; x < std::min(img.width(), img.height()); ++x)  // the indicator: the left square
            best = std::max(best, contrast(QColor(img.pixel(x, y)), p.color(QPalette::Window)));
        QVERIFY2(best >= 3.0,
                 qPrintable(theme + ": " + b->metaObject()->className() + " " + QString::number(best)));
        delete b;
      }
    }
    w.setTheme("light");
    QCOMPARE(w.convergenceChart()->chart()->theme(), QChart::ChartThemeLight);
    // Help: About names the version and the papers; the shortcut list has F5.
    w.action("about")->trigger();
    auto* about = w.findChild<QDialog*>("about");
    QVERIFY(about && about->isVisible());
    const QString text = about->findChild<QTextBrowser*>("text")->toPlainText();
    QVERIFY2(text.contains("TangentScope 0.") && text.contains("Hazelden") && text.contains("Hutch++"),
             qPrintable(text));
    w.action("shortcuts")->trigger();
    const QString shortcuts =
        w.findChild<QDialog*>("shortcuts")->findChild<QTextBrowser*>("text")->toPlainText();
    QVERIFY(shortcuts.contains("F5"));
    QVERIFY2(!shortcuts.contains("F1, F1"), qPrintable(shortcuts));  // each key once
    QCOMPARE(shortcuts.count("User guide"), 1);
    // The guide is the app's own page: what each number means, its images from the resources, the shortcuts;
    // not the README's install commands.
    w.action("user-guide")->trigger();
    QTextBrowser* guide = w.findChild<QDialog*>("user-guide")->findChild<QTextBrowser*>("text");
    const QString page = guide->toPlainText();
    QVERIFY2(page.contains("What each number means") && page.contains("effective rank") &&
                 page.contains("Keyboard shortcuts") && page.contains("F5") && !page.contains("scripts/deps"),
             qPrintable(page.left(300)));
    for (const char* image : {"qrc:/guide/convergence.png", "qrc:/guide/runs.png", "qrc:/guide/metrics.png"})
      QVERIFY2(!guide->document()
                    ->resource(QTextDocument::ImageResource, QUrl(QString::fromLatin1(image)))
                    .value<QImage>()
                    .isNull(),
               image);
    // Copy result; open data by extension.
    w.action("copy-result")->trigger();
    QVERIFY(QApplication::clipboard()->text().startsWith(w.resultText()));
    QVERIFY(QApplication::clipboard()->text().contains("seed 0"));
    w.openData("/data/x.npy");
    QCOMPARE(w.currentCompareJob().problem.data, std::string("npy:/data/x.npy"));
    w.openData("/data/t.csv");
    QCOMPARE(w.currentCompareJob().problem.data, std::string("csv:/data/t.csv"));
    const QString folder = QDir::tempPath();  // a folder: image folders per class, with the batch size
    w.openData(folder);
    QVERIFY2(
        QString::fromStdString(w.currentCompareJob().problem.data).startsWith("images:" + folder + ",n="),
        w.currentCompareJob().problem.data.c_str());
    // Preferences: the memory budget and threads reach the jobs.
    QTimer::singleShot(200, [&] {
      auto* d = w.findChild<QDialog*>("preferences");
      QVERIFY(d);
      auto* budget = d->findChild<QLineEdit*>("memoryBudget");
      QVERIFY(budget);
      budget->setText("256M");
      d->accept();
    });
    w.action("preferences")->trigger();
    QCOMPARE(w.currentCompareJob().problem.compute.memory_budget, int64_t(256) << 20);
  }

  // Charts that read at a glance: one colour per method in every chart, bands in their line's colour,
  // distinct colours for other series, 1-2-5 ticks on linear axes and whole decades on log axes.
  void chartColoursAndTicks() {
    ui::ChartView a("A", "matvecs", "tr K"), b("B", "seconds", "relative error");
    a.setSeries("hutchpp", {{1, 6188.3}, {2, 7013.9}, {3, 6500.0}}, {10, 10, 10});
    a.setSeries("xnystrace", {{1, 6400}, {2, 6600}}, {5, 5});
    b.setLogX(true);
    b.setLogY(true);
    b.setSeries("xnystrace", {{0.013, 0.05}, {0.07, 0.2}});
    b.setSeries("hutchpp", {{0.02, 0.03}, {0.09, 0.08}});
    const auto colour = [](ui::ChartView& c, const QString& name) {  // by code or display name
      for (auto* s : c.chart()->series())
        if (s->name() == name || s->name() == ui::displayName(name))
          return qobject_cast<QLineSeries*>(s)->pen().color();
      return QColor();
    };
    QCOMPARE(colour(a, "hutchpp"), colour(b, "hutchpp"));
    QCOMPARE(colour(a, "xnystrace"), colour(b, "xnystrace"));
    QVERIFY(colour(a, "hutchpp") != colour(a, "xnystrace"));
    QStringList legend;  // what a person reads: the display names
    for (auto* m : a.chart()->legend()->markers()) legend << m->label();
    QVERIFY2(legend.contains("Hutch++") && legend.contains("XNysTrace"), qPrintable(legend.join(", ")));
    for (auto* s : a.chart()->series())
      if (auto* area = qobject_cast<QAreaSeries*>(s)) {
        const QString line = area->name().section(" ±", 0, 0);
        QCOMPARE(area->brush().color().rgb(), colour(a, line).rgb());
      }
    ui::ChartView c("C", "width", "error");
    for (const QString n : {"‖Θ − Θ̂⊗I‖_F", "λ_max", "prediction", "fit"}) c.setSeries(n, {{1, 1}, {2, 2}});
    QSet<QRgb> seen;
    for (auto* s : c.chart()->series()) seen.insert(qobject_cast<QLineSeries*>(s)->pen().color().rgb());
    QCOMPARE(seen.size(), 4);
    auto* y = qobject_cast<QValueAxis*>(a.chart()->axes(Qt::Vertical).first());
    QVERIFY(y && y->tickCount() > 1);
    const double step = (y->max() - y->min()) / (y->tickCount() - 1);
    const double mantissa = step / std::pow(10.0, std::floor(std::log10(step)));
    QVERIFY2(
        std::fabs(mantissa - 1) < 1e-9 || std::fabs(mantissa - 2) < 1e-9 || std::fabs(mantissa - 5) < 1e-9,
        qPrintable(QString::number(step)));
    QVERIFY(std::fabs(y->min() / step - std::round(y->min() / step)) < 1e-9);
    auto* lx = qobject_cast<QLogValueAxis*>(b.chart()->axes(Qt::Horizontal).first());
    auto* ly = qobject_cast<QLogValueAxis*>(b.chart()->axes(Qt::Vertical).first());
    QVERIFY(lx && ly);
    QCOMPARE(lx->min(), 0.01);  // 0.013 … 0.09: the decade 0.01 … 0.1, both labelled
    QCOMPARE(lx->max(), 0.1);
    QCOMPARE(ly->min(), 0.01);
    QCOMPARE(ly->max(), 1.0);
    QVERIFY(ly->isMinorGridLineVisible());
    // Bands stop at the quantity's bounds (an accuracy's t-interval over three seeds can pass 1), and so
    // does the axis, but for its margin.
    ui::ChartView acc("Accuracy", "labels", "test accuracy");
    acc.setBandBounds(0, 1);
    acc.setSeries("margin", {{100, 0.9}, {120, 0.97}}, {0.2, 0.1});
    int bands = 0;
    for (auto* s : acc.chart()->series())
      if (auto* area = qobject_cast<QAreaSeries*>(s)) {
        ++bands;
        QCOMPARE(area->upperSeries()->at(1).y(), 1.0);
        QCOMPARE(area->upperSeries()->at(0).y(), 1.0);
        QCOMPARE(area->lowerSeries()->at(0).y(), 0.9 - 0.2);
      }
    QCOMPARE(bands, 1);
    auto* ay = qobject_cast<QValueAxis*>(acc.chart()->axes(Qt::Vertical).first());
    QVERIFY2(ay && ay->max() <= 1.0 && ay->min() >= 0.0,
             qPrintable(QString::number(ay ? ay->max() : -1)));  // within [0, 1]
  }

  // No cut titles or labels on any tab, at the default window size and at 1280×800 (a laptop screen), with
  // four series in every chart; the window can be made that small (the tabs scroll instead).
  void noClippedText() {
    ui::MainWindow w(nullptr, false);
    w.show();
    const QSize initial = w.size();
    for (auto* chart : w.findChildren<ui::ChartView*>())
      for (const QString n : {"hutchpp", "xnystrace", "hutchinson", "mlmoc"})
        chart->setSeries(n, {{1, 1}, {10, 2}, {100, 3}});
    for (const QSize size : {initial, QSize(1280, 800)}) {
      w.resize(size);
      for (int tab = 0; tab < w.tabs()->count(); ++tab) {
        w.tabs()->setCurrentIndex(tab);
        QApplication::processEvents();
        QCOMPARE(w.size(), size);
        const QStringList cut = ui::clippedText(&w);
        QString picture;  // what the failure looked like
        if (!cut.isEmpty()) {
          picture = QDir::temp().filePath(QString("tangentscope-cut-%1.png").arg(tab));
          w.grab().save(picture);
        }
        QVERIFY2(cut.isEmpty(), qPrintable(QString("%1 at %2x%3: %4 (see %5)")
                                               .arg(w.tabs()->tabText(tab))
                                               .arg(size.width())
                                               .arg(size.height())
                                               .arg(cut.join("; "), picture)));
      }
    }
    // The check itself: a chart squeezed below its title's length is reported.
    ui::ChartView tiny("A title far too long for a chart this narrow to show in full", "x",
                       "a y axis title far too long");
    tiny.setMinimumSize(0, 0);
    tiny.resize(160, 120);
    tiny.show();
    QApplication::processEvents();
    const QStringList cut = ui::clippedText(&tiny);
    QVERIFY2(cut.join("\n").contains("'A title far too"), qPrintable(cut.join("; ")));
  }

  // A chart's files say what produced them: the run's configuration and seed in the PNG's text chunk, the
  // SVG's <desc> and the CSV's comment lines.
  // Edit ▸ Undo and Redo step through the form's settled changes (the model, the estimators), each step
  // named; the run log survives a relaunch (kept at exit, shown at launch, its pins with it).
  void formUndoRedoAndRunLogKept() {
    ui::MainWindow w(nullptr, false);
    small_problem(w);
    w.formHistory()->settle();
    const int start = w.formHistory()->steps();
    w.setMethods({"hutchinson", "xnystrace"});
    w.formHistory()->settle();
    w.setProblem("mlp:in=64,width=32,depth=2,out=10,seed=1", "digits:n=20");
    w.formHistory()->settle();
    QCOMPARE(w.formHistory()->steps(), start + 2);
    QCOMPARE(w.action("undo")->text(), QString("&Undo model"));
    QCOMPARE(w.action("undo")->shortcut(), QKeySequence(QKeySequence::Undo));
    w.action("undo")->trigger();
    QCOMPARE(w.currentCompareJob().problem.model, std::string("mlp:in=64,width=16,depth=2,out=10,seed=1"));
    QCOMPARE(w.currentCompareJob().methods, (std::vector<std::string>{"xnystrace", "hutchinson"}));
    w.action("undo")->trigger();
    QCOMPARE(w.currentCompareJob().methods, std::vector<std::string>{"hutchpp"});
    w.action("redo")->trigger();
    QCOMPARE(w.currentCompareJob().methods, (std::vector<std::string>{"xnystrace", "hutchinson"}));
    QCOMPARE(w.currentCompareJob().problem.model, std::string("mlp:in=64,width=16,depth=2,out=10,seed=1"));
    w.action("redo")->trigger();
    QCOMPARE(w.currentCompareJob().problem.model, std::string("mlp:in=64,width=32,depth=2,out=10,seed=1"));
    w.formHistory()->settle();  // an undo or redo is no new step
    QCOMPARE(w.formHistory()->steps(), start + 2);

    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    w.run();
    QVERIFY(done.wait(60000));
    w.runLog()->setPinned(0, true);
    QCOMPARE(w.session()->keepRunLog(), QString());
    ui::MainWindow again(nullptr, false);
    QCOMPARE(again.session()->restoreRunLog(), QString());
    QCOMPARE(again.runLog()->runs(), 1);
    QCOMPARE(again.runLog()->pinnedRows(), QList<int>{0});
    QCOMPARE(again.runLog()->config(0).problem.model, w.runLog()->config(0).problem.model);
    QCOMPARE(again.runLog()->item(0, 4)->text(), w.runLog()->item(0, 4)->text());
    QFile::remove(w.session()->runLogPath());
  }

  // Tab moves through the control panel as it reads: each next field is lower, or on the same row further
  // right.
  void tabOrderFollowsTheForm() {
    ui::MainWindow w(nullptr, false);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QWidget* panel = w.controlPanel();
    QList<QWidget*> fields;  // the fields of the two boxes (not the parts inside a spin box or combo box)
    for (QWidget* box : {static_cast<QWidget*>(w.problemPanel()), static_cast<QWidget*>(w.estimatorPanel())})
      for (QWidget* f : box->findChildren<QWidget*>())
        if ((f->focusPolicy() & Qt::TabFocus) && f->isVisibleTo(panel) && f->isEnabled() &&
            !qobject_cast<QAbstractSpinBox*>(f->parentWidget()) &&
            !qobject_cast<QComboBox*>(f->parentWidget()))
          fields << f;
    QVERIFY(fields.size() > 10);
    QWidget* first = fields.front();
    for (QWidget* f : fields)
      if (f->mapTo(&w, QPoint(0, 0)).y() < first->mapTo(&w, QPoint(0, 0)).y()) first = f;
    QWidget* at = first;
    int visited = 0;
    for (int i = 0; i < 200 && visited < fields.size() - 1; ++i) {
      QWidget* next = at->nextInFocusChain();
      while (!fields.contains(next) && next != first) next = next->nextInFocusChain();
      if (next == first) break;
      const QRect a(at->mapTo(&w, QPoint(0, 0)), at->size()), b(next->mapTo(&w, QPoint(0, 0)), next->size());
      const bool same_row =
          std::abs(a.center().y() - b.center().y()) < std::min(a.height(), b.height()) / 2 + 4;
      QVERIFY2(
          same_row ? b.left() > a.left() : b.top() >= a.center().y(),
          qPrintable(at->objectName() + QString(" (%1,%2) → ").arg(a.x()).arg(a.y()) + next->objectName() +
                     QString(" (%1,%2)").arg(b.x()).arg(b.y()) + " " + next->metaObject()->className()));
      at = next;
      ++visited;
    }
    QVERIFY2(visited >= fields.size() / 2, qPrintable(QString::number(visited)));
  }

  // A legend that fits one row stays below the plot; one that does not floats inside the plot area (taking
  // none of the chart's room, cutting no label) in the corner with the fewest points.
  void legendsBelowOrInside() {
    ui::ChartView c("t", "x", "y");
    c.resize(900, 500);
    c.show();
    QVERIFY(QTest::qWaitForWindowExposed(&c));
    c.setSeries("a", {QPointF(0, 0), QPointF(1, 1)});
    QCoreApplication::processEvents();
    QVERIFY(c.chart()->legend()->isAttachedToChart());
    QCOMPARE(c.chart()->legend()->alignment(), Qt::AlignBottom);
    for (int i = 0; i < 3; ++i)  // rising lines: the top-left corner stays empty
      c.setSeries(QString("a long series name %1").arg(i), {QPointF(0, 0), QPointF(1, 1 + 0.1 * i)});
    c.resize(400, 500);
    QCoreApplication::processEvents();
    QLegend* legend = c.chart()->legend();
    QVERIFY(!legend->isAttachedToChart());
    const QRectF plot = c.chart()->plotArea(), box = legend->geometry();
    QVERIFY2(plot.contains(box),
             qPrintable(QString("%1,%2 %3×%4").arg(box.x()).arg(box.y()).arg(box.width()).arg(box.height())));
    QVERIFY(box.center().x() < plot.center().x() && box.center().y() < plot.center().y());  // top left
  }

  // When curves pass through every corner, a floating legend would cover data: the entries go in rows below
  // the plot (no label cut, none over the plot area, a small share of the chart), and a click on an entry
  // toggles its curve as Qt's legend does.
  void legendInRowsWhenEveryCornerHasData() {
    ui::ChartView c("t", "x", "y");
    c.resize(500, 420);
    c.show();
    QVERIFY(QTest::qWaitForWindowExposed(&c));
    c.setSeries("rising, a long name", {QPointF(0, 0), QPointF(1, 1)});
    c.setSeries("falling, a long name", {QPointF(0, 1), QPointF(1, 0)});
    for (int i = 0; i < 4; ++i)  // flat lines near the top and the bottom
      c.setSeries(QString("flat %1, a long name").arg(i),
                  {QPointF(0, i % 2 ? 0.98 : 0.02), QPointF(1, i % 2 ? 0.98 : 0.02)});
    c.resize(520, 420);
    QCoreApplication::processEvents();
    QVERIFY(!c.chart()->legend()->isVisible());
    QGraphicsObject* rows = ui::rows_legend(*c.chart());
    QVERIFY(rows && rows->isVisible());
    QCOMPARE(ui::rows_legend_labels(*c.chart()).size(), 6);
    const QRectF plot = c.chart()->plotArea(), box = rows->sceneBoundingRect();
    const QString shape = QString("rows %1,%2 %3×%4, plot %5,%6 %7×%8")
                              .arg(box.x())
                              .arg(box.y())
                              .arg(box.width())
                              .arg(box.height())
                              .arg(plot.x())
                              .arg(plot.y())
                              .arg(plot.width())
                              .arg(plot.height());
    QVERIFY2(!plot.intersects(box) && box.top() > plot.bottom(), qPrintable(shape));
    QVERIFY2(QRectF(0, 0, c.width(), c.height()).contains(box), qPrintable(shape));
    QVERIFY2(box.width() * box.height() <= 0.15 * c.width() * c.height(), qPrintable(shape));
    QVERIFY(ui::clippedText(&c).isEmpty());
    // Exported taller than the view, the rows sit at the picture's foot (below the x axis), and come back
    // after.
    QTemporaryDir tmp;
    QCOMPARE(c.exportTo(tmp.path() + "/rows.png", QSize(520, 800)), QString());
    const QImage png(tmp.path() + "/rows.png");
    int dark = 0;
    for (int y = 800 - int(box.height()) - 10; y < 800; ++y)
      for (int x = 0; x < png.width(); ++x) dark += qGray(png.pixel(x, y)) < 128;
    QVERIFY2(dark > 50, qPrintable(QString::number(dark)));
    QCOMPARE(rows->sceneBoundingRect(), box);
    // A click on the first entry hides the rising curve; a second shows it again.
    QAbstractSeries* rising = nullptr;
    for (auto* s : c.chart()->series())
      if (s->name() == "rising, a long name") rising = s;
    QVERIFY(rising);
    const QPoint first = c.mapFromScene(box.topLeft() + QPointF(8, 8));
    QTest::mouseClick(c.viewport(), Qt::LeftButton, {}, first);
    QVERIFY2(!rising->isVisible(), qPrintable(ui::rows_legend_labels(*c.chart()).join("; ")));
    QTest::mouseClick(c.viewport(), Qt::LeftButton, {}, first);
    QVERIFY(rising->isVisible());
    c.resize(2400, 420);  // room for one row again: Qt's legend below the plot, the rows gone
    QCoreApplication::processEvents();
    QVERIFY(c.chart()->legend()->isVisible());
    QCOMPARE(c.chart()->legend()->alignment(), Qt::AlignBottom);
    QVERIFY(!rows->isVisible());
    // Exported narrower than this wide view, the picture gets the narrow layout (rows at its foot), and the
    // view keeps its own one row after.
    QCOMPARE(c.exportTo(tmp.path() + "/narrow.png", QSize(520, 800)), QString());
    const QImage narrow(tmp.path() + "/narrow.png");
    int foot = 0;
    for (int y = 800 - int(box.height()) - 10; y < 800; ++y)
      for (int x = 0; x < narrow.width(); ++x) foot += qGray(narrow.pixel(x, y)) < 128;
    QVERIFY2(foot > 50, qPrintable(QString::number(foot)));
    QVERIFY(c.chart()->legend()->isVisible() && !rows->isVisible());
  }

  void chartFilesCarryTheirConfiguration() {
    QTemporaryDir tmp;
    ui::MainWindow w(nullptr, false);
    small_problem(w);
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    w.run();
    QVERIFY(done.wait(60000));
    ui::ChartView* c = w.convergenceChart();
    QCOMPARE(c->exportTo(tmp.path() + "/c.png", QSize(640, 400)), QString());
    QCOMPARE(c->exportTo(tmp.path() + "/c.svg", QSize(640, 400)), QString());
    const QString png = QImage(tmp.path() + "/c.png").text("Description");
    QVERIFY2(png.contains("\"seed\"") && png.contains("digits:n=20"), qPrintable(png.left(200)));
    QFile svg(tmp.path() + "/c.svg");
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QVERIFY(QString::fromUtf8(svg.readAll()).contains("digits:n=20"));
    QVERIFY(c->csv().startsWith("# {"));
    QVERIFY(c->csv().contains("\nseries,x,y,lower,upper\n"));
  }
};

}  // namespace test_desktop

TS_TEST_MAIN(test_desktop::TestDesktop)
#include "test_desktop.moc"
