// TangentScope desktop app: starts the default trace estimate at once on the engine thread.
// --screenshot FILE saves the window once the default run has finished, then quits (for headless checks);
// --save-session FILE saves the default run as a session; --session FILE opens one, and with --export DIR
// writes its charts and tables to files without showing a window. (The tour of every tab that makes the
// README's pictures is a separate program: tests/ui/screenshot_tour.cpp, run by scripts/screenshots.)
#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QTimer>

#include <clocale>
#include <cstdio>
#include <cstring>
#include <string>

#include "MainWindow.h"
#include "RunsPanel.h"
#include "core/Runtime.h"
#include "jobs/Jobs.h"

namespace {

using ts::ui::MainWindow;

struct Options {
  QCommandLineOption shot{
      "screenshot",
      "Save the window to FILE after the default run (or once --session's file is shown), then quit.",
      "FILE"};
  QCommandLineOption shape{"input-shape", "Shape of one input of the model file (e.g. 15,10).", "SHAPE"};
  QCommandLineOption save_session{"save-session",
                                  "Run the default problem, save it as a session FILE, then quit.", "FILE"};
  QCommandLineOption session{"session", "Open the session FILE (nothing is recomputed).", "FILE"};
  QCommandLineOption export_dir{
      "export", "With --session: write every chart and table (PNG, SVG, PDF, CSV, JSON) into DIR, then quit.",
      "DIR"};
  QCommandLineOption theme{"theme", "The window's theme: light or dark.", "THEME"};
  QCommandLineOption size{"size", "The window's size in pixels, e.g. 1280x800.", "WxH"};

  void addTo(QCommandLineParser& parser) const {
    parser.setApplicationDescription("Explore the empirical neural tangent kernel of a model");
    parser.addHelpOption();
    parser.addVersionOption();  // "TangentScope 0.1.0"
    for (const auto* o : {&shot, &shape, &save_session, &session, &export_dir, &theme, &size})
      parser.addOption(*o);
    parser.addPositionalArgument("model", "A TorchScript .pt file or a .tsession file to open (optional).");
  }
};

// QGuiApplication takes "-session ID" (and "--session ID") for X11 session management out of argv before
// any parser sees it: read our --session FILE first.
std::string session_argument(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--session") == 0 || std::strcmp(argv[i], "-session") == 0) return argv[i + 1];
  return {};
}

// --size WxH; false (with a message) for anything else.
bool apply_size(MainWindow& window, const QString& text) {
  const QStringList wh = text.split('x');
  const int w = wh.size() == 2 ? wh[0].toInt() : 0, h = wh.size() == 2 ? wh[1].toInt() : 0;
  if (w < 200 || h < 200) {
    std::fprintf(stderr, "--size '%s': give the width and height in pixels, e.g. 1280x800\n",
                 text.toLocal8Bit().constData());
    return false;
  }
  window.resize(w, h);
  return true;
}

// Headless never asks: a session's model or data file that is not there ends the run, named.
int refuse_missing(const QStringList& missing, const QString& session_file) {
  for (const QString& path : missing)
    std::fprintf(stderr,
                 "session '%s': its file '%s' is not there (moved or deleted); restore it, or open the "
                 "session in the app and point to it\n",
                 session_file.toUtf8().constData(), path.toUtf8().constData());
  return missing.isEmpty() ? 0 : 1;
}

// --session FILE --export DIR: every chart and table of the session, without showing a window.
int export_session(MainWindow& window, const QString& session_file, const QString& dir,
                   const QStringList& missing) {
  if (session_file.isEmpty()) {
    std::fprintf(stderr, "--export needs --session FILE\n");
    return 2;
  }
  window.setAttribute(Qt::WA_DontShowOnScreen);  // laid out and drawn, never on screen
  window.show();
  QString err = window.openSession(session_file);
  if (err.isEmpty() && refuse_missing(missing, session_file) != 0) return 1;
  if (err.isEmpty()) err = window.exportAll(dir);
  if (!err.isEmpty()) {
    std::fprintf(stderr, "%s\n", err.toUtf8().constData());
    return 1;
  }
  std::fprintf(stdout, "exported %s to %s\n", session_file.toUtf8().constData(), dir.toUtf8().constData());
  return 0;
}

// --save-session FILE: saves once the default run is shown, then quits (non-zero when it failed).
void save_session_when_done(MainWindow& window, const QString& file) {
  QObject::connect(&window, &MainWindow::resultShown, &window, [&window, file] {
    QTimer::singleShot(100, &window, [&window, file] {
      const QString err = window.saveSession(file);
      std::fprintf(
          err.isEmpty() ? stdout : stderr, "%s\n",
          (err.isEmpty() ? "saved " + file + "\nresult: " + window.resultText() : err).toUtf8().constData());
      QApplication::exit(err.isEmpty() ? 0 : 1);
    });
  });
  QObject::connect(&window, &MainWindow::failureShown, &window, [](const QString& m) {
    std::fprintf(stderr, "run failed: %s\n", m.toLocal8Bit().constData());
    QApplication::exit(1);
  });
}

// --screenshot FILE: saves the window once the default run is shown (or has failed), then quits.
void save_screenshot(MainWindow& window, const QString& file) {
  const bool ok = window.grab().save(file);
  std::fprintf(ok ? stdout : stderr, ok ? "saved %s\n" : "cannot write %s\n", file.toLocal8Bit().constData());
  std::fprintf(stdout, "result: %s\n", window.resultText().toUtf8().constData());
  QApplication::exit(ok ? 0 : 1);
}

// Training runs opened from the command line: the picture once every snapshot is analysed.
void screenshot_when_runs_done(MainWindow& window, const QString& file) {
  auto* timer = new QTimer(&window);
  QObject::connect(timer, &QTimer::timeout, &window, [&window, file, timer] {
    if (window.runsPanel()->busy()) return;
    timer->stop();
    save_screenshot(window, file);
  });
  timer->start(300);
}

void screenshot_when_done(MainWindow& window, const QString& file) {
  auto save = [&window, file] { save_screenshot(window, file); };
  QObject::connect(&window, &MainWindow::resultShown, &window, [save] { QTimer::singleShot(100, save); });
  QObject::connect(&window, &MainWindow::failureShown, &window, [save] { QTimer::singleShot(100, save); });
}

}  // namespace

