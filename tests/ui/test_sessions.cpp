// Sessions in the real window under the offscreen platform: saved and opened again with equal charts, damaged
// or foreign files refused, the headless --save-session / --session --export, and the load time of a large
// one.
#include <cmath>
#include <functional>
#include <limits>
#include <set>

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
#include <QLineEdit>
#include <QLineSeries>
#include <QListWidget>
#include <QLogValueAxis>
#include <QMenuBar>
#include <QProcess>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QTimer>
#include <QToolBar>
#include <QValueAxis>
#include <QtTest>

#include "AlPanel.h"
#include "ChartView.h"
#include "EngineClient.h"
#include "LayersPanel.h"
#include "LayoutCheck.h"
#include "MainWindow.h"
#include "MetricsPanel.h"
#include "PntkPanel.h"
#include "ProblemCaption.h"
#include "RunLog.h"
#include "SampleGallery.h"
#include "SpectrumPanel.h"
#include "TestHarness.h"
#include "TrainingPanel.h"
#include "core/Json.h"
#include "core/Numbers.h"
#include "core/TorchUtil.h"
#include "data/NumpyFiles.h"
#include "estimators/EstimatorRegistry.h"
#include "jobs/Jobs.h"
#include "session/SessionFile.h"

using namespace ts;

namespace test_sessions {

class TestSessions : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { QSettings().clear(); }  // XDG_CONFIG_HOME points into the build tree

  // Sessions: a run saved and opened in a new window shows equal charts, tables, labels and run log, and
  // exports the same result, without recomputing; damaged, foreign or newer files are refused with nothing
  // changed; a moved model file is located; autosave is offered for recovery; Export all writes every chart
  // as PNG, SVG, PDF and CSV.
  // A version-1 session (its charts and tables given by their positions in that window) opens into the
  // parts it was saved from, whatever order the window now builds them in; saved again, each part has its
  // name and opens into the same parts.
  void versionOneSessionOpensByPosition() {
    QTemporaryDir dir;
    ui::MainWindow w(nullptr, false);
    QCOMPARE(w.openSession(QString(TS_SOURCE_DIR) + "/tests/fuzz/corpus/session/real-saved-v1.tsession"),
             QString());
    QCOMPARE(w.speedChart()->content().title, QString("Speed against accuracy"));
    QCOMPARE(w.speedChart()->content().series.size(), 3);
    QCOMPARE(w.convergenceChart()->content().title, QString("Convergence of tr K"));
    QCOMPARE(w.convergenceChart()->content().series.size(), 3);
    QCOMPARE(w.metricsTable()->rowCount(), 0);
    for (const ui::ProblemCaption* c : w.findChildren<ui::ProblemCaption*>())
      QVERIFY2(c->text().isEmpty(), qPrintable(c->text()));  // the file predates captions: none is made up
    const QString again = dir.filePath("again.tsession");
    QCOMPARE(w.saveSession(again), QString());
    QFile f(again);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const Json j = parse_json(f.readAll().toStdString());
    QCOMPARE(j["version"].get<int>(), 2);
    std::set<std::string> names;
    for (const auto& c : j["charts"]) names.insert(c["name"].get<std::string>());
    QVERIFY(names.count("speed") && names.count("convergence") && names.count("spectrum") &&
            names.size() == 7);
    QCOMPARE(j["view"]["tab_name"].get<std::string>(), std::string("Convergence"));
    ui::MainWindow v(nullptr, false);
    QCOMPARE(v.openSession(again), QString());
    QCOMPARE(v.speedChart()->content().series.size(), 3);
    QCOMPARE(v.convergenceChart()->content().series.size(), 3);
  }

