// The workbench in the real window under the offscreen platform: opening one's own model (the input shape
// asked once, data that does not fit swapped), token models, the kernel export, calibrated budgets, estimates
// before the exact value, pinned runs, runs that end without a result, figures that name their problem, the
// run log of every kind of run, and a relaunch that starts no exact trace.
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

namespace test_workbench {

namespace {
using test_ui::small_problem;

// Computes the Spectrum and Metrics tabs of the form's problem; whether both were shown.
bool spectrum_and_metrics(ui::MainWindow& w) {
  QSignalSpy spectrum(&w, &ui::MainWindow::spectrumShown);
  QSignalSpy metrics(&w, &ui::MainWindow::metricsShown);
  w.computeSpectrum();
  if (!spectrum.wait(60000)) return false;
  w.computeMetrics();
  return metrics.wait(60000);
}
}  // namespace

class TestWorkbench : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { QSettings().clear(); }  // XDG_CONFIG_HOME points into the build tree

  // Bringing one's own model: a file without metadata asks for its input shape once (then remembers it), data
  // that does not fit is swapped for random inputs of the model's shape, a file from scripts/export-model
  // asks nothing; the builder row shows a file.
  void openOwnModel() {
    QSettings().remove("model_shapes");
    ui::MainWindow w(nullptr, true);  // persist: the shape is remembered in the settings
    int asked = 0;
    w.setShapePrompt([&](const QString&) {
      ++asked;
      return QString("5");
    });
    w.setProblem("mlp:in=64,width=32,depth=2,out=10,seed=1", "digits:n=20");
    QSignalSpy opened(&w, &ui::MainWindow::modelOpened);
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    QSignalSpy failed(&w, &ui::MainWindow::failureShown);
    const QString plain = QString(TS_FIXTURE_DIR) + "/tiny_mlp.pt";  // torch.jit.save: no metadata, 5 inputs
    w.openModel(plain);
    QVERIFY(opened.wait(30000));
    QCOMPARE(asked, 1);
    QVERIFY2(opened.at(0).at(0).toString().contains("64 values per input but the model takes 5"),
             qPrintable(opened.at(0).at(0).toString()));
    QVERIFY(done.wait(60000));
    QCOMPARE(failed.count(), 0);
    QCOMPARE(w.currentCompareJob().problem.input_shape, std::string("5"));
    QVERIFY(QString::fromStdString(w.currentCompareJob().problem.data).startsWith("random:n=20,shape=5"));
    bool file_shown = false;
    for (auto* c : w.findChildren<QComboBox*>()) file_shown |= c->currentText() == "TorchScript file";
    QVERIFY(file_shown);
    // Again: the shape is remembered, nothing asked.
    w.setProblem("mlp:in=64,width=32,depth=2,out=10,seed=1", "digits:n=20");
    w.openModel(plain);
    QVERIFY(opened.wait(30000));
    QCOMPARE(asked, 1);
    QVERIFY(opened.last().at(0).toString().contains("remembered"));
    QVERIFY(done.wait(60000));
    // A file that records its shape (scripts/export-model) asks nothing either.
    QSettings().remove("model_shapes");
    w.openModel(QString(TS_FIXTURE_DIR) + "/exported/two_heads.pt");
    QVERIFY(opened.wait(30000));
    QCOMPARE(asked, 1);
    QVERIFY(opened.last().at(0).toString().contains("from the file"));
    QCOMPARE(w.currentCompareJob().problem.input_shape, std::string("4"));
    QVERIFY(done.wait(60000));
    // Cancelling the prompt leaves the model unrun and says what is missing.
    w.setShapePrompt([](const QString&) { return QString(); });
    const int runs = done.count();
    w.openModel(plain);
    QTest::qWait(300);
    QCOMPARE(done.count(), runs);
    QVERIFY(w.statusBar()->currentMessage().contains("does not record its input shape"));
    QSettings().remove("model_shapes");
  }

