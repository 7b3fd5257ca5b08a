// The tabs that compute on their own in the real window under the offscreen platform: Spectrum and Metrics,
// Training, pNTK (kernels and the width experiment), Layers and Active learning, each against direct engine
// calls where there is one.
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

namespace test_tabs {
class TestTabs : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { QSettings().clear(); }  // XDG_CONFIG_HOME points into the build tree

  // The Layers tab: every layer's trace with its share as bars, filled in live, the same numbers as a direct
  // engine call, and the exports.
  void layersTab() {
    ui::MainWindow w(nullptr, false);
    w.setProblem("mlp:in=64,width=16,depth=3,out=10,seed=2", "digits:n=20");
    auto* panel = w.layersPanel();
    panel->setOptions("hutchpp", 48, true);
    QSignalSpy shown(panel, &ui::LayersPanel::layersShown);
    panel->compute();
    QVERIFY(shown.wait(60000));
    const LayersResult* r = panel->lastResult();
    QVERIFY(r);
    QCOMPARE(r->traces.layers.size(), size_t(3));
    QCOMPARE(panel->table()->rowCount(), 3);
    QCOMPARE(panel->barCount(), 3);
    // Each bar carries its ±2σ: 2·σ_g / tr K in percent of tr K, a whisker across its end.
    const ui::LayersPanel::Bars bars = panel->bars();
    QCOMPARE(bars.errors.size(), 3);
    for (int i = 0; i < 3; ++i) {
      const LayerTrace& l = r->traces.layers[size_t(2 - i)];  // the bars run bottom to top
      QVERIFY(std::fabs(bars.errors[i] - 100 * 2 * *l.std_error / r->traces.total) < 1e-9);
    }
    QCOMPARE(panel->findChild<QChartView*>()->chart()->series().size(), 1 + 3);
    QCOMPARE(panel->table()->horizontalHeader()->metaObject()->className(), "ts::ui::RichHeader");
    // Values to the place their error supports, the exact one likewise; full precision in the tooltip.
    const LayerTrace& first = r->traces.layers[0];
    QCOMPARE(panel->table()->item(0, 2)->text(), ui::atPlaceOf(first.trace, 2 * *first.std_error));
    QCOMPARE(panel->table()->item(0, 5)->text(), ui::atPlaceOf(first.exact, 2 * *first.std_error));
    QVERIFY(panel->table()->item(0, 5)->text().size() < QString::number(*first.exact, 'g', 17).size());
    QCOMPARE(panel->table()->item(0, 2)->toolTip(), QString::number(first.trace, 'g', 17));
    QCOMPARE(ui::atPlaceOf(12.3456, 0.41), QString("12.35"));
    QCOMPARE(ui::atPlaceOf(1234567.0, 1200.0), QString("1.2346e+06"));
    QCOMPARE(ui::atPlaceOf(2.5, std::nullopt), QString("2.5"));
    QVERIFY(panel->liveUpdates() > 1);
    LayersRequest direct;
    direct.problem = w.currentCompareJob().problem;
    direct.options = r->request.options;
    const LayersResult again = run_layers_job(direct);
    for (size_t g = 0; g < 3; ++g) QCOMPARE(again.traces.layers[g].trace, r->traces.layers[g].trace);
    TraceRequest t;
    t.problem = direct.problem;
    t.estimator.method = "exact";
    const double exact = run_trace_job(t).estimate.estimate;
    QVERIFY(std::fabs(*r->traces.exact_total - exact) <= 1e-10 * exact);
    QTemporaryDir dir;
    QCOMPARE(panel->exportAll(dir.path()), QString());
    for (const char* f : {"layers.png", "layers.csv", "layers.json"})
      QVERIFY2(QFileInfo::exists(dir.filePath(f)), f);
  }

  void spectrumAndMetricsTabs() {
    ui::MainWindow w(nullptr, false);
    w.setProblem("mlp:in=64,width=32,depth=2,out=10,seed=1", "digits:n=30");
    QSignalSpy spec(&w, &ui::MainWindow::spectrumShown);
    w.computeSpectrum();
    QVERIFY(spec.wait(60000));
    QCOMPARE(w.spectrumChart()->pointCount("eigenvalues"), 300);  // d = 30 × 10 < P
    QVERIFY2(w.spectrumChart()->chart()->title().endsWith("all 300 eigenvalues"),
             qPrintable(w.spectrumChart()->chart()->title()));
    QSignalSpy met(&w, &ui::MainWindow::metricsShown);
    w.computeMetrics();
    QVERIFY(met.wait(60000));
    QCOMPARE(w.metricsTable()->rowCount(), 4);
    const MetricsResult direct = run_metrics_job([&] {
      MetricsRequest j;
      j.problem = w.currentCompareJob().problem;
      j.estimator = w.currentCompareJob().estimator;
      j.estimator.method = "hutchpp";
      j.compare_exact = true;
      j.trace_per_input = true;  // the tab's box, ticked by default
      j.metrics = {"trace", "frobenius", "effective_rank", "target_alignment"};
      return j;
    }());
    // Typeset names, and the estimate with its ±2σ (the app's one convention, said in the header) to two
    // significant digits.
    QCOMPARE(w.metricsTable()->item(0, 0)->text(), QString("tr K"));
    QCOMPARE(w.metricsTable()->item(1, 0)->text(), QString("‖K‖_F"));
    QVERIFY(w.metricsTable()->horizontalHeaderItem(1)->text().contains("2σ"));
    QCOMPARE(w.metricsTable()->item(0, 1)->text(),
             QString::fromStdString(format_uncertain(direct.metrics.front().value,
                                                     2 * direct.metrics.front().std_error.value_or(NAN))));
    QVERIFY(w.metricsTable()->item(0, 1)->text().contains(" ± "));
  }