  void sessionsRoundTrip() {
    QTemporaryDir dir;
    ui::MainWindow a(nullptr, false);
    a.setProblem("mlp:in=64,width=32,depth=2,out=10,seed=1", "digits:n=20");
    QSignalSpy done(&a, &ui::MainWindow::resultShown);
    QSignalSpy spectrum(&a, &ui::MainWindow::spectrumShown);
    a.run();
    QVERIFY(done.wait(60000));
    a.computeSpectrum();
    QVERIFY(spectrum.wait(60000));
    QVERIFY(a.convergenceChart()->pointCount("hutchpp") > 0);
    // The Active-learning gallery: two strategies' queried images (as a run would leave them).
    std::vector<AlCycle> gallery(2);
    for (int k = 0; k < 2; ++k) {
      gallery[k].strategy = k ? "margin" : "mlmoc";
      gallery[k].cycle = 3;
      gallery[k].labels = 40;
      gallery[k].image_shape = std::vector<int64_t>{1, 2, 2};
      for (int i = 0; i < 3; ++i) {
        AlQuery query;
        query.index = 10 * k + i;
        query.score = k ? std::numeric_limits<double>::quiet_NaN() : 0.5 + i;
        query.true_label = i;
        query.pixels = std::vector<double>{0.1 * i, 0.2, 0.3, 0.4};
        gallery[k].queried.push_back(query);
      }
    }
    a.alPanel()->restoreGallery(gallery, "margin");
    const QString file = dir.filePath("run.tsession");
    QCOMPARE(a.saveSession(file), QString());
    QCOMPARE(a.sessionPath(), file);

    ui::MainWindow b(nullptr, false);
    QSignalSpy started(b.engine(), &ui::EngineClient::progress);
    QCOMPARE(b.openSession(file), QString());
    auto same_charts = [](const ui::MainWindow& x, const ui::MainWindow& y) {
      const auto cx = x.findChildren<ui::ChartView*>(), cy = y.findChildren<ui::ChartView*>();
      if (cx.size() != cy.size()) return QString("chart count");
      for (int i = 0; i < cx.size(); ++i) {
        const auto p = cx[i]->content(), q = cy[i]->content();
        if (p.title != q.title || p.log_x != q.log_x || p.log_y != q.log_y ||
            p.series.size() != q.series.size() || p.has_reference != q.has_reference ||
            p.reference_y != q.reference_y)
          return "chart " + p.title;
        for (int k = 0; k < p.series.size(); ++k)
          if (p.series[k].name != q.series[k].name || p.series[k].points != q.series[k].points ||
              p.series[k].upper != q.series[k].upper || p.series[k].lower != q.series[k].lower)
            return "series " + p.series[k].name + " of " + p.title;
      }
      return QString();
    };
    QCOMPARE(same_charts(a, b), QString());
    QCOMPARE(b.resultText(), a.resultText());
    QVERIFY(b.spectrumChart()->content().series.value(0).points.size() > 10);
    QCOMPARE(b.metricsTable()->rowCount(), a.metricsTable()->rowCount());
    QCOMPARE(b.runLog()->runs(), a.runLog()->runs());
    QCOMPARE(b.runLog()->item(0, 4)->text(), a.runLog()->item(0, 4)->text());
    QCOMPARE(b.runLog()->config(0).estimator.matvecs, a.runLog()->config(0).estimator.matvecs);
    QCOMPARE(b.currentCompareJob().problem.data, a.currentCompareJob().problem.data);
    // The figures still name the problem they were computed for, and say so when the form moves on.
    const auto caption = [](QWidget* tab) { return tab->findChild<ui::ProblemCaption*>()->text(); };
    QVERIFY2(caption(a.spectrumPanel()).startsWith("Computed for mlp:in=64,width=32"),
             qPrintable(caption(a.spectrumPanel())));
    QCOMPARE(caption(b.spectrumPanel()), caption(a.spectrumPanel()));
    QCOMPARE(caption(b.metricsPanel()), caption(a.metricsPanel()));
    QVERIFY(caption(b.trainingPanel()).isEmpty());
    b.setProblem("mlp:in=64,width=16,depth=2,out=10,seed=1", "digits:n=20");
    QVERIFY2(caption(b.spectrumPanel()).startsWith("Earlier problem"),
             qPrintable(caption(b.spectrumPanel())));
    QCOMPARE(started.count(), 0);  // nothing recomputed
    const auto restored = b.alPanel()->galleryCycles();
    QCOMPARE(restored.size(), size_t(2));
    QCOMPARE(b.alPanel()->galleryStrategy(), QString("margin"));
    QCOMPARE(b.alPanel()->gallery()->sampleCount(), 3);
    QCOMPARE(restored[1].queried[2].index, int64_t(12));
    QVERIFY(std::isnan(restored[1].queried[0].score));
    QCOMPARE(*restored[0].queried[1].pixels, *gallery[0].queried[1].pixels);
    QCOMPARE(b.exportResult(dir.filePath("b.json")), QString());
    QCOMPARE(a.exportResult(dir.filePath("a.json")), QString());
    auto slurp = [](const QString& path) {
      QFile f(path);
      return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };
    QCOMPARE(slurp(dir.filePath("b.json")), slurp(dir.filePath("a.json")));

    // Refused, nothing changed: truncated, not a session, a newer version.
    const QByteArray text = slurp(file);
    auto write = [](const QString& path, const QByteArray& bytes) {
      QFile f(path);
      QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
      f.write(bytes);
    };
    const int before = b.convergenceChart()->pointCount("hutchpp");
    write(dir.filePath("cut.tsession"), text.left(text.size() / 2));
    QString err = b.openSession(dir.filePath("cut.tsession"));
    QVERIFY2(err.contains("cut.tsession"), qPrintable(err));
    write(dir.filePath("other.tsession"), "{\"format\": \"something else\"}");
    err = b.openSession(dir.filePath("other.tsession"));
    QVERIFY2(err.contains("not a TangentScope session"), qPrintable(err));
    write(dir.filePath("new.tsession"), QByteArray(text).replace("\"version\": 2", "\"version\": 99"));
    err = b.openSession(dir.filePath("new.tsession"));
    QVERIFY2(err.contains("version 99") && err.contains("newer"), qPrintable(err));
    // Every member is checked before anything is shown, each refusal naming the member: a heat map larger
    // than its values (it once read past memory into the CSV), version 1.5 (read as 1), runs as a string, a
    // run-log budget of 1e300 (once −2^63), wrong types (once an abort in Export all, below), a 60,000² map
    // (once 1.9 GB of warnings) and a result nested 200,000 deep (once a crash).
    const Json good = parse_json(text.toStdString());
    QVERIFY(good["result"]["runs"][0].contains("history"));
    size_t drawn = 0;  // a chart with a curve
    while (drawn < good["charts"].size() && good["charts"][drawn]["series"].empty()) ++drawn;
    QVERIFY(drawn < good["charts"].size());
    const std::pair<std::function<void(Json&)>, QString> damaged[] = {
        {[](Json& j) {
           j["heat_maps"][0]["size"] = 3000;
           j["heat_maps"][0]["values"] = {1.0, 2.0, 3.0, 4.0};
         },
         "heat_maps[0].size is 3000 but it holds 4 values"},
        {[](Json& j) { j["version"] = 1.5; }, "version must be an integer, got 1.5"},
        {[](Json& j) { j["result"]["runs"] = "hutchpp"; }, "result.runs must be an array"},
        {[](Json& j) { j["run_log"][0]["config"]["estimator"]["matvecs"] = 1e300; },
         "run_log[0].config.estimator.matvecs must be an integer from 1 to 9223372036854775807, got 1e+300"},
        {[](Json& j) { j["result"]["runs"][0]["history"][0]["estimate"] = "10"; },
         "result.runs[0].history[0].estimate must be a number, got \"10\""},
        {[drawn](Json& j) {
           j["charts"][drawn]["series"][0]["points"][0] = Json::array({"1", 2});
         },
         QString("charts[%1].series[0].points[0] must be a point [x, y] of two numbers").arg(drawn)},
        {[](Json& j) { j["heat_maps"][1]["size"] = 60000; },
         "heat_maps[1].size must be an integer from 0 to 4096"},
        {[](Json& j) { j["result"]["deep"] = "DEEP"; }, "nests arrays and objects more than 64 levels deep"},
    };
    for (const auto& [damage, message] : damaged) {
      Json j = good;
      damage(j);
      QByteArray bytes = QByteArray::fromStdString(json_text(j, 1));
      bytes.replace("\"DEEP\"", QByteArray(200000, '[') + QByteArray(200000, ']'));
      write(dir.filePath("damaged.tsession"), bytes);
      QElapsedTimer timer;
      timer.start();
      err = b.openSession(dir.filePath("damaged.tsession"));
      QVERIFY2(err.startsWith("session '" + dir.filePath("damaged.tsession") + "'") && err.contains(message),
               qPrintable(err));
      QVERIFY2(timer.elapsed() < 5000, qPrintable(message));
    }
    QCOMPARE(b.convergenceChart()->pointCount("hutchpp"), before);
    QCOMPARE(b.sessionPath(), file);

    // A model file that moved: the prompt names it, the answer is used.
    const QString moved = "/no/such/folder/model.pt";
    const QString found = QString(TS_FIXTURE_DIR) + "/tiny_mlp.pt";
    QByteArray with_file = text;
    with_file.replace("\"model\": \"mlp:in=64,width=32,depth=2,out=10,seed=1\"",
                      "\"model\": \"" + moved.toUtf8() + "\"");
    QVERIFY(with_file != text);
    write(dir.filePath("moved.tsession"), with_file);
    QString asked;
    b.setLocatePrompt([&](const QString& missing) {
      asked = missing;
      return found;
    });
    QCOMPARE(b.openSession(dir.filePath("moved.tsession")), QString());
    QCOMPARE(asked, moved);
    QCOMPARE(QString::fromStdString(b.currentCompareJob().problem.model), found);

    // Autosave and recovery: what a crashed session left is offered and restored. Autosave writes only
    // when something changed since the last save: a new run.
    a.autosaveNow();
    QVERIFY(!QFileInfo::exists(a.autosavePath()));
    a.run();
    QVERIFY(done.wait(60000));
    a.autosaveNow();
    QVERIFY(QFileInfo::exists(a.autosavePath()));
    ui::MainWindow c(nullptr, false);
    QString offered;
    c.setRecoverPrompt([&](const QString& path) {
      offered = path;
      return true;
    });
    QVERIFY(c.offerRecovery());
    QCOMPARE(offered, a.autosavePath());
    QCOMPARE(same_charts(a, c), QString());
    c.endCleanly();
    QVERIFY(!QFileInfo::exists(a.autosavePath()));
    QVERIFY(!c.offerRecovery());  // nothing left to offer

    // New session empties the charts and the run log.
    c.newSession();
    QCOMPARE(c.convergenceChart()->pointCount("hutchpp"), 0);
    QCOMPARE(c.runLog()->runs(), 0);

    // Export all from the opened session: every chart that holds results as PNG (legible: at least 960 × 600,
    // with its run's configuration), SVG, PDF and CSV, parsed back; the empty ones skipped and named.
    const QString out = dir.filePath("export");
    QStringList skipped;
    QCOMPARE(b.exportAll(out, &skipped), QString());
    QVERIFY2(
        skipped.contains("Loss and accuracy") && skipped.contains("NTK over training (relative to epoch 0)"),
        qPrintable(skipped.join("; ")));
    QVERIFY(!QFileInfo::exists(out + "/loss_accuracy.png") &&
            !QFileInfo::exists(out + "/ntk_over_training.csv"));
    QVERIFY(QImage(out + "/spectrum.png").text("Description").contains("digits:n=20"));
    for (const char* name : {"convergence", "speed_accuracy", "spectrum"}) {
      const QString base = out + "/" + name;
      QVERIFY2(QImage(base + ".png").width() >= 960 && QImage(base + ".png").height() >= 600,
               qPrintable(base));
      QVERIFY2(slurp(base + ".svg").contains("<svg"), qPrintable(base));
      QVERIFY2(slurp(base + ".pdf").startsWith("%PDF-"), qPrintable(base));
      // The configuration in comment lines, then the header (sessions keep each chart's configuration).
      QVERIFY2(slurp(base + ".csv").startsWith("# {") &&
                   slurp(base + ".csv").contains("\nseries,x,y,lower,upper\n"),
               qPrintable(base));
    }
    const QList<QByteArray> rows = slurp(out + "/convergence.csv").trimmed().split('\n');
    int hutchpp_rows = 0;
    for (const auto& row : rows) hutchpp_rows += row.startsWith("hutchpp,");
    QCOMPARE(hutchpp_rows, b.convergenceChart()->pointCount("hutchpp"));
    QVERIFY(slurp(out + "/metrics.csv").startsWith("metric,"));
    QVERIFY(slurp(out + "/run_log.csv").contains("Hutch++"));
    QVERIFY(slurp(out + "/result.json").contains("\"config\""));
    QVERIFY(slurp(out + "/session.tsession").contains("\"tangentscope-session\""));
    // A chart at a chosen size and scale.
    QCOMPARE(b.convergenceChart()->exportTo(dir.filePath("big.png"), QSize(800, 500), 2.0), QString());
    QCOMPARE(QImage(dir.filePath("big.png")).size(), QSize(1600, 1000));
  }