  // A token model (int64 ids in, a bool causal-mask buffer) opened on an int64 .npy: the app feeds the ids to
  // it unchanged, and its exact trace is PyTorch's.
  void tokenModelTakesIntegerData() {
    ui::MainWindow w(nullptr, false);
    const QString dir = QString(TS_FIXTURE_DIR) + "/exported";
    const QString data = "npy:" + dir + "/tokens.npy";
    w.setProblem("mlp:in=64,width=32,depth=2,out=10,seed=1", data);
    w.setMethods({"hutchpp"});
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    QSignalSpy failed(&w, &ui::MainWindow::failureShown);
    w.openModel(dir + "/tiny_gpt.pt");
    for (int i = 0; i < 3 && !(w.lastCompare() && w.lastCompare()->exact); ++i) QVERIFY(done.wait(120000));
    QCOMPARE(failed.count(), 0);
    QCOMPARE(QString::fromStdString(w.currentCompareJob().problem.data),
             data);  // kept: the ids fit the model
    QFile ref(dir + "/reference.json");
    QVERIFY(ref.open(QIODevice::ReadOnly));
    const double want = parse_json(ref.readAll().toStdString()).at("tiny_gpt.pt").at("trace").get<double>();
    QVERIFY(w.lastCompare() && w.lastCompare()->exact);
    const double got = *w.lastCompare()->exact;
    QVERIFY2(std::fabs(got - want) <= 1e-10 * std::fabs(want),
             qPrintable(QString("exact tr K %1, PyTorch %2").arg(got, 0, 'g', 17).arg(want, 0, 'g', 17)));
  }

  // File ▸ Export kernel: the kernel the form describes as .npy, equal to the engine's own, with its top
  // eigenpairs; over the memory budget, only the eigenpairs (block Lanczos), and the status bar says so.
  void exportKernel() {
    ui::MainWindow w(nullptr, false);
    w.setProblem("mlp:in=64,width=32,depth=2,out=10,seed=1", "digits:n=12");
    QTemporaryDir dir;
    QSignalSpy exported(&w, &ui::MainWindow::kernelExported);
    const QString path = dir.path() + "/K.npy";
    w.exportKernel(path);
    QVERIFY(exported.wait(60000));
    QVERIFY(exported.at(0).at(0).toString().startsWith("Wrote the 120 × 120 kernel"));
    KernelRequest direct;
    direct.problem = w.currentCompareJob().problem;
    direct.out = (dir.path() + "/direct.npy").toStdString();
    run_kernel_job(direct);
    const at::Tensor K = read_npy_file(path.toStdString(), int64_t(1) << 30).values;
    const at::Tensor D = read_npy_file(direct.out, int64_t(1) << 30).values;
    QCOMPARE(K.sizes().vec(), (std::vector<int64_t>{120, 120}));
    QVERIFY((K - D).abs().max().item<double>() == 0.0);
    QCOMPARE(read_npy_file((dir.path() + "/K.eig.values.npy").toStdString(), int64_t(1) << 30).values.numel(),
             int64_t(20));
    // Over the budget (J, 120 × 2,410 doubles, does not fit 400 KB; the Krylov basis does): no kernel file,
    // the eigenpairs by Lanczos.
    ui::MainWindow small(nullptr, false);
    small.setProblem("mlp:in=64,width=32,depth=2,out=10,seed=1", "digits:n=12");
    QSignalSpy exported2(&small, &ui::MainWindow::kernelExported);
    small.setMemoryBudget(400 * 1024);
    small.exportKernel(dir.path() + "/big.npy");
    QVERIFY(exported2.wait(60000));
    QVERIFY2(exported2.at(0).at(0).toString().contains("over the memory budget"),
             qPrintable(exported2.at(0).at(0).toString()));
    QVERIFY(!QFileInfo::exists(dir.path() + "/big.npy"));
    const at::Tensor lam =
        read_npy_file((dir.path() + "/big.eig.values.npy").toStdString(), int64_t(1) << 30).values;
    const at::Tensor want =
        read_npy_file((dir.path() + "/K.eig.values.npy").toStdString(), int64_t(1) << 30).values;
    QVERIFY((lam - want).abs().max().item<double>() <= 1e-8 * want[0].item<double>());
  }

