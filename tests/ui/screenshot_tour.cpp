// The screenshot tour (scripts/screenshots): drives every tab of the real window through a run and saves one
// PNG per tab into DIR, failing when a title, label or legend entry in a picture is cut. A development tool,
// kept out of the app: tangentscope itself takes only --screenshot FILE (the first screen).
#include <QApplication>
#include <QCommandLineParser>
#include <QScrollArea>
#include <QScrollBar>
#include <QTimer>

#include <clocale>
#include <cstdio>

#include "AlPanel.h"
#include "LayersPanel.h"
#include "LayoutCheck.h"
#include "MainWindow.h"
#include "PntkPanel.h"
#include "RunsPanel.h"
#include "SampleGallery.h"
#include "core/Defaults.h"
#include "core/Runtime.h"
#include "jobs/Jobs.h"
#include "jobs/ProblemSpec.h"

int main(int argc, char** argv) {
  ts::tune_allocator();
  QApplication app(argc, argv);
  std::setlocale(LC_NUMERIC, "C");  // as the app: numbers keep '.' whatever the user's locale
  QApplication::setApplicationName("TangentScope");
  QApplication::setOrganizationName("TangentScope");
  QCommandLineParser parser;
  parser.setApplicationDescription("Drive every tab of TangentScope through a run and save one PNG per tab");
  parser.addHelpOption();
  QCommandLineOption theme("theme", "The window's theme: light or dark.", "THEME");
  parser.addOption(theme);
  QCommandLineOption size("size", "The window's size in pixels, e.g. 1280x800.", "WxH");
  parser.addOption(size);
  QCommandLineOption runs("runs", "Training-run folders (comma-separated) for the Runs tab's picture.",
                          "DIRS");
  parser.addOption(runs);
  parser.addPositionalArgument("dir", "The folder the PNGs are written to.");
  parser.process(app);
  if (parser.positionalArguments().size() != 1) {
    std::fprintf(stderr, "usage: ts_screenshot_tour [--theme light|dark] [--size WxH] DIR\n");
    return 2;
  }
  ts::ui::MainWindow window(nullptr, false);  // the default configuration, never the user's settings
  if (parser.isSet(theme)) window.setTheme(parser.value(theme));
  if (parser.isSet(size)) {
    const QStringList wh = parser.value(size).split('x');
    if (wh.size() != 2 || wh[0].toInt() < 200 || wh[1].toInt() < 200) {
      std::fprintf(stderr, "--size '%s': give the width and height in pixels, e.g. 1280x800\n",
                   parser.value(size).toLocal8Bit().constData());
      return 2;
    }
    window.resize(wh[0].toInt(), wh[1].toInt());
  }
  window.show();
  // Convergence and speed after the default run, then the spectrum, then the metrics; one PNG each.
  const QString dir = parser.positionalArguments().first();
  static bool cut_seen = false;  // a cut text fails the run at its end, after every picture is taken
  auto grab = [&window, dir](int tab, const QString& name) {
    window.tabs()->setCurrentIndex(tab);
    QApplication::processEvents();
    const bool ok = window.grab().save(dir + "/" + name + ".png");
    std::fprintf(ok ? stdout : stderr, ok ? "saved %s/%s.png (%dx%d)\n" : "cannot write %s/%s.png\n",
                 dir.toLocal8Bit().constData(), name.toLocal8Bit().constData(), window.width(),
                 window.height());
    // A cut title or label in a screenshot is a bug: say where, and fail the run.
    const QStringList clipped = ts::ui::clippedText(&window);
    for (const QString& c : clipped)
      std::fprintf(stderr, "%s: %s\n", name.toLocal8Bit().constData(), c.toLocal8Bit().constData());
    cut_seen |= !clipped.isEmpty();
    return ok;
  };
  // The first screen's problem (N = 500: the exact trace takes tens of seconds, after the estimates): the
  // convergence chart once with the estimates alone and once with the exact value arrived; the other tabs
  // on the lighter default batch.
  const QString first_data = QString("digits:n=%1").arg(ts::default_integer("app.first_data_n"));
  window.setProblem(window.currentCompareJob().problem.model.c_str(), first_data);
  QObject::connect(&window, &ts::ui::MainWindow::estimatesShown, &window, [&window, grab] {
    QTimer::singleShot(150, &window, [grab] {  // the charts lay out again first
      if (!grab(0, "convergence_estimates")) QApplication::exit(1);
    });
  });
  QObject::connect(&window, &ts::ui::MainWindow::resultShown, &window, [&window, grab] {
    QTimer::singleShot(150, &window, [&window, grab] {
      if (!grab(0, "convergence") || !grab(1, "speed_accuracy")) QApplication::exit(1);
      window.setProblem(window.currentCompareJob().problem.model.c_str(), ts::ProblemSpec{}.data.c_str());
      window.computeSpectrum();
    });
  });
  QObject::connect(&window, &ts::ui::MainWindow::spectrumShown, &window, [&window, grab] {
    QTimer::singleShot(150, &window, [&window, grab] {
      if (!grab(2, "spectrum")) QApplication::exit(1);
      window.computeMetrics();
    });
  });
  QObject::connect(&window, &ts::ui::MainWindow::metricsShown, &window, [&window, grab] {
    QTimer::singleShot(150, &window, [&window, grab] {
      if (!grab(3, "metrics")) QApplication::exit(1);
      window.trainAndTrack();
    });
  });
  QObject::connect(&window, &ts::ui::MainWindow::dynamicsShown, &window, [&window, grab] {
    QTimer::singleShot(150, &window, [&window, grab] {
      if (!grab(4, "training")) QApplication::exit(1);
      window.showPage(window.pntkPanel());
      window.pntkPanel()->computeKernels();
    });
  });
  // The pNTK tab: both kernels, then a width sweep to 512 that fills the chart in live.
  QObject::connect(window.pntkPanel(), &ts::ui::PntkPanel::kernelsShown, &window, [&window] {
    window.pntkPanel()->setWidthSettings(512, 3, 24, 0);
    window.pntkPanel()->runWidthExperiment();
  });
  QObject::connect(window.pntkPanel(), &ts::ui::PntkPanel::widthFinished, &window, [&window, grab] {
    QTimer::singleShot(150, &window, [&window, grab] {
      if (!grab(window.pageIndex(window.pntkPanel()), "pntk")) QApplication::exit(1);
      // The tab scrolls at this size: the width experiment below the kernels, as a second picture.
      if (auto* scroll = qobject_cast<QScrollArea*>(window.tabs()->currentWidget())) {
        scroll->verticalScrollBar()->setValue(scroll->verticalScrollBar()->maximum());
        if (!grab(window.pageIndex(window.pntkPanel()), "pntk_width")) QApplication::exit(1);
        scroll->verticalScrollBar()->setValue(0);
      }
      window.showPage(window.layersPanel());
      window.layersPanel()->setOptions("hutchpp", 96, true);
      window.layersPanel()->compute();
    });
  });
  // The Layers tab: every layer's share of tr K with the exact extras.
  QObject::connect(window.layersPanel(), &ts::ui::LayersPanel::layersShown, &window, [&window, grab] {
    QTimer::singleShot(150, &window, [&window, grab] {
      if (!grab(window.pageIndex(window.layersPanel()), "layers")) QApplication::exit(1);
      window.showPage(window.alPanel());
      window.alPanel()->setConfig("mlp:in=64,width=128,depth=2,out=10", "digits",
                                  {"random", "entropy", "margin", "mlmoc"}, 20, 10, 8, 3, 0);
      window.alPanel()->run();
    });
  });
  // The Active learning tab: four strategies, three seeds, with one queried sample selected.
  // The Runs tab last: training runs of examples/mlp_digits.py (scripts/screenshots makes three learning
  // rates), how far each kernel moved from its start, with the held-out accuracy on the right axis.
  const QStringList run_dirs = parser.value(runs).split(',', Qt::SkipEmptyParts);
  auto runs_picture = [&window, grab, run_dirs](bool al_ok) {
    if (run_dirs.isEmpty()) {
      QApplication::exit(al_ok && !cut_seen ? 0 : 1);
      return;
    }
    for (const QString& d : run_dirs)
      if (const QString err = window.openRun(d); !err.isEmpty())
        std::fprintf(stderr, "%s\n", err.toLocal8Bit().constData());
    auto* poll = new QTimer(&window);
    QObject::connect(poll, &QTimer::timeout, &window, [&window, grab, poll, al_ok] {
      if (window.runsPanel()->busy()) return;
      poll->stop();
      window.runsPanel()->setMetric("distance_first");
      window.runsPanel()->setScalar("test_accuracy");
      window.tabs()->setCurrentIndex(window.pageIndex(window.runsPanel()));
      QTimer::singleShot(500, &window, [&window, grab, al_ok] {  // the chart laid out at its size
        QApplication::exit(grab(window.pageIndex(window.runsPanel()), "runs") && al_ok && !cut_seen ? 0 : 1);
      });
    });
    poll->start(300);
  };
  QObject::connect(window.alPanel(), &ts::ui::AlPanel::runFinished, &window, [&window, grab, runs_picture] {
    QTimer::singleShot(150, &window, [&window, grab, runs_picture] {
      window.alPanel()->gallery()->select(0);
      runs_picture(grab(window.pageIndex(window.alPanel()), "active_learning"));
    });
  });
  QObject::connect(&window, &ts::ui::MainWindow::failureShown, &window, [](const QString& m) {
    std::fprintf(stderr, "run failed: %s\n", m.toLocal8Bit().constData());
    QApplication::exit(1);
  });
  QTimer::singleShot(0, &window, &ts::ui::MainWindow::run);
  return app.exec();
}
