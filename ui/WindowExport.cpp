// Export: the last result (JSON or CSV), and Export all: every chart as PNG, SVG, PDF and CSV, every table
// and heat map as CSV, the result and the session with the full configuration, into one folder.
#include <QDir>
#include <QHeaderView>
#include <QTableWidget>

#include <cmath>

#include "AlPanel.h"
#include "ChartView.h"
#include "ExportFiles.h"
#include "HeatMap.h"
#include "LayersPanel.h"
#include "MainWindow.h"
#include "MetricsPanel.h"
#include "PntkPanel.h"
#include "RunLog.h"
#include "RunsPanel.h"
#include "SpectrumPanel.h"
#include "TrainingPanel.h"
#include "WindowExport.h"
#include "WindowSession.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "core/Numbers.h"
#include "io/OutputFiles.h"
#include "jobs/CompareJob.h"
#include "results/ResultJson.h"

namespace ts::ui {

namespace {

// A file name from a title: "Convergence of tr K" → "convergence_of_tr_k".
QString slug(const QString& title) {
  QString out;
  for (const QChar c : title.toLower()) {
    if (c.isLetterOrNumber() && c.unicode() < 128)
      out += c;
    else if (!out.endsWith('_'))
      out += '_';
  }
  while (out.endsWith('_')) out.chop(1);
  while (out.startsWith('_')) out.remove(0, 1);
  return out.left(60).isEmpty() ? "chart" : out.left(60);
}

QString table_csv(const QTableWidget* t) {
  QStringList header;
  for (int c = 0; c < t->columnCount(); ++c)
    header << csv_field(t->horizontalHeaderItem(c) ? t->horizontalHeaderItem(c)->text() : QString());
  QString out = header.join(',') + "\n";
  for (int r = 0; r < t->rowCount(); ++r) {
    QStringList row;
    for (int c = 0; c < t->columnCount(); ++c)
      row << csv_field(t->item(r, c) ? t->item(r, c)->text() : QString());
    out += row.join(',') + "\n";
  }
  return out;
}

}  // namespace

QString export_result(const MainWindow& w, const QString& path) {
  Json all;
  if (const CompareResult* r = w.lastCompare())
    all = to_json(*r);
  else if (!w.session()->restoredResult().empty())
    all = parse_json(w.session()->restoredResult(), "the session's result");
  else
    return "there is no result to export yet";
  std::string text;
  if (path.endsWith(".csv", Qt::CaseInsensitive)) {
    // The configuration travels as one JSON comment line, every method's running estimate as rows.
    text = "# " + json_text(all.at("config")) + "\n";
    text += "estimator,matvecs,estimate,std_error,seconds\n";
    for (const auto& run : all.at("runs")) {
      if (!run.contains("history")) continue;
      for (const auto& h : run.at("history"))
        text += run.at("estimator").get<std::string>() + "," +
                std::to_string(h.at("matvecs").get<int64_t>()) + "," +
                format_number(h.at("estimate").get<double>(), 17) + "," +
                (h.at("std_error").is_number() ? format_number(h.at("std_error").get<double>(), 17) : "") +
                "," + format_number(h.at("seconds").get<double>(), 6) + "\n";
    }
  } else {
    text = json_text(all) + "\n";
  }
  try {
    write_text_file(path.toStdString(), text);
  } catch (const ts::Error& e) {
    return QString::fromUtf8(e.what());
  }
  return {};
}

namespace {

QString export_all_into(const MainWindow& w, const QString& dir, QStringList* skipped) {
  QStringList errors;
  const QHash<const ChartView*, QString> known{{w.convergenceChart(), "convergence"},
                                               {w.speedChart(), "speed_accuracy"},
                                               {w.spectrumChart(), "spectrum"},
                                               {w.trainingPanel()->dynamicsChart(), "ntk_over_training"},
                                               {w.trainingPanel()->lossChart(), "loss_accuracy"},
                                               {w.pntkPanel()->widthChart(), "pntk_width"},
                                               {w.alPanel()->accuracyChart(), "al_accuracy"}};
  QSet<QString> used;
  auto unique = [&used](QString name) {
    const QString base = name;
    for (int i = 2; used.contains(name); ++i) name = base + "_" + QString::number(i);
    used.insert(name);
    return name;
  };
  // Charts without results are skipped (and named). Every chart is drawn at least 960 × 600, so that its
  // title and legend are legible (a chart on a tab never shown has no size of its own yet).
  for (ChartView* c : w.findChildren<ChartView*>()) {
    bool holds = false;
    for (const auto& s : c->content().series) holds = holds || !s.points.isEmpty();
    if (!holds) {
      if (skipped) *skipped << c->chart()->title();
      continue;
    }
    const QString name = unique(known.value(c, slug(c->chart()->title())));
    const QSize size = c->isVisible() ? c->size().expandedTo(QSize(960, 600)) : QSize(960, 600);
    for (const char* ext : {".png", ".svg", ".pdf"}) {
      const QString err = c->exportTo(dir + "/" + name + ext, size);
      if (!err.isEmpty()) errors << err;
    }
    write_text_noting(dir + "/" + name + ".csv", c->csv(), errors);
  }
  for (const HeatMap* h : w.findChildren<HeatMap*>())
    if (h->matrixSize() > 0)
      write_text_noting(dir + "/" + unique(slug(h->title())) + ".csv", h->csv(), errors);
  write_text_noting(dir + "/metrics.csv", table_csv(w.metricsTable()), errors);
  write_text_noting(dir + "/run_log.csv", table_csv(w.runLog()), errors);
  if (w.lastCompare() || !w.session()->restoredResult().empty())
    for (const char* name : {"/result.json", "/result.csv"}) {
      const QString err = export_result(w, dir + name);
      if (!err.isEmpty()) errors << err;
    }
  for (const QString& e : {w.pntkPanel()->exportAll(dir), w.alPanel()->exportAll(dir),
                           w.layersPanel()->exportAll(dir), w.runsPanel()->exportAll(dir)})
    if (!e.isEmpty()) errors << e;
  // The session: the full configuration of every run, and everything above as data.
  try {
    write_text_file((dir + "/session.tsession").toStdString(), w.session()->text());
  } catch (const ts::Error& e) {
    errors << QString::fromUtf8(e.what());
  }
  return errors.join("\n");
}

}  // namespace

// Every file is written into a staging folder inside `target` and published together only when all were
// written: a full disk or any failed file leaves `target` with its earlier export, untouched, and no partial
// file (export_set).
QString export_all(const MainWindow& w, const QString& target, QStringList* skipped) {
  return export_set(
      target,
      [&w, skipped](const QString& dir) {
        if (skipped) skipped->clear();
        return export_all_into(w, dir, skipped);
      },
      true);
}

}  // namespace ts::ui