  // The app headless: --save-session runs the default problem and saves it; --session FILE --export DIR
  // writes every chart and table without a window.
  void headlessSessionAndExport() {
    QTemporaryDir dir;
    const QString file = dir.filePath("app.tsession");
    QProcess save;
    save.start(TS_APP_PATH, {"--save-session", file});
    QVERIFY(save.waitForFinished(240000));
    QVERIFY2(save.exitCode() == 0, save.readAllStandardError().constData());
    QVERIFY(save.readAllStandardOutput().contains("saved " + file.toUtf8()));
    QProcess exporter;
    exporter.start(TS_APP_PATH, {"--session", file, "--export", dir.filePath("out")});
    QVERIFY(exporter.waitForFinished(120000));
    QVERIFY2(exporter.exitCode() == 0, exporter.readAllStandardError().constData());
    for (const char* name : {"convergence.png", "convergence.svg", "convergence.pdf", "convergence.csv",
                             "speed_accuracy.pdf", "metrics.csv", "run_log.csv", "result.json", "result.csv"})
      QVERIFY2(QFileInfo(dir.filePath(QString("out/") + name)).size() > 0, name);
    // The same export on a full disk: it fails, naming the cause, and the earlier export stays whole.
    auto listing = [&dir] {
      QStringList out;
      QDir d(dir.filePath("out"));
      for (const QString& f : d.entryList(QDir::Files | QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot)) {
        QFile file(d.filePath(f));
        file.open(QIODevice::ReadOnly);
        out << f + " " + QCryptographicHash::hash(file.readAll(), QCryptographicHash::Sha1).toHex();
      }
      return out;
    };
    const QStringList before = listing();
    QProcess full;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("TS_FAULT_DISK_FREE", "40000");
    full.setProcessEnvironment(env);
    full.start(TS_APP_PATH, {"--session", file, "--export", dir.filePath("out")});
    QVERIFY(full.waitForFinished(120000));
    QVERIFY(full.exitCode() != 0);
    QVERIFY2(full.readAllStandardError().contains("disk full?"), "the message names the full disk");
    QCOMPARE(listing(), before);
    QProcess bad;
    bad.start(TS_APP_PATH, {"--session", dir.filePath("missing.tsession"), "--export", dir.filePath("out2")});
    QVERIFY(bad.waitForFinished(60000));
    QVERIFY(bad.exitCode() != 0);
    QVERIFY(bad.readAllStandardError().contains("missing.tsession"));
    // A session whose model and data files are gone: headless never asks where they are (a dialog would wait
    // for ever), it ends naming them and exports nothing.
    QFile saved(file);
    QVERIFY(saved.open(QIODevice::ReadOnly));
    Json moved = parse_json(saved.readAll().toStdString());
    moved["form"]["model"] = "/no/such/folder/model.pt";
    moved["form"]["data"] = "csv:/no/such/folder/data.csv,label=last";
    QFile out(dir.filePath("moved.tsession"));
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(QByteArray::fromStdString(json_text(moved, 1)));
    out.close();
    QProcess headless;
    headless.start(TS_APP_PATH, {"--session", out.fileName(), "--export", dir.filePath("out3")});
    const bool ended = headless.waitForFinished(30000);
    if (!ended) {
      headless.kill();
      headless.waitForFinished();
    }
    QVERIFY2(ended, "the headless export waited for an answer");
    QVERIFY(headless.exitCode() != 0);
    const QByteArray said = headless.readAllStandardError();
    QVERIFY2(said.contains("'/no/such/folder/model.pt' is not there") &&
                 said.contains("'/no/such/folder/data.csv' is not there"),
             said.constData());
    QVERIFY(!QFileInfo::exists(dir.filePath("out3/convergence.png")));
  }