  // The pNTK tab: both kernels with their errors (the numbers of a direct engine call), heat maps sorted by
  // class, the width experiment filling in point by point with its fits, and the export of it all.
  void pntkTab() {
    ui::MainWindow w(nullptr, false);
    w.resize(1400, 900);
    w.show();
    w.setProblem("mlp:in=64,width=32,depth=3,out=10,seed=2", "digits:n=30");
    ui::PntkPanel* panel = w.pntkPanel();
    w.showPage(panel);
    QSignalSpy kernels(panel, &ui::PntkPanel::kernelsShown);
    panel->computeKernels();
    QVERIFY(kernels.wait(60000));
    PntkRequest direct;
    direct.problem = w.currentCompareJob().problem;
    direct.compare = true;
    const PntkResult r = run_pntk_job(direct);
    const PntkResult* shown = panel->lastKernels();
    QVERIFY(shown && shown->rel_frobenius_error && r.rel_frobenius_error);
    QCOMPARE(*shown->rel_frobenius_error, *r.rel_frobenius_error);
    QVERIFY(panel->summaryText().contains(QString::number(*r.rel_frobenius_error, 'g', 3)));
    QCOMPARE(panel->pntkMap()->matrixSize(), 30);
    QCOMPARE(panel->entkMap()->matrixSize(), 240);  // 300 × 300 averaged down
    QVERIFY(panel->pntkMap()->maxAbs() > 0);

    panel->setWidthSettings(64, 2, 12, 0);
    QSignalSpy point(panel, &ui::PntkPanel::widthPointShown);
    QSignalSpy finished(panel, &ui::PntkPanel::widthFinished);
    panel->runWidthExperiment();
    QVERIFY(finished.wait(120000));
    QCoreApplication::processEvents();
    QCOMPARE(panel->widthPointsShown(), 6);  // widths 16, 32, 64 × 2 seeds, each shown as it finished
    QVERIFY(panel->lastWidth() && panel->lastWidth()->points.size() == 6);
    QCOMPARE(panel->widthChart()->pointCount("init: Frobenius"), 3);
    QVERIFY(panel->summaryText().contains("slope"));
    QTemporaryDir dir;
    QVERIFY(w.exportAll(dir.path()).isEmpty());
    for (const char* f : {"pntk_width.png", "pntk_width.svg", "pntk_heatmap.png", "entk_heatmap.png",
                          "pntk.json", "pntk_width.json"})
      QVERIFY2(QFile::exists(dir.filePath(f)), f);
    QVERIFY(!QImage(dir.filePath("pntk_heatmap.png")).isNull());
    // The exported results are the command-line tool's JSON, with the numbers shown.
    QFile exported(dir.filePath("pntk.json"));
    QVERIFY(exported.open(QIODevice::ReadOnly));
    QCOMPARE(parse_json(exported.readAll().toStdString()).at("rel_frobenius_error").get<double>(),
             *shown->rel_frobenius_error);
    QVERIFY(!panel->exportAll("/no/such/folder").isEmpty());
  }