  // The budget never goes below what the ticked estimators' error bars are calibrated for (bench
  // calibration).
  void budgetsStayCalibrated() {
    ui::MainWindow w(nullptr, false);
    w.setMethods({"hutchinson", "rhutch"});
    QCOMPARE(int64_t(w.budgetSlider()->minimum()), int64_t(8));
    w.budgetSlider()->setValue(8);
    w.setMethods({"hutchinson", "xnystrace"});
    QCOMPARE(int64_t(w.budgetSlider()->minimum()), find_estimator("xnystrace").min_calibrated_budget);
    QCOMPARE(int64_t(w.budgetSlider()->value()), find_estimator("xnystrace").min_calibrated_budget);
    w.setMethods({"hutchinson", "hutchpp"});
    QCOMPARE(int64_t(w.budgetSlider()->minimum()), find_estimator("hutchpp").min_calibrated_budget);
    QCOMPARE(int64_t(w.budgetSlider()->value()), find_estimator("hutchpp").min_calibrated_budget);
    w.setMethods({"xtrace"});
    QCOMPARE(int64_t(w.budgetSlider()->minimum()), find_estimator("xtrace").min_calibrated_budget);
  }

  // The first screen's point: the estimates are shown before the exact trace, which arrives later in the same
  // run (the reference line), and cancelling while it is computed keeps the estimates.
  void estimatesBeforeExact() {
    ui::MainWindow w(nullptr, false);
    w.setProblem("mlp:in=64,width=64,depth=2,out=10,seed=1", "digits:n=100");
    QSignalSpy estimates(&w, &ui::MainWindow::estimatesShown);
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    bool reference_at_estimates = true;
    int points_at_estimates = 0, xnys_at_estimates = 0;
    connect(&w, &ui::MainWindow::estimatesShown, this, [&] {
      reference_at_estimates = w.convergenceChart()->content().has_reference;
      points_at_estimates = w.convergenceChart()->pointCount("hutchpp");
      xnys_at_estimates = w.convergenceChart()->pointCount("xnystrace");
    });
    w.run();
    QVERIFY(done.wait(60000));
    QCOMPARE(estimates.count(), 1);
    QVERIFY(!reference_at_estimates);
    QVERIFY(points_at_estimates > 0);
    QCOMPARE(xnys_at_estimates, 1);  // a one-pass method: one estimate, then a curve over the sweep's budgets
    QCOMPARE(w.convergenceChart()->pointCount("xnystrace"), 4);
    QVERIFY(w.lastCompare() && w.lastCompare()->exact);
    QVERIFY2(w.convergenceChart()->content().has_reference, qPrintable(w.convergenceChart()->csv()));
    QCOMPARE(w.convergenceChart()->content().reference_y, *w.lastCompare()->exact);
    // Cancelled during the exact trace: the estimates stay.
    QSignalSpy cancelled(w.engine(), &ui::EngineClient::cancelled);
    QMetaObject::Connection c =
        connect(&w, &ui::MainWindow::estimatesShown, this, [&] { w.engine()->cancel(); });
    w.run();
    QVERIFY(cancelled.wait(60000));
    disconnect(c);
    QCOMPARE(done.count(), 1);
    QVERIFY(w.convergenceChart()->pointCount("hutchpp") > 0);
    QVERIFY(!w.convergenceChart()->content().has_reference);
    QVERIFY2(w.resultText().startsWith("tr K ≈"), qPrintable(w.resultText()));
  }

