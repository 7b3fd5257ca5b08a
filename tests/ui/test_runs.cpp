// The Runs tab in the real window (offscreen): a training run recorded by the Python logger opens, its
// snapshots are analysed on the tab's own engine thread, one written afterwards appears within seconds, the
// values equal PyTorch's, a snapshot opens as the model of the other tabs, and sessions keep the runs.
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileInfo>
#include <QLineSeries>
#include <QMimeData>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QUrl>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ChartView.h"
#include "MainWindow.h"
#include "RunsPanel.h"
#include "RunsTable.h"
#include "TestHarness.h"
#include "core/Json.h"
#include "jobs/Jobs.h"

using namespace ts;
namespace fs = std::filesystem;

namespace test_runs {

namespace {

const Json& run_reference() {
  static const Json r = [] {
    std::ifstream f(std::string(TS_FIXTURE_DIR) + "/runs/reference.json");
    std::stringstream s;
    s << f.rdbuf();
    return parse_json(s.str(), "runs/reference.json");
  }();
  return r;
}

// The fixture run copied into `parent`, without its last `drop` snapshots and its finished marker.
QString copy_run(const QString& parent, const QString& name, int drop) {
  const std::string from = std::string(TS_FIXTURE_DIR) + "/runs/" + name.toStdString();
  const std::string to = (parent + "/" + name).toStdString();
  fs::create_directories(parent.toStdString());
  fs::copy(from, to, fs::copy_options::recursive);
  if (drop > 0) {
    fs::remove(to + "/finished");
    const RunFolder r = read_run_folder(to);
    for (int i = 0; i < drop; ++i) fs::remove(r.snapshots[r.snapshots.size() - 1 - i].file);
  }
  return QString::fromStdString(to);
}

// Puts the fixture's missing snapshots in place as the logger does: written beside, then renamed.
void finish_run(const QString& dir, const QString& name) {
  const RunFolder full = read_run_folder(std::string(TS_FIXTURE_DIR) + "/runs/" + name.toStdString());
  for (const auto& s : full.snapshots) {
    const std::string to = dir.toStdString() + "/snapshots/" + fs::path(s.file).filename().string();
    if (fs::exists(to)) continue;
    fs::copy_file(s.file, to + ".partial");
    fs::rename(to + ".partial", to);
  }
}

double value_at(ui::RunsPanel* runs, int row, int column) {
  return runs->table()->item(row, column)->toolTip().section(' ', 0, 0).toDouble();
}

}  // namespace

class TestRuns : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { QSettings().clear(); }

  // Opened while the run is still training: its two snapshots are analysed, then two written later appear
  // without any action, and every value equals PyTorch's exact one.
  void followsARunAsItTrains() {
    QTemporaryDir tmp;
    const QString dir = copy_run(tmp.path(), "gpt-tokens", 2);
    ui::MainWindow w(nullptr, false);
    ui::RunsPanel* runs = w.runsPanel();
    runs->setAnalysis("hutchpp", 96, true);
    QCOMPARE(w.openRun(dir), QString());
    QCOMPARE(w.page(w.tabs()->currentIndex()), static_cast<QWidget*>(runs));
    QTRY_COMPARE_WITH_TIMEOUT(runs->rowCount(dir), 2, 60000);
    finish_run(dir, "gpt-tokens");
    QTRY_COMPARE_WITH_TIMEOUT(runs->rowCount(dir), 4, 60000);
    QTRY_VERIFY_WITH_TIMEOUT(!runs->busy(), 30000);
    QCOMPARE(runs->chart()->pointCount("gpt-tokens"), 4);
    const Json& ref = run_reference().at("gpt-tokens");
    // Table columns: step, loss, then tr K, ‖K‖_F, r_eff, alignment to y, cos and distance to K₀ and to the
    // previous snapshot.
    for (int row = 0; row < 4; ++row) {
      const Json& m = ref[size_t(row)].at("metrics");
      TS_CHECK_CLOSE(value_at(runs, row, 2), m.at("trace").get<double>(), 1e-10, 0.0);
      TS_CHECK_CLOSE(value_at(runs, row, 3), m.at("frobenius").get<double>(), 1e-10, 0.0);
      TS_CHECK_CLOSE(value_at(runs, row, 7), m.at("distance_first").get<double>(), 1e-9, 1e-12);
    }
    // A click on the line picks the nearest snapshot in the table (step 6 for a click at 5.2).
    runs->chart()->series("gpt-tokens")->clicked(QPointF(5.2, 0));
    QCOMPARE(runs->table()->selectedStep(), qint64(6));
    runs->setMetric("distance_previous");
    QCOMPARE(runs->chart()->pointCount("gpt-tokens"), 3);  // none for the first snapshot
    runs->setScalar("loss");
    QCOMPARE(runs->chart()->pointCount("gpt-tokens · loss"), 4);
  }