int main(int argc, char** argv) {
  ts::tune_allocator();
  const std::string session_arg = session_argument(argc, argv);
  QApplication app(argc, argv);
  // QApplication sets the C library's locale from the environment; numbers the engine and LibTorch write or
  // read must keep '.' as the decimal point (a decimal-comma locale once turned every result into 0). Qt's
  // own formatting and the user's language are unaffected.
  std::setlocale(LC_NUMERIC, "C");
  QApplication::setApplicationName("TangentScope");
  QApplication::setOrganizationName("TangentScope");
  QApplication::setApplicationVersion(TS_VERSION);
  QCommandLineParser parser;
  const Options o;
  o.addTo(parser);
  parser.process(app);

  QString session_file =
      parser.isSet(o.session) ? parser.value(o.session) : QString::fromLocal8Bit(session_arg.c_str());
  const QStringList positional = parser.positionalArguments();
  if (session_file.isEmpty() && !positional.isEmpty() && positional.first().endsWith(".tsession"))
    session_file = positional.first();
  // Headless runs neither read nor write the user's settings, autosave or recovery, and never prompt.
  const bool headless = parser.isSet(o.shot) || parser.isSet(o.save_session) || parser.isSet(o.export_dir);
  MainWindow window(nullptr, !headless);
  QStringList missing;
  if (headless)
    window.setLocatePrompt([&missing](const QString& path) {
      missing << path;
      return QString();
    });
  if (parser.isSet(o.theme)) window.setTheme(parser.value(o.theme));
  if (parser.isSet(o.size) && !apply_size(window, parser.value(o.size))) return 2;
  if (parser.isSet(o.export_dir))
    return export_session(window, session_file, parser.value(o.export_dir), missing);
  window.show();
  if (!session_file.isEmpty()) {
    const QString err = window.openSession(session_file);
    if (!err.isEmpty()) std::fprintf(stderr, "%s\n", err.toUtf8().constData());
    if (refuse_missing(missing, session_file) != 0) return 1;
    // A session is shown as saved: nothing runs, so the picture is taken once the window is laid out.
    if (parser.isSet(o.shot))
      QTimer::singleShot(300, &window,
                         [&window, file = parser.value(o.shot)] { save_screenshot(window, file); });
    return app.exec();
  }
  if (parser.isSet(o.save_session)) save_session_when_done(window, parser.value(o.save_session));
  // `tangentscope RUN_DIR…`: training runs of the Python logger open in the Runs tab.
  QStringList run_dirs;
  for (const auto& p : positional)
    if (QFileInfo(p + "/run.json").isFile()) run_dirs << p;
  if (!run_dirs.isEmpty()) {
    for (const auto& dir : run_dirs) {
      const QString err = window.openRun(dir);
      if (!err.isEmpty()) std::fprintf(stderr, "%s\n", err.toUtf8().constData());
    }
    if (parser.isSet(o.shot)) screenshot_when_runs_done(window, parser.value(o.shot));
    return app.exec();
  }
  // A data file or an image folder named on the command line is the data (with the form's model); anything
  // else, the model.
  const QString first = positional.isEmpty() ? QString() : positional.first();
  const bool data_file = first.endsWith(".csv", Qt::CaseInsensitive) ||
                         first.endsWith(".npy", Qt::CaseInsensitive) ||
                         first.endsWith(".npz", Qt::CaseInsensitive) || QFileInfo(first).isDir();
  if (data_file) window.openData(first);
  if (parser.isSet(o.shot)) screenshot_when_done(window, parser.value(o.shot));
  if (!first.isEmpty() && !data_file && !headless) {
    // As File ▸ Open Model: a file that records no input shape (and none was given) asks for it in a dialog,
    // then runs; headless runs never prompt (below, the run names what is missing).
    QTimer::singleShot(0, &window,
                       [&window, first, shape = parser.value(o.shape)] { window.openModel(first, shape); });
    return app.exec();
  }
  if (!first.isEmpty() && !data_file)
    window.setProblem(first, window.currentCompareJob().problem.data.c_str(), parser.value(o.shape));
  QTimer::singleShot(0, &window, &MainWindow::runAtLaunch);
  return app.exec();
}