  // Pinned runs: a pinned run's curves are overlaid dashed in its estimator's colour on later runs' charts,
  // the table beside the run log lists exactly the settings that differ, and both survive a session round
  // trip.
  void pinnedRunsOverlay() {
    ui::MainWindow w(nullptr, false);
    w.setMethods({"hutchpp", "hutchinson"});
    w.setProblem("mlp:in=64,width=32,depth=2,out=10,seed=1", "digits:n=40");
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    w.run();
    QVERIFY(done.wait(60000));
    const QList<QPointF> first = w.convergenceChart()->content().series.value(0).points;
    w.setProblem("mlp:in=64,width=32,depth=2,out=10,seed=2", "digits:n=40");
    w.run();
    QVERIFY(done.wait(60000));
    QCOMPARE(w.runLog()->runs(), 2);
    QVERIFY(!w.pinnedRunsTable()->isVisibleTo(&w));
    w.runLog()->setPinned(0, true);  // as a click on the box does
    auto overlay = [&](const ui::MainWindow& x) {
      for (const auto& s : x.convergenceChart()->content().series)
        if (s.name == "hutchpp · run 1") return s;
      return ui::ChartView::Series{};
    };
    QVERIFY(overlay(w).dashed);
    QCOMPARE(overlay(w).points, first);
    QVERIFY(w.convergenceChart()->pointCount("hutchpp") > 0);  // the live run is still drawn
    QTableWidget* diff = w.pinnedRunsTable();
    QVERIFY(diff->isVisibleTo(&w));
    QCOMPARE(diff->columnCount(), 2);
    QCOMPARE(diff->rowCount(), 1);                                    // only the model's seed differs
    QCOMPARE(diff->verticalHeaderItem(0)->text(), QString("Model"));  // as the form labels it
    {  // settings named as the form labels them, values as people read them
      CompareRequest a = w.currentCompareJob(), b = a;
      b.methods = {"xnystrace", "hutchpp"};
      b.estimator.seed = 7;
      b.problem.compute.memory_budget = int64_t(8) << 30;
      const auto rows = ui::config_differences({a, b});
      QStringList labels;
      for (const auto& r : rows) labels << r.first;
      QCOMPARE(labels, (QStringList{"Memory budget", "Estimator seed", "Estimators"}));
      QCOMPARE(rows[2].second[1], QString("XNysTrace, Hutch++"));
      QCOMPARE(rows[0].second[1], QString::fromStdString(format_bytes(double(int64_t(8) << 30))));
    }
    QCOMPARE(diff->item(0, 0)->text(), QString("mlp:in=64,width=32,depth=2,out=10,seed=1"));
    QCOMPARE(diff->horizontalHeaderItem(1)->text(), QString("run 2 (latest)"));
    // A third run keeps the overlay.
    w.run();
    QVERIFY(done.wait(60000));
    QCOMPARE(overlay(w).points, first);
    // Saved and reopened: the pin, the overlay and the table.
    QTemporaryDir dir;
    QCOMPARE(w.saveSession(dir.filePath("pins.tsession")), QString());
    ui::MainWindow v(nullptr, false);
    QCOMPARE(v.openSession(dir.filePath("pins.tsession")), QString());
    QCOMPARE(v.runLog()->pinnedRows(), QList<int>{0});
    QVERIFY(overlay(v).dashed);
    QCOMPARE(overlay(v).points, first);
    QCOMPARE(v.pinnedRunsTable()->rowCount(), 1);
    // Unpinned: the overlay and the table go.
    w.runLog()->setPinned(0, false);
    QVERIFY(overlay(w).points.isEmpty());
    QVERIFY(!w.pinnedRunsTable()->isVisibleTo(&w));
  }

  // A run that fails or is cancelled leaves the earlier result and charts (nothing "(running)" stays, the bar
  // is reset), and the run log says what became of it.
  void unfinishedRunsLeaveEarlierResults() {
    ui::MainWindow w(nullptr, false);
    w.setProblem("mlp:in=64,width=32,depth=2,out=10,seed=1", "digits:n=20");
    w.setMethods({"hutchpp"});
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    w.run();
    QVERIFY(done.wait(60000));
    const QString before = w.resultText();
    const QStringList series = w.convergenceChart()->seriesNames();
    const int rows = w.runLog()->runs();

    QSignalSpy failed(&w, &ui::MainWindow::failureShown);
    w.setProblem("mlp:in=64,width=32,depth=2,out=10,seed=1", "digits:n=20,label=nope");
    w.run();
    QVERIFY(failed.wait(60000));
    QCOMPARE(w.resultText(), "Earlier problem: " + before);  // the form describes another problem now
    QCOMPARE(w.convergenceChart()->seriesNames(), series);
    QCOMPARE(w.runLog()->runs(), rows + 1);
    QVERIFY2(w.runLog()->item(rows, 4)->text().startsWith("Failed"),
             qPrintable(w.runLog()->item(rows, 4)->text()));

    QSignalSpy progress(w.engine(), &ui::EngineClient::progress);
    QSignalSpy cancelled(w.engine(), &ui::EngineClient::cancelled);
    w.setProblem("mlp:in=64,width=512,depth=4,out=10,seed=1", "digits:n=500");  // seconds of work
    w.run();
    QVERIFY(progress.wait(60000));
    w.engine()->cancel();
    QVERIFY(cancelled.wait(60000));
    QVERIFY2(!w.resultText().contains("running"), qPrintable(w.resultText()));
    QVERIFY(w.resultText() == "Earlier problem: " + before || w.resultText().contains("cancelled"));
    for (const QString& name : w.convergenceChart()->seriesNames()) QVERIFY(!name.contains("running"));
    QCOMPARE(w.runLog()->runs(), rows + 2);
    QVERIFY(w.runLog()->item(rows + 1, 4)->text().startsWith("Cancelled"));
  }

