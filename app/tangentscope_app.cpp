// TangentScope desktop app: starts the default trace estimate at once on the engine thread.
// --screenshot FILE saves the window once the default run has finished, then quits (for headless checks).
#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>

#include "MainWindow.h"
#include "TorchUtil.h"

int main(int argc, char** argv) {
  ts::tune_allocator();
  QApplication app(argc, argv);
  QApplication::setApplicationName("TangentScope");
  QApplication::setOrganizationName("TangentScope");
  QCommandLineParser parser;
  parser.setApplicationDescription("Explore the empirical neural tangent kernel of a model");
  parser.addHelpOption();
  QCommandLineOption shot("screenshot", "Save the window to FILE after the default run, then quit.", "FILE");
  parser.addOption(shot);
  parser.process(app);

  ts::ui::MainWindow window;
  window.show();
  if (parser.isSet(shot)) {
    const QString file = parser.value(shot);
    auto save = [&window, file] {
      const bool ok = window.grab().save(file);
      std::fprintf(ok ? stdout : stderr, ok ? "saved %s\n" : "cannot write %s\n", file.toLocal8Bit().constData());
      QApplication::exit(ok ? 0 : 1);
    };
    QObject::connect(&window, &ts::ui::MainWindow::resultShown, &window, [save] { QTimer::singleShot(100, save); });
    QObject::connect(&window, &ts::ui::MainWindow::failureShown, &window, [save] { QTimer::singleShot(100, save); });
  }
  QTimer::singleShot(0, &window, &ts::ui::MainWindow::run);
  return app.exec();
}
