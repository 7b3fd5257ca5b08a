#include "RunsTable.h"

#include <QHeaderView>

#include <algorithm>
#include <set>

#include "ExportFiles.h"
#include "Notation.h"

namespace ts::ui {

const MetricValue* run_metric_value(const WatchRow& row, const std::string& name) {
  for (const auto& m : row.metrics)
    if (m.name == name) return &m;
  return nullptr;
}

RunsTable::RunsTable(QWidget* parent) : QTableWidget(0, 1, parent) {
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setSelectionBehavior(QAbstractItemView::SelectRows);
  setSelectionMode(QAbstractItemView::SingleSelection);
  setToolTip("The selected run's snapshots; double-click one to open it as the model of the other tabs");
}

void RunsTable::showRun(const std::vector<RunSnapshot>& snapshots, const std::vector<WatchRow>& rows) {
  clearContents();
  setRowCount(0);
  std::set<std::string> scalar_names;
  for (const auto& s : snapshots)
    for (const auto& kv : s.values) scalar_names.insert(kv.first);
  QStringList header{"step"};
  for (const auto& n : scalar_names) header << QString::fromStdString(n);
  for (const auto& m : watch_metrics()) header << QString::fromUtf8(m.label) + " (±2σ)";
  setColumnCount(header.size());
  setHorizontalHeaderLabels(header);
  setRowCount(static_cast<int>(snapshots.size()));
  for (size_t i = 0; i < snapshots.size(); ++i) {
    const RunSnapshot& s = snapshots[i];
    const int row = static_cast<int>(i);
    int col = 0;
    setItem(row, col++, new QTableWidgetItem(QString::number(s.step)));
    for (const auto& n : scalar_names) {
      auto* item = new QTableWidgetItem("—");
      for (const auto& [key, v] : s.values)
        if (key == n) {
          item->setText(number(v, 6));
          item->setToolTip(QString::number(v, 'g', 17));
        }
      setItem(row, col++, item);
    }
    const auto found =
        std::find_if(rows.begin(), rows.end(), [&](const WatchRow& w) { return w.step == s.step; });
    for (const auto& metric : watch_metrics()) {
      const MetricValue* m = found == rows.end() ? nullptr : run_metric_value(*found, metric.name);
      QString text = found == rows.end() ? "not analysed yet" : "—";
      if (m)
        text = withError(m->value, m->std_error ? std::optional<double>(2 * *m->std_error) : std::nullopt);
      auto* item = new QTableWidgetItem(text);
      if (m)
        item->setToolTip(QString::number(m->value, 'g', 17) + " (" + QString::fromStdString(m->method) + ")");
      setItem(row, col++, item);
    }
  }
  resizeColumnsToContents();
}

QString RunsTable::csv() const {
  QString csv;
  for (int c = 0; c < columnCount(); ++c) csv += (c ? "," : "") + csv_field(horizontalHeaderItem(c)->text());
  csv += "\n";
  for (int row = 0; row < rowCount(); ++row) {
    for (int c = 0; c < columnCount(); ++c) {
      const QTableWidgetItem* it = item(row, c);
      const QString full = it && !it->toolTip().isEmpty() ? it->toolTip().section(' ', 0, 0) : QString();
      csv += (c ? "," : "") + csv_field(!full.isEmpty() ? full : it ? it->text() : QString());
    }
    csv += "\n";
  }
  return csv;
}

qint64 RunsTable::selectedStep() const {
  const int row = currentRow();
  return row >= 0 && item(row, 0) ? item(row, 0)->text().toLongLong() : -1;
}

}  // namespace ts::ui