  // Opening a large session (docs/PERFORMANCE.md): 100,000 points, or TS_SESSION_POINTS (1,000,000 for the
  // published figure). Prints the time to parse the file, to check and convert it (the validation), and to
  // open it in the window (reading, both of those, and drawing), and checks that every point arrived.
  // The tabs' settings are keyed in the file by their widgets' names; files of the first format, which keyed
  // them by widget kind and position, still open; a setting that does not fit its widget is refused, naming
  // it.
  void panelSettingsKeyedByName() {
    ui::MainWindow a(nullptr, false);
    for (QWidget* panel : {static_cast<QWidget*>(a.pntkPanel()), static_cast<QWidget*>(a.alPanel()),
                           static_cast<QWidget*>(a.layersPanel())}) {
      QSet<QString> names;
      for (QWidget* w : panel->findChildren<QWidget*>()) {
        const bool input =
            qobject_cast<QAbstractSpinBox*>(w) || qobject_cast<QComboBox*>(w) ||
            qobject_cast<QCheckBox*>(w) || qobject_cast<QListWidget*>(w) ||
            (qobject_cast<QLineEdit*>(w) && !qobject_cast<QAbstractSpinBox*>(w->parentWidget()) &&
             !qobject_cast<QComboBox*>(w->parentWidget()));
        if (!input) continue;
        const QString name = w->objectName();
        QVERIFY2(!name.isEmpty() && !session::positional_key(name.toStdString()),
                 qPrintable(QString("an unnamed input in ") + panel->metaObject()->className()));
        QVERIFY2(!names.contains(name), qPrintable("two inputs named " + name));
        names << name;
      }
    }
    a.layersPanel()->setOptions("exact", 200, true, "w");
    QTemporaryDir dir;
    const QString file = dir.filePath("named.tsession");
    QCOMPARE(a.saveSession(file), QString());
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    Json j = parse_json(f.readAll().toStdString());
    f.close();
    const Json layers = j.at("panels").at("layers");
    QCOMPARE(layers.at("matvecs").get<int>(), 200);
    QCOMPARE(layers.at("estimator").get<std::string>(), std::string("exact"));
    QVERIFY(layers.at("exact").get<bool>());
    QVERIFY(!layers.contains("spin0") && j.at("panels").at("active_learning").contains("strategies"));

    // The first format: by kind and position.
    j["panels"]["layers"] = Json{{"spin0", 320}, {"combo0", "hutchinson"}, {"check0", false}, {"line0", "b"}};
    auto write = [&](const Json& doc) {
      QFile out(file);
      QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
      out.write(QByteArray::fromStdString(doc.dump()));
    };
    write(j);
    ui::MainWindow b(nullptr, false);
    QCOMPARE(b.openSession(file), QString());
    QCOMPARE(b.layersPanel()->findChild<QSpinBox*>("matvecs")->value(), 320);
    QCOMPARE(b.layersPanel()->findChild<QComboBox*>("estimator")->currentText(), QString("hutchinson"));
    QCOMPARE(b.layersPanel()->findChild<QLineEdit*>("groups")->text(), QString("b"));

    // A named setting of the wrong kind: refused, nothing changed.
    j["panels"]["layers"] = Json{{"matvecs", "many"}};
    write(j);
    const QString err = b.openSession(file);
    QVERIFY2(err.contains("panels.layers.matvecs must be an integer"), qPrintable(err));
    QCOMPARE(b.layersPanel()->findChild<QSpinBox*>("matvecs")->value(), 320);
  }