  // An opened file is the data, every row of it: the data set box says the file's kind and its row count, not
  // the N of the set before.
  void openedDataShowsItsOwnSize() {
    QTemporaryDir tmp;
    QFile f(tmp.path() + "/small.csv");
    QVERIFY(f.open(QIODevice::WriteOnly));
    for (int r = 0; r < 37; ++r)
      f.write(QString("%1,%2,%3,%4\n").arg(r * 0.1).arg(r * 0.2).arg(-r * 0.3).arg(r % 3).toUtf8());
    f.close();
    ui::MainWindow w(nullptr, false);
    w.setProblem("mlp:in=3,width=8,depth=2,out=3,seed=1", "digits:n=500");
    QSignalSpy preview(&w, &ui::MainWindow::previewShown);
    w.openData(f.fileName());
    QTRY_COMPARE_WITH_TIMEOUT(w.currentCompareJob().problem.data, ("csv:" + f.fileName()).toStdString(),
                              5000);
    QSpinBox* n = nullptr;
    for (auto* box : w.findChildren<QSpinBox*>())
      if (box->prefix() == "N = ") n = box;
    QVERIFY(n);
    QTRY_COMPARE_WITH_TIMEOUT(n->value(), 37, 10000);
    QVERIFY(preview.count() > 0);
    n->setValue(20);  // a subset of the file: its spec's n=, no new file dialog
    QCOMPARE(w.currentCompareJob().problem.data, ("csv:" + f.fileName() + ",n=20").toStdString());
  }

  // The result line belongs to the problem it was computed for: once the form describes another, it says so,
  // and when the form is back to that problem, the mark goes.
  void resultsSayTheirProblem() {
    ui::MainWindow w(nullptr, false);
    small_problem(w);
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    w.run();
    QVERIFY(done.wait(60000));
    const QString shown = w.resultText();
    QVERIFY(!shown.startsWith("Earlier problem"));
    w.setProblem("mlp:in=64,width=16,depth=2,out=10,seed=1", "digits:n=30");
    QVERIFY2(w.resultText().startsWith("Earlier problem: "), qPrintable(w.resultText()));
    w.setProblem("mlp:in=64,width=16,depth=2,out=10,seed=1", "digits:n=20");
    QCOMPARE(w.resultText(), shown);
  }

  // A relaunch restores the form and estimates at once, but does not start an exact trace by itself (minutes
  // on a large kernel); the Exact setting itself stays.
  void relaunchDoesNotStartAnExactTrace() {
    QSettings().clear();
    {
      ui::MainWindow w(nullptr, true);
      small_problem(w);
      QSignalSpy done(&w, &ui::MainWindow::resultShown);
      w.runAtLaunch();  // a first launch: the exact trace too
      QVERIFY(done.wait(60000));
      QVERIFY(w.lastCompare() && w.lastCompare()->exact);
    }
    ui::MainWindow again(nullptr, true);
    QSignalSpy done(&again, &ui::MainWindow::resultShown);
    again.runAtLaunch();
    QVERIFY(done.wait(60000));
    QVERIFY(again.lastCompare() && !again.lastCompare()->exact);
    QVERIFY(again.currentCompareJob().exact);
    QSettings().clear();
  }

