// TangentScope desktop app: starts the default trace estimate at once on the engine thread.
// --screenshot FILE saves the window once the default run has finished, then quits (for headless checks);
// --save-session FILE saves the default run as a session; --session FILE opens one, and with --export DIR
// writes its charts and tables to files without showing a window.
#include <QApplication>
#include <QCommandLineParser>
#include <QScrollArea>
#include <QScrollBar>
#include <QTimer>

#include <clocale>
#include <cstdio>
#include <cstring>
#include <string>

#include "AlPanel.h"
#include "LayersPanel.h"
#include "LayoutCheck.h"
#include "MainWindow.h"
#include "PntkPanel.h"
#include "SampleGallery.h"
#include "core/Defaults.h"
#include "core/TorchUtil.h"
#include "jobs/Jobs.h"
#include "jobs/ProblemSpec.h"

int main(int argc, char** argv) {
  ts::tune_allocator();
  // QGuiApplication takes "-session ID" (and "--session ID") for X11 session management out of argv before
  // any parser sees it: read our --session FILE first.
  std::string session_arg;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--session") == 0 || std::strcmp(argv[i], "-session") == 0)
      session_arg = argv[i + 1];
  QApplication app(argc, argv);
  // QApplication sets the C library's locale from the environment; numbers the engine and LibTorch write or
  // read must keep '.' as the decimal point (a decimal-comma locale once turned every result into 0). Qt's
  // own formatting and the user's language are unaffected.
  std::setlocale(LC_NUMERIC, "C");
  QApplication::setApplicationName("TangentScope");
  QApplication::setOrganizationName("TangentScope");
  QCommandLineParser parser;
  parser.setApplicationDescription("Explore the empirical neural tangent kernel of a model");
  parser.addHelpOption();
  QCommandLineOption shot("screenshot", "Save the window to FILE after the default run, then quit.", "FILE");
  parser.addOption(shot);
  QCommandLineOption shots("screenshots",
                           "Drive every tab through a run, save one PNG per tab into DIR, then quit.", "DIR");
  parser.addOption(shots);
  QCommandLineOption shape("input-shape", "Shape of one input of the model file (e.g. 15,10).", "SHAPE");
  parser.addOption(shape);
  QCommandLineOption save_session("save-session",
                                  "Run the default problem, save it as a session FILE, then quit.", "FILE");
  parser.addOption(save_session);
  QCommandLineOption session("session", "Open the session FILE (nothing is recomputed).", "FILE");
  parser.addOption(session);
  QCommandLineOption export_dir(
      "export", "With --session: write every chart and table (PNG, SVG, PDF, CSV, JSON) into DIR, then quit.",
      "DIR");
  parser.addOption(export_dir);
  QCommandLineOption theme("theme", "The window's theme: light or dark.", "THEME");
  parser.addOption(theme);
  QCommandLineOption size("size", "The window's size in pixels, e.g. 1280x800.", "WxH");
  parser.addOption(size);
  parser.addPositionalArgument("model", "A TorchScript .pt file or a .tsession file to open (optional).");
  parser.process(app);

  QString session_file =
      parser.isSet(session) ? parser.value(session) : QString::fromLocal8Bit(session_arg.c_str());
  if (session_file.isEmpty() && !parser.positionalArguments().isEmpty() &&
      parser.positionalArguments().first().endsWith(".tsession"))
    session_file = parser.positionalArguments().first();
  // Headless runs neither read nor write the user's settings, autosave or recovery.
  const bool headless =
      parser.isSet(shot) || parser.isSet(shots) || parser.isSet(save_session) || parser.isSet(export_dir);
  ts::ui::MainWindow window(nullptr, !headless);
  // Headless never asks: a session's model or data file that is not there ends the run, named.
  QStringList missing;
  if (headless)
    window.setLocatePrompt([&missing](const QString& path) {
      missing << path;
      return QString();
    });
  auto refuse_missing = [&missing, &session_file] {
    for (const QString& path : missing)
      std::fprintf(stderr,
                   "session '%s': its file '%s' is not there (moved or deleted); restore it, or open the "
                   "session in the app and point to it\n",
                   session_file.toUtf8().constData(), path.toUtf8().constData());
    return missing.isEmpty() ? 0 : 1;
  };
  if (parser.isSet(theme)) window.setTheme(parser.value(theme));
  if (parser.isSet(size)) {
    const QStringList wh = parser.value(size).split('x');
    const int w = wh.size() == 2 ? wh[0].toInt() : 0, h = wh.size() == 2 ? wh[1].toInt() : 0;
    if (w < 200 || h < 200) {
      std::fprintf(stderr, "--size '%s': give the width and height in pixels, e.g. 1280x800\n",
                   parser.value(size).toLocal8Bit().constData());
      return 2;
    }
    window.resize(w, h);
  }
  if (parser.isSet(export_dir)) {
    if (session_file.isEmpty()) {
      std::fprintf(stderr, "--export needs --session FILE\n");
      return 2;
    }
    window.setAttribute(Qt::WA_DontShowOnScreen);  // laid out and drawn, never on screen
    window.show();
    QString err = window.openSession(session_file);
    if (err.isEmpty() && refuse_missing() != 0) return 1;
    if (err.isEmpty()) err = window.exportAll(parser.value(export_dir));
    if (!err.isEmpty()) {
      std::fprintf(stderr, "%s\n", err.toUtf8().constData());
      return 1;
    }
    std::fprintf(stdout, "exported %s to %s\n", session_file.toUtf8().constData(),
                 parser.value(export_dir).toUtf8().constData());
    return 0;
  }
  window.show();
  if (!session_file.isEmpty()) {
    const QString err = window.openSession(session_file);
    if (!err.isEmpty()) std::fprintf(stderr, "%s\n", err.toUtf8().constData());
    if (refuse_missing() != 0) return 1;
    return app.exec();  // a session is shown as saved: nothing runs
  }
  if (parser.isSet(save_session)) {
    const QString file = parser.value(save_session);
    QObject::connect(&window, &ts::ui::MainWindow::resultShown, &window, [&window, file] {
      QTimer::singleShot(100, &window, [&window, file] {
        const QString err = window.saveSession(file);
        std::fprintf(err.isEmpty() ? stdout : stderr, "%s\n",
                     (err.isEmpty() ? "saved " + file + "\nresult: " + window.resultText() : err)
                         .toUtf8()
                         .constData());
        QApplication::exit(err.isEmpty() ? 0 : 1);
      });
    });
    QObject::connect(&window, &ts::ui::MainWindow::failureShown, &window, [](const QString& m) {
      std::fprintf(stderr, "run failed: %s\n", m.toLocal8Bit().constData());
      QApplication::exit(1);
    });
  }
  if (!parser.positionalArguments().isEmpty())
    window.setProblem(parser.positionalArguments().first(), window.currentCompareJob().problem.data.c_str(),
                      parser.value(shape));
  if (parser.isSet(shots)) {
    // Convergence and speed after the default run, then the spectrum, then the metrics; one PNG each.
    const QString dir = parser.value(shots);
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
    QObject::connect(window.alPanel(), &ts::ui::AlPanel::runFinished, &window, [&window, grab] {
      QTimer::singleShot(150, &window, [&window, grab] {
        window.alPanel()->gallery()->select(0);
        QApplication::exit(grab(window.pageIndex(window.alPanel()), "active_learning") && !cut_seen ? 0 : 1);
      });
    });
    QObject::connect(&window, &ts::ui::MainWindow::failureShown, &window, [](const QString& m) {
      std::fprintf(stderr, "run failed: %s\n", m.toLocal8Bit().constData());
      QApplication::exit(1);
    });
  }
  if (parser.isSet(shot)) {
    const QString file = parser.value(shot);
    auto save = [&window, file] {
      const bool ok = window.grab().save(file);
      std::fprintf(ok ? stdout : stderr, ok ? "saved %s\n" : "cannot write %s\n",
                   file.toLocal8Bit().constData());
      std::fprintf(stdout, "result: %s\n", window.resultText().toUtf8().constData());
      QApplication::exit(ok ? 0 : 1);
    };
    QObject::connect(&window, &ts::ui::MainWindow::resultShown, &window,
                     [save] { QTimer::singleShot(100, save); });
    QObject::connect(&window, &ts::ui::MainWindow::failureShown, &window,
                     [save] { QTimer::singleShot(100, save); });
  }
  QTimer::singleShot(0, &window, &ts::ui::MainWindow::run);
  return app.exec();
}