  // The Active learning tab: the chart fills in cycle by cycle, the gallery shows the latest queries with
  // their predicted change, pause holds the engine between cycles, resume finishes, cancel ends a paused run.
  void activeLearningTab() {
    ui::MainWindow w(nullptr, false);
    w.resize(1400, 900);
    w.show();
    ui::AlPanel* al = w.alPanel();
    w.showPage(al);
    al->setConfig("mlp:in=64,width=64,depth=2,out=10", "digits", {"random", "mlmoc"}, 20, 5, 2, 2, 300);
    QSignalSpy finished(al, &ui::AlPanel::runFinished);
    al->run();
    QVERIFY(finished.wait(120000));
    QCoreApplication::processEvents();
    QCOMPARE(al->cyclesShown(), 12);  // 2 strategies × 2 seeds × (initial + 2 cycles)
    QCOMPARE(al->accuracyChart()->pointCount("mlmoc"), 3);
    // Strategies by the names people use: in the legend and the gallery's list (the code name stays the
    // data).
    QStringList legend;
    for (auto* s : al->accuracyChart()->chart()->series()) legend << s->name();
    QVERIFY2(legend.contains("MLMOC") && legend.contains("Random"), qPrintable(legend.join(", ")));
    auto* gallery_list = al->findChild<QComboBox*>("gallery_strategy");
    QCOMPARE(gallery_list->currentText(), QString("MLMOC"));
    QCOMPARE(al->galleryStrategy(), QString("mlmoc"));
    QCOMPARE(ui::displayName("badge"), QString("BADGE"));
    QCOMPARE(ui::displayName("coreset"), QString("Core-set"));
    QCOMPARE(al->gallery()->sampleCount(), 5);
    al->gallery()->select(0);
    QVERIFY(al->detailText().contains("predicted mean change"));
    QVERIFY(al->summaryText().contains("AUC"));
    QVERIFY(al->summaryText().contains("Student-t"));
    QVERIFY(al->lastResult());
    QCOMPARE(al->lastResult()->runs.size(), size_t(4));

    // The published preset fills the form and brings its learner; the form's fields stay on top of it.
    auto* preset = al->findChild<QComboBox*>("alPreset");
    QVERIFY(preset);
    preset->setCurrentText("published");
    AlRequest published = al->request();
    QCOMPARE(published.initial, int64_t(100));
    QCOMPARE(published.pool_subset, int64_t(4000));
    QCOMPARE(published.training.schedule, std::string("one-cycle"));
    QVERIFY(std::find(published.strategies.begin(), published.strategies.end(), "mlmoc-pseudo-contrastive") !=
            published.strategies.end());
    preset->setCurrentText("custom");
    QCOMPARE(al->request().training.schedule, std::string("constant"));

    // Pause after the first cycle: nothing more arrives until resumed.
    al->setConfig("mlp:in=64,width=64,depth=2,out=10", "digits", {"random"}, 20, 5, 4, 1, 0);
    QSignalSpy cycle(al, &ui::AlPanel::cycleShown);
    QSignalSpy done(al, &ui::AlPanel::runFinished);
    al->run();
    QVERIFY(cycle.wait(60000));
    al->setPaused(true);
    QTest::qWait(1500);
    const int held = al->cyclesShown();
    QTest::qWait(1000);
    QCOMPARE(al->cyclesShown(), held);
    QVERIFY(held < 5);
    al->setPaused(false);
    QVERIFY(done.wait(60000));
    QCOMPARE(al->cyclesShown(), 5);

    // Cancel while paused ends the run.
    QSignalSpy cancelled(w.engine(), &ui::EngineClient::cancelled);
    al->run();
    QVERIFY(cycle.wait(60000));
    al->setPaused(true);
    QTest::qWait(300);
    w.engine()->cancel();
    QVERIFY(cancelled.wait(5000));

    QTemporaryDir dir;
    QVERIFY(al->exportAll(dir.path()).isEmpty());
    for (const char* f : {"al_accuracy.png", "al_accuracy.svg", "al_gallery.png", "al_curves.csv"})
      QVERIFY2(QFile::exists(dir.filePath(f)), f);
  }

  // 2-D data: the gallery draws labelled, pool and queried points.
  void activeLearningScatter() {
    ui::MainWindow w(nullptr, false);
    ui::AlPanel* al = w.alPanel();
    al->setConfig("mlp:in=2,width=32,depth=3,out=2", "moons:size=300,noise=0.15", {"margin"}, 10, 5, 1, 1, 0);
    QSignalSpy finished(al, &ui::AlPanel::runFinished);
    al->run();
    QVERIFY(finished.wait(60000));
    QCoreApplication::processEvents();
    QCOMPARE(al->gallery()->sampleCount(), 5);
    QVERIFY(al->lastResult());
    const AlCycle& row = al->lastResult()->runs.at(0).cycles.at(1);
    QVERIFY(row.points2d);
    QVERIFY(row.points2d->pool.size() > 200);
    QVERIFY(row.queried.at(0).x);
    QCOMPARE(row.queried.at(0).x->size(), size_t(2));
  }

  void trainingTab() {
    ui::MainWindow w(nullptr, false);
    w.setProblem("mlp:in=2,width=16,depth=2,out=2,act=tanh,seed=1", "moons:size=150");
    w.setMethods({"hutchpp"});
    QSignalSpy done(&w, &ui::MainWindow::dynamicsShown);
    w.trainAndTrack();  // 5 epochs by default: snapshots 0…5
    QVERIFY(done.wait(120000));
    for (const QString m : {"tr K", "‖K‖_F", "r_eff", "cos(K, K₀)", "target al."})
      QCOMPARE(w.dynamicsChart()->pointCount(m), 6);
    QCOMPARE(w.lossChart()->pointCount("train loss"), 6);
    QCOMPARE(w.lossChart()->pointCount("test acc"), 6);
  }
};

}  // namespace test_tabs

TS_TEST_MAIN(test_tabs::TestTabs)
#include "test_tabs.moc"