  // Quit, New and Open ask before discarding results that were never saved: Cancel keeps everything, Save
  // writes the session first, Discard goes on; nothing is asked once the results are saved.
  void unsavedResultsAreNotDiscardedSilently() {
    QTemporaryDir tmp;
    ui::MainWindow w(nullptr, true);
    QStringList asked;
    QMessageBox::StandardButton answer = QMessageBox::Cancel;
    w.setDiscardPrompt([&](const QString& action) {
      asked << action;
      return answer;
    });
    QVERIFY(w.confirmDiscard("quit"));  // nothing computed yet: nothing to lose
    QVERIFY(asked.isEmpty());
    small_problem(w);
    QSignalSpy done(&w, &ui::MainWindow::resultShown);
    w.run();
    QVERIFY(done.wait(60000));
    QVERIFY(!w.close());  // Cancel: the window stays
    QCOMPARE(asked, QStringList{"quit"});
    w.action("new-session")->trigger();  // Cancel again: the results stay
    QVERIFY(w.lastCompare());
    QCOMPARE(w.saveSession(tmp.path() + "/s.tsession"), QString());
    QVERIFY(w.confirmDiscard("quit"));  // saved: not asked
    QCOMPARE(asked.size(), 2);
    w.run();
    QVERIFY(done.wait(60000));
    answer = QMessageBox::Save;  // saves into the session's file, then goes on
    QVERIFY(w.confirmDiscard("start a new session"));
    QVERIFY(QFileInfo(tmp.path() + "/s.tsession").size() > 0);
    answer = QMessageBox::Discard;
    w.run();
    QVERIFY(done.wait(60000));
    w.action("new-session")->trigger();
    QVERIFY(!w.lastCompare());
    QSettings().clear();
  }

  // Every tab's figures say which problem they were computed for, and that they belong to an earlier problem
  // once the form describes another (and no longer when it describes theirs again).
  void figuresNameTheirProblem() {
    ui::MainWindow w(nullptr, false);
    small_problem(w);
    QVERIFY(spectrum_and_metrics(w));
    auto caption = [&](QWidget* tab) { return tab->findChild<ui::ProblemCaption*>()->text(); };
    for (QWidget* tab : {static_cast<QWidget*>(w.spectrumPanel()), static_cast<QWidget*>(w.metricsPanel())})
      QVERIFY2(caption(tab).startsWith("Computed for mlp:in=64,width=16") &&
                   caption(tab).contains("digits:n=20") && caption(tab).contains("problem seed 0"),
               qPrintable(caption(tab)));
    QVERIFY(caption(w.trainingPanel()).isEmpty());  // nothing computed there
    w.setProblem("mlp:in=64,width=32,depth=2,out=10,seed=1", "digits:n=20");
    QVERIFY2(caption(w.spectrumPanel()).startsWith("Earlier problem: computed for mlp:in=64,width=16"),
             qPrintable(caption(w.spectrumPanel())));
    QVERIFY(caption(w.metricsPanel()).startsWith("Earlier problem"));
    QVERIFY(caption(w.trainingPanel()).isEmpty());
    small_problem(w);
    QVERIFY(caption(w.spectrumPanel()).startsWith("Computed for"));
  }

  // The Metrics tab takes tr K from each input's own gradients where the model allows (ticked by default):
  // the digits MLP is separable with O = 10 ≤ m, so its trace row names that method; unticked, the estimator.
  void metricsTracePerInput() {
    ui::MainWindow w(nullptr, false);
    small_problem(w);
    auto* box = w.metricsPanel()->findChild<QCheckBox*>("metricsTracePerInput");
    QVERIFY(box && box->isChecked());
    QVERIFY(spectrum_and_metrics(w));
    QTableWidget* t = w.metricsPanel()->table();
    QVERIFY2(t->item(0, 0)->toolTip() == "trace (per-input)", qPrintable(t->item(0, 0)->toolTip()));
    box->setChecked(false);
    QSignalSpy metrics(&w, &ui::MainWindow::metricsShown);
    w.computeMetrics();
    QVERIFY(metrics.wait(60000));
    QVERIFY2(!t->item(0, 0)->toolTip().contains("per-input"), qPrintable(t->item(0, 0)->toolTip()));
  }

