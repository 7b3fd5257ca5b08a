// The real main window under the offscreen platform: the default job runs on the engine thread and its
// number matches a direct engine call; stale runs are cancelled; the event loop stays responsive.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <clocale>
#include <cstdlib>
#include <thread>

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>

#include <QChartView>
#include <QHeaderView>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTimer>
#include <QtTest>

#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QTemporaryDir>

#include <QApplication>
#include <QAreaSeries>
#include <QChart>
#include <QClipboard>
#include <QComboBox>

#include <QDialog>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QMenuBar>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableWidget>
#include <QTextBrowser>
#include <QToolBar>
#include <QValueAxis>
#include <algorithm>

#include "AlPanel.h"
#include "ChartView.h"
#include "EngineClient.h"
#include "HeatMap.h"
#include "LayersPanel.h"
#include "MainWindow.h"
#include "Notation.h"
#include "PntkPanel.h"
#include "RunLog.h"
#include "SampleGallery.h"
#include "TestHarness.h"
#include "active_learning/StrategyCatalog.h"
#include "catalog/OptionCatalog.h"
#include "core/Json.h"
#include "core/Numbers.h"
#include "data/DataSourceCatalog.h"
#include "data/NumpyFiles.h"
#include "jobs/Jobs.h"
#include "models/ModelCatalog.h"

using namespace ts;