  // A snapshot of the run becomes the model of the other tabs, on the run's probe batch: the Convergence
  // tab's exact trace is that snapshot's (PyTorch's value).
  void snapshotOpensInTheOtherTabs() {
    QTemporaryDir tmp;
    const QString dir = copy_run(tmp.path(), "mlp-frozen-bn", 0);
    ui::MainWindow w(nullptr, false);
    w.runsPanel()->setAnalysis("hutchpp", 96, true);
    QCOMPARE(w.openRun(dir), QString());
    QTRY_VERIFY_WITH_TIMEOUT(!w.runsPanel()->busy(), 60000);
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    QCOMPARE(w.runsPanel()->openSnapshot(dir, 6), QString());
    QVERIFY(done.wait(120000));
    QVERIFY(QString::fromStdString(w.currentCompareJob().problem.data).contains("probe_inputs.npy"));
    QVERIFY(w.lastCompare() && w.lastCompare()->exact);
    TS_CHECK_CLOSE(*w.lastCompare()->exact,
                   run_reference().at("mlp-frozen-bn")[2].at("metrics").at("trace").get<double>(), 1e-10,
                   0.0);
  }

  // A session names its runs and the tab's settings; opening it reads the runs again from their folders.
  // A run folder that is not one, or that disappears while watched, is named; nothing crashes.
  void sessionsKeepRunsAndBadFoldersAreNamed() {
    QTemporaryDir tmp;
    const QString dir = copy_run(tmp.path(), "mlp-frozen-bn", 0);
    const QString session = tmp.path() + "/s.tsession";
    {
      ui::MainWindow w(nullptr, false);
      w.runsPanel()->setAnalysis("hutchpp", 96, true);
      QCOMPARE(w.openRun(dir), QString());
      QTRY_VERIFY_WITH_TIMEOUT(!w.runsPanel()->busy(), 60000);
      w.runsPanel()->setMetric("effective_rank");
      QCOMPARE(w.saveSession(session), QString());
    }
    ui::MainWindow w(nullptr, false);
    QCOMPARE(w.openSession(session), QString());
    QCOMPARE(w.runsPanel()->runs(), QStringList{QDir::cleanPath(dir)});
    QCOMPARE(w.runsPanel()->metric(), QString("effective_rank"));
    QCOMPARE(w.runsPanel()->rowCount(dir), 4);
    QCOMPARE(w.runsPanel()->chart()->pointCount("mlp-frozen-bn"), 4);

    // A run folder dropped on the window opens in the Runs tab.
    const QString dropped = copy_run(tmp.path() + "/drop", "gpt-tokens", 0);
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(dropped)});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &drop);
    QVERIFY(w.runsPanel()->runs().contains(QDir::cleanPath(dropped)));

    QDir().mkpath(tmp.path() + "/empty");
    QVERIFY(w.openRun(tmp.path() + "/empty").contains("not a run folder"));
    QDir(dir).removeRecursively();
    QTRY_VERIFY_WITH_TIMEOUT(w.runsPanel()->statusText().contains("mlp-frozen-bn"), 10000);
    QCOMPARE(w.runsPanel()->rowCount(dir), 4);  // what was shown stays
  }
};

}  // namespace test_runs

TS_TEST_MAIN(test_runs::TestRuns)
#include "test_runs.moc"