  // Every run kind goes into the run log with its settings, survives a session, and runs again from it.
  void everyRunKindIsLogged() {
    QTemporaryDir tmp;
    ui::MainWindow w(nullptr, false);
    small_problem(w);
    QVERIFY(spectrum_and_metrics(w));
    ui::RunLog* log = w.runLog();
    QCOMPARE(log->runs(), 2);
    QCOMPARE(log->kind(0), QString("spectrum"));
    QCOMPARE(log->kind(1), QString("metrics"));
    QCOMPARE(log->item(0, 2)->text(), QString("Spectrum"));
    QVERIFY2(log->item(0, 4)->text().contains("eigenvalues, largest"), qPrintable(log->item(0, 4)->text()));
    QVERIFY2(log->item(1, 4)->text().contains("tr K ≈"), qPrintable(log->item(1, 4)->text()));
    QVERIFY(log->settings(1).contains("\"problem\"") && log->settings(1).contains("digits:n=20"));
    QVERIFY(log->item(0, 0)->data(Qt::CheckStateRole).isNull());  // only comparisons are pinned
    QCOMPARE(log->config(1).problem.model, w.currentCompareJob().problem.model);
    // Kept in a session, with their kinds and settings.
    QCOMPARE(w.saveSession(tmp.filePath("s.tsession")), QString());
    ui::MainWindow v(nullptr, false);
    QCOMPARE(v.openSession(tmp.filePath("s.tsession")), QString());
    QCOMPARE(v.runLog()->runs(), 2);
    QCOMPARE(v.runLog()->kind(1), QString("metrics"));
    QCOMPARE(v.runLog()->settings(1), log->settings(1));
    // Run again from the log: the spectrum's problem back in the form, the spectrum computed again.
    v.setProblem("mlp:in=64,width=32,depth=2,out=10,seed=1", "digits:n=20");
    QSignalSpy again(&v, &ui::MainWindow::spectrumShown);
    v.rerun(0);
    QVERIFY(again.wait(60000));
    QCOMPARE(v.currentCompareJob().problem.model, std::string("mlp:in=64,width=16,depth=2,out=10,seed=1"));
    QCOMPARE(v.runLog()->runs(), 3);
    QCOMPARE(v.runLog()->kind(2), QString("spectrum"));
    // A Layers run again: its own settings back in its tab.
    QSignalSpy layers(v.layersPanel(), &ui::LayersPanel::layersShown);
    v.layersPanel()->setOptions("hutchinson", 40, false);
    v.layersPanel()->compute();
    QVERIFY(layers.wait(60000));
    QCOMPARE(v.runLog()->kind(3), QString("layers"));
    v.layersPanel()->setOptions("hutchpp", 64, false);
    v.rerun(3);
    QVERIFY(layers.wait(60000));
    QCOMPARE(v.layersPanel()->lastResult()->request.options.method, std::string("hutchinson"));
    QCOMPARE(v.layersPanel()->lastResult()->request.options.matvecs, int64_t(40));
    // A pNTK run again: its tab's settings back as they were when it started, kept through a session.
    QSignalSpy kernels(v.pntkPanel(), &ui::PntkPanel::kernelsShown);
    auto* heldout = v.pntkPanel()->findChild<QSpinBox*>("heldout");
    QVERIFY(heldout);
    heldout->setValue(5);
    v.pntkPanel()->computeKernels();
    QVERIFY(kernels.wait(60000));
    const int row = v.runLog()->runs() - 1;
    QCOMPARE(v.runLog()->kind(row), QString("pntk"));
    QVERIFY2(v.runLog()->settings(row).contains("\"tab_settings\""), qPrintable(v.runLog()->settings(row)));
    QCOMPARE(v.saveSession(tmp.filePath("t.tsession")), QString());
    ui::MainWindow u(nullptr, false);
    QCOMPARE(u.openSession(tmp.filePath("t.tsession")), QString());
    auto* heldout_u = u.pntkPanel()->findChild<QSpinBox*>("heldout");
    heldout_u->setValue(7);
    QSignalSpy kernels_u(u.pntkPanel(), &ui::PntkPanel::kernelsShown);
    u.rerun(row);
    QCOMPARE(heldout_u->value(), 5);
    QVERIFY(kernels_u.wait(60000));
    QCOMPARE(u.pntkPanel()->lastKernels()->request.heldout, int64_t(5));
  }
};

}  // namespace test_workbench

TS_TEST_MAIN(test_workbench::TestWorkbench)
#include "test_workbench.moc"