  void sessionLoadTimes() {
    const int total = qEnvironmentVariableIsSet("TS_SESSION_POINTS")
                          ? qEnvironmentVariableIntValue("TS_SESSION_POINTS")
                          : 100000;
    tune_allocator();  // as the app does
    ui::MainWindow a(nullptr, false);
    ui::ChartView::Content content = a.convergenceChart()->content();
    content.series.clear();
    const char* names[] = {"hutchpp", "hutchinson", "xtrace", "xnystrace"};
    for (int k = 0; k < 4; ++k) {
      ui::ChartView::Series e;
      e.name = names[k];
      for (int i = 0; i < total / 4; ++i) e.points << QPointF(i + 1, 100 + k + std::sin(0.001 * i));
      content.series << e;
    }
    a.convergenceChart()->setContent(content);
    QTemporaryDir dir;
    const QString file = dir.filePath("large.tsession");
    QCOMPARE(a.saveSession(file), QString());
    QFile f(file);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const std::string text = f.readAll().toStdString();
    // The first opening in a fresh window (its memory never touched before), then the best of three more.
    double parse = 1e9, check = 1e9, open = 1e9, first = 0;
    ui::MainWindow b(nullptr, false);
    for (int round = 0; round < 4; ++round) {
      QElapsedTimer timer;
      timer.start();
      QCOMPARE(b.openSession(file), QString());
      (round ? open : first) = std::min(open, timer.nsecsElapsed() * 1e-9);
      timer.restart();
      const Json j = session::parse_session(text, "large");
      if (round) parse = std::min(parse, timer.nsecsElapsed() * 1e-9);
      timer.restart();
      (void)session::read_parsed_session(j, "large");
      if (round) check = std::min(check, timer.nsecsElapsed() * 1e-9);
    }
    for (const char* name : names) QCOMPARE(b.convergenceChart()->pointCount(name), total / 4);
    qInfo(
        "session of %d points, %.1f MB: open %.3f s the first time, %.3f s after (best of 3: parse %.3f s, "
        "check and convert %.3f s = %.1f%% of open)",
        total, text.size() / 1e6, first, open, parse, check, 100 * check / open);
  }
};

}  // namespace test_sessions

TS_TEST_MAIN(test_sessions::TestSessions)
#include "test_sessions.moc"