namespace test_main_window {

class TestMainWindow : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    QSettings().clear();
  }  // XDG_CONFIG_HOME points into the build tree (tests/CMakeLists.txt)

  void defaultRunMatchesEngine() {
    ui::MainWindow w(nullptr, false);
    w.show();
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    w.run();
    QVERIFY(done.wait(120000));
    QVERIFY(w.lastCompare() && !w.lastCompare()->runs.empty());
    const CompareResult& shown = *w.lastCompare();
    const TraceResult direct = run_trace_job(w.currentJob());
    // Under a decimal-comma locale (the test_main_window_de_DE run) the numbers must be the same, never
    // zeros.
    const char* lc = std::getenv("LC_ALL");
    if (lc && std::string(lc).rfind("de_DE", 0) == 0)
      QVERIFY2(std::string(std::localeconv()->decimal_point) == ",",
               "the de_DE.UTF-8 locale is not installed (scripts/deps)");
    QVERIFY(direct.estimate.estimate > 0);
    QCOMPARE(shown.runs.front().estimate.estimate, direct.estimate.estimate);
    QCOMPARE(shown.d, int64_t(1000));  // 100 digits × 10 logits
    QVERIFY(w.resultText().startsWith("tr K ≈"));
    QCOMPARE(shown.request.problem.data, direct.request.problem.data);  // the result carries its request
  }

  // The convergence chart holds the run's recorded history; the exports parse and carry the configuration.
  void chartAndExports() {
    ui::MainWindow w(nullptr, false);
    w.show();
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    w.run();
    QVERIFY(done.wait(120000));
    QVERIFY(w.lastCompare());
    const CompareResult& all = *w.lastCompare();
    const TraceEstimate& r = all.runs.front().estimate;
    const int history = static_cast<int>(r.history.size());
    QCOMPARE(history, 33);  // Hutch++ with m = 96: the low-rank part, then 32 residual probes
    QCOMPARE(w.convergenceChart()->pointCount("hutchpp"), history);
    // Every default method has its series (a one-pass method's over the sweep's budgets); the speed–accuracy
    // chart has one point per sweep budget (m/8 … m).
    for (const auto& run : all.runs) {
      const QString name = QString::fromStdString(run.estimate.method);
      const int points = run.estimate.history.size() <= 1 ? 4 : static_cast<int>(run.estimate.history.size());
      QCOMPARE(w.convergenceChart()->pointCount(name), points);
      QCOMPARE(w.speedChart()->pointCount(name), 4);
    }
    QTemporaryDir dir;
    QVERIFY(w.convergenceChart()->exportTo(dir.filePath("c.png")).isEmpty());
    QVERIFY(!QImage(dir.filePath("c.png")).isNull());
    QVERIFY(w.convergenceChart()->exportTo(dir.filePath("c.svg")).isEmpty());
    QFile svg(dir.filePath("c.svg"));
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QVERIFY(svg.readAll().contains("<svg"));
    QVERIFY(w.exportResult(dir.filePath("r.json")).isEmpty());
    QFile js(dir.filePath("r.json"));
    QVERIFY(js.open(QIODevice::ReadOnly));
    const QJsonObject back = QJsonDocument::fromJson(js.readAll()).object();
    QCOMPARE(back.value("runs").toArray().first().toObject().value("estimate").toDouble(), r.estimate);
    QCOMPARE(back.value("config").toObject().value("estimator").toObject().value("seed").toInteger(),
             qint64(all.request.estimator.seed));
    QCOMPARE(back.value("config").toObject().value("problem").toObject().value("data").toString(),
             QString("digits:n=100"));
    QVERIFY(w.exportResult(dir.filePath("r.csv")).isEmpty());
    QFile csv(dir.filePath("r.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QStringList lines = QString(csv.readAll()).split('\n', Qt::SkipEmptyParts);
    QVERIFY(lines[0].startsWith("# {") && lines[0].contains("\"seed\""));
    int rows = 0;
    for (const auto& run : all.runs) rows += static_cast<int>(run.estimate.history.size());
    QCOMPARE(lines.size(), 2 + rows);
    // A path that cannot be written: a clear message and no partial file.
    const QString bad = dir.filePath("missing-folder/r.json");
    QVERIFY(w.exportResult(bad).contains("cannot write"));
    QVERIFY(w.convergenceChart()->exportTo(dir.filePath("missing-folder/c.png")).contains("cannot write"));
    QVERIFY(QDir(dir.path()).entryList({"*.partial"}).isEmpty());
  }

  // A new request supersedes the one in flight: only the newest result arrives.
  void staleRunIsCancelled() {
    ui::EngineClient client;
    QSignalSpy finished(&client, &ui::EngineClient::jobFinished);
    TraceRequest slow;
    slow.estimator.method = "hutchinson";
    slow.estimator.matvecs = 200000;
    client.submit(slow);
    QTest::qWait(200);
    TraceRequest fast;
    fast.estimator.matvecs = 12;
    QElapsedTimer t;
    t.start();
    client.submit(fast);
    QVERIFY(finished.wait(60000));
    QCOMPARE(finished.count(), 1);
    const auto result = finished.at(0).at(1).value<ui::JobResultPtr>();
    const auto* r = std::get_if<TraceResult>(result.get());
    QVERIFY(r);
    QCOMPARE(r->estimate.method, std::string("hutchpp"));
    QCOMPARE(r->estimate.matvecs, int64_t(12));
    QVERIFY2(t.elapsed() < 20000, "the stale run was not cancelled promptly");
  }

  void cancelStopsWithinAMatvec() {
    ui::EngineClient client;
    QSignalSpy cancelled(&client, &ui::EngineClient::cancelled);
    TraceRequest slow;
    slow.estimator.method = "hutchinson";
    slow.estimator.matvecs = 200000;
    QSignalSpy progress(&client, &ui::EngineClient::progress);
    QSignalSpy finished(&client, &ui::EngineClient::jobFinished);
    client.submit(slow);
    // Cancel in the middle of the run: only once products are being reported, and well before the last.
    QVERIFY(progress.wait(30000));
    QVERIFY2(progress.last().at(0).toLongLong() > 0 && progress.last().at(0).toLongLong() < 200000,
             "the run was not in flight when it was cancelled");
    QElapsedTimer t;
    t.start();
    client.cancel();
    QVERIFY(cancelled.wait(10000));
    QVERIFY2(t.elapsed() < 2000, qPrintable(QString("cancel took %1 ms").arg(t.elapsed())));
    QCOMPARE(finished.count(), 0);
  }

  // Partial results reach the UI through the worker's one signal, in order; pausing holds the run at its
  // next pause point until resumed, and cancelling a paused run ends it.
  void partialResultsAndPause() {
    ui::EngineClient client;
    QSignalSpy partials(&client, &ui::EngineClient::partialResult);
    QSignalSpy finished(&client, &ui::EngineClient::jobFinished);
    QSignalSpy cancelled(&client, &ui::EngineClient::cancelled);
    // The job starts only once the test has paused it: submitJob starts a job unpaused, and a job this short
    // could otherwise finish on the engine thread before setPaused(true) is called.
    auto go = std::make_shared<std::atomic<bool>>(false);
    auto counting_job = [go](const RunControl& rc) {
      while (!go->load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      go->store(false);
      for (int i = 0; i < 5; ++i) {
        rc.publish("tick", i);
        rc.pause_point();
      }
      return SpectrumResult{};
    };
    client.submitJob("ticks", counting_job);
    client.setPaused(true);  // before the first pause point: the job stops after its first tick
    go->store(true);
    QVERIFY(partials.wait(10000));
    QTest::qWait(300);
    QCOMPARE(partials.count(), 1);
    QCOMPARE(finished.count(), 0);
    QVERIFY(client.paused());
    client.setPaused(false);
    QVERIFY(finished.wait(10000));
    QCOMPARE(partials.count(), 5);
    for (int i = 0; i < 5; ++i) {
      QCOMPARE(partials.at(i).at(0).toString(), QString("ticks"));
      const auto p = partials.at(i).at(1).value<PartialResult>();
      QCOMPARE(p.kind, std::string("tick"));
      QCOMPARE(std::any_cast<int>(p.value), i);
    }
    client.submitJob("ticks", counting_job);
    client.setPaused(true);
    go->store(true);
    QVERIFY(partials.wait(10000));
    client.cancel();  // a paused run is cancelled without being resumed
    QVERIFY(cancelled.wait(10000));
    QCOMPARE(finished.count(), 1);
  }

  // While a heavy run is in flight, a 10 ms timer on the UI thread is never late by more than 50 ms.
  // Moving the budget slider re-runs with the new budget; the stale run never reports.
  void sliderRerunsAndCancelsStale() {
    ui::MainWindow w(nullptr, false);
    w.setMethods({"hutchinson"});
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    w.budgetSlider()->setValue(700);
    QTest::qWait(400);  // the debounced run has started
    w.budgetSlider()->setValue(20);
    QVERIFY(done.wait(60000));
    QTest::qWait(300);
    QCOMPARE(done.count(), 1);
    QVERIFY(w.lastCompare());
    QCOMPARE(w.lastCompare()->runs.front().estimate.matvecs, int64_t(20));
  }

  // The run log records each run; double-click (applyConfig) restores its configuration; Export all writes
  // every chart and the result.
  void runLogAndExportAll() {
    ui::MainWindow w(nullptr, false);
    w.setProblem("mlp:in=64,width=32,depth=2,out=10,seed=3", "digits:n=20");
    w.setMethods({"xtrace", "hutchpp"});
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    w.run();
    QVERIFY(done.wait(60000));
    QCOMPARE(w.runLog()->rowCount(), 1);
    const ts::CompareRequest before = w.currentCompareJob();
    w.setProblem("mlp:in=64,width=8,depth=2,out=10", "digits:n=5");
    w.setMethods({"rhutch"});
    w.applyConfig(w.runLog()->config(0));
    const ts::CompareRequest after = w.currentCompareJob();
    QCOMPARE(after.problem.model, before.problem.model);
    QCOMPARE(after.problem.data, before.problem.data);
    QCOMPARE(after.methods, before.methods);
    QCOMPARE(after.estimator.matvecs, before.estimator.matvecs);
    QTemporaryDir dir;
    QVERIFY(w.exportAll(dir.path()).isEmpty());
    for (const char* f : {"convergence.png", "convergence.svg", "speed_accuracy.png", "speed_accuracy.svg",
                          "result.json", "result.csv"})
      QVERIFY2(QFile::exists(dir.filePath(f)), f);
  }

  void corruptModelFileMessage() {
    ui::MainWindow w(nullptr, false);
    QSignalSpy failed(&w, &ui::MainWindow::failureShown);
    w.openModel(QString(TS_FIXTURE_DIR) + "/corrupt.pt", "5");
    QVERIFY(failed.wait(30000));
    QVERIFY2(failed.at(0).at(0).toString().contains("cannot be loaded"),
             qPrintable(failed.at(0).at(0).toString()));
  }

  void dataPreview() {
    ui::MainWindow w(nullptr, false);
    QSignalSpy shown(&w, &ui::MainWindow::previewShown);
    w.refreshPreview();  // the default: digits
    QVERIFY(shown.wait(30000));
    QCOMPARE(w.thumbnails()->findChildren<QLabel*>().size(), 6);  // of the 8 the engine previews, 6 fit
    w.setProblem("mlp:in=64,width=8,depth=2,out=10", "csv:/no/such/file.csv");
    w.refreshPreview();
    QVERIFY(shown.wait(30000));
    QVERIFY(w.thumbnails()->findChildren<QLabel*>().isEmpty());
  }

  // Closing the window while a run is in flight cancels it and joins the engine thread promptly.
  void closeWhileRunning() {
    auto* w = new ui::MainWindow(nullptr, false);
    w->show();
    TraceRequest heavy = w->currentJob();
    heavy.estimator.method = "hutchinson";
    heavy.estimator.matvecs = 100000;
    QSignalSpy progress(w->engine(), &ui::EngineClient::progress);
    QSignalSpy finished(w->engine(), &ui::EngineClient::jobFinished);
    w->engine()->submit(heavy);
    QVERIFY(progress.wait(30000));  // the heavy run is really in flight when the window closes
    QCOMPARE(finished.count(), 0);
    QElapsedTimer t;
    t.start();
    delete w;
    QVERIFY2(t.elapsed() < 3000, qPrintable(QString("closing took %1 ms").arg(t.elapsed())));
  }

  // The forms start where the command line does, and list what the engine's catalogs hold.
  void formsStartFromTheCatalogs() {
    ui::MainWindow w(nullptr, false);
    QCOMPARE(w.currentCompareJob().estimator.matvecs, EstimatorOptions{}.matvecs);
    QVERIFY(w.alPanel()->request().strategies == default_strategies());
    QStringList kinds, acts;
    for (const auto& s : data_sources())
      if (s.app_listed) kinds << QString::fromStdString(s.kind);
    for (const auto& a : activation_catalog())
      if (a.app_listed) acts << QString::fromStdString(a.name);
    bool data_seen = false, act_seen = false;
    for (auto* combo : w.findChildren<QComboBox*>()) {
      QStringList items;
      for (int i = 0; i < combo->count(); ++i) items << combo->itemText(i);
      if (items.contains("csv…")) {
        data_seen = true;
        QCOMPARE(items.mid(0, kinds.size()), kinds);
      }
      if (items.contains("gelu")) {
        act_seen = true;
        QCOMPARE(items, acts);
      }
    }
    QVERIFY(data_seen && act_seen);
    // Tooltips of the fields that are command-line options say what the catalog says, and name the option.
    int tips = 0;
    for (auto* widget : w.findChildren<QWidget*>())
      for (const char* name : {"seed", "matvecs", "model", "data", "params", "threads", "dtype"}) {
        const OptionInfo& o = find_option(name);
        if (widget->toolTip().contains(QString("Command line: --") + name + " ") ||
            widget->toolTip().endsWith(QString("Command line: --") + name)) {
          QString help = QString::fromStdString(o.help);
          help[0] = help[0].toUpper();
          QVERIFY2(widget->toolTip().startsWith(help), qPrintable(widget->toolTip()));
          ++tips;
        }
      }
    QVERIFY2(tips >= 7, qPrintable(QString::number(tips)));
  }

  // The estimators' seed changes their random draws only: the exact trace (the kernel) stays bit for bit. The
  // problem seed, shown with the data, chooses the batch and a built-in model's weights: the kernel changes.
  void estimatorSeedNeverChangesTheKernel() {
    ui::MainWindow w(nullptr, false);
    w.buildModel("mlp", 16, 2, "tanh");
    w.setMethods({"hutchpp"});
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    auto exact_with = [&](int estimator_seed, int problem_seed) {
      CompareRequest c = w.currentCompareJob();
      c.estimator.seed = static_cast<uint64_t>(estimator_seed);
      c.problem.compute.seed = static_cast<uint64_t>(problem_seed);
      w.applyConfig(c);
      w.run();
      const int before = done.count();
      [&] { QVERIFY(done.wait(120000) || done.count() > before); }();
      return std::make_pair(*w.lastCompare()->exact, w.lastCompare()->runs[0].estimate.estimate);
    };
    const QString model = QString::fromStdString(w.currentCompareJob().problem.model);
    const auto a = exact_with(0, 0), b = exact_with(1, 0);
    QCOMPARE(b.first, a.first);     // the same kernel, bit for bit
    QVERIFY(b.second != a.second);  // other draws
    QCOMPARE(QString::fromStdString(w.currentCompareJob().problem.model), model);
    auto* problem_seed = w.findChild<QSpinBox*>("problemSeed");
    QVERIFY(problem_seed);
    problem_seed->setValue(1);  // as the user does: the built-in model's spec follows
    QVERIFY(QString::fromStdString(w.currentCompareJob().problem.model).endsWith("seed=1"));
    const auto c = exact_with(1, 1);
    QVERIFY(c.first != a.first);  // another batch and other initial weights
  }

  void buildCnnFromPanel() {
    ui::MainWindow w(nullptr, false);
    w.buildModel("cnn", 4, 1, "tanh");
    QCOMPARE(QString::fromStdString(w.currentCompareJob().problem.model),
             QString("cnn:width=4,out=10,act=tanh,seed=0"));
    QCOMPARE(QString::fromStdString(w.currentCompareJob().problem.input_shape), QString("1,8,8"));
    w.setMethods({"hutchpp"});
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    w.run();
    QVERIFY(done.wait(60000));
    QVERIFY(w.lastCompare());
    QCOMPARE(w.lastCompare()->d, int64_t(1000));
  }

  void settingsPersist() {
    {
      ui::MainWindow w(nullptr, true);
      w.setProblem("mlp:in=64,width=16,depth=2,out=10", "digits:n=20");
      w.setMethods({"xtrace"});
    }  // saved on close
    ui::MainWindow again(nullptr, true);
    QCOMPARE(QString::fromStdString(again.currentCompareJob().problem.data), QString("digits:n=20"));
    QCOMPARE(again.currentCompareJob().methods, std::vector<std::string>{"xtrace"});
    QSettings().clear();
  }

  void eventLoopStaysResponsive() {
    ui::MainWindow w(nullptr, false);
    w.show();
    TraceRequest heavy = w.currentJob();
    heavy.estimator.method = "hutchinson";
    heavy.estimator.matvecs = 4000;
    QSignalSpy progress(w.engine(), &ui::EngineClient::progress);
    QSignalSpy finished(w.engine(), &ui::EngineClient::jobFinished);
    w.engine()->submit(heavy);
    QVERIFY(progress.wait(30000));  // measure while the engine works, not before it starts
    QElapsedTimer clock;
    clock.start();
    qint64 last = 0, worst = 0;
    QTimer tick;
    QObject::connect(&tick, &QTimer::timeout, [&] {
      const qint64 now = clock.elapsed();
      worst = std::max(worst, now - last - 10);
      last = now;
    });
    last = clock.elapsed();
    tick.start(10);
    QTest::qWait(1500);
    tick.stop();
    QVERIFY2(finished.count() == 0, "the heavy run ended before the measurement did: make it heavier");
    w.engine()->cancel();
    QVERIFY2(worst < 50, qPrintable(QString("event loop stalled for %1 ms").arg(worst)));
  }

  // File ▸ Open Example: the example CNN and its inputs come out of the resources and run as they are.
  void openExampleRuns() {
    ui::MainWindow w(nullptr, false);
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    QCOMPARE(w.openExample(), QString());
    const CompareRequest job = w.currentCompareJob();
    QVERIFY(QFileInfo::exists(QString::fromStdString(job.problem.model)));
    QCOMPARE(QString::fromStdString(job.problem.input_shape), QString("1,8,8"));
    QVERIFY(done.wait(120000));
    QVERIFY(w.lastCompare());
    QCOMPARE(w.lastCompare()->d, int64_t(2000));  // 200 inputs × 10 outputs
    QCOMPARE(w.lastCompare()->params, int64_t(1954));
    QVERIFY(!w.windowIcon().isNull());
    QVERIFY(w.openExample(7).contains("no example 7"));
  }

  void badModelShowsMessage() {
    ui::MainWindow w(nullptr, false);
    QSignalSpy failed(&w, &ui::MainWindow::failureShown);
    TraceRequest job = w.currentJob();
    job.problem.model = "/no/such/file.pt";
    job.problem.input_shape = "100";
    w.engine()->submit(job);
    QVERIFY(failed.wait(30000));
    QVERIFY(failed.at(0).at(0).toString().contains("file not found"));
  }
};

}  // namespace test_main_window

TS_TEST_MAIN(test_main_window::TestMainWindow)
#include "test_main_window.moc"
