#include "RunLog.h"

#include <QDateTime>
#include <QHash>
#include <QHeaderView>
#include <QMenu>

#include "Notation.h"

namespace ts::ui {

RunLog::RunLog(QWidget* parent) : QTableWidget(0, 5, parent) {
  setHorizontalHeaderLabels({"time", "model and data", "run and settings", "seconds", "result"});
  horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
  horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
  horizontalHeader()->setSectionResizeMode(3, QHeaderView::ResizeToContents);
  horizontalHeader()->setSectionResizeMode(4, QHeaderView::Stretch);
  verticalHeader()->setVisible(false);
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setSelectionBehavior(QAbstractItemView::SelectRows);
  setToolTip(
      "Every run of every tab. Tick a comparison's box to pin it: its curves are overlaid (dashed) on the "
      "Convergence and Speed charts, and the table beside lists how the pinned configurations differ. "
      "Double-click a row to restore its configuration; right-click it to run it again.");
  connect(this, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
    if (item->column() == 0 && !filling_) Q_EMIT pinsChanged();
  });
  connect(this, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
    if (row >= 0 && row < configs_.size()) Q_EMIT restoreRequested(configs_[row]);
  });
  setContextMenuPolicy(Qt::CustomContextMenu);
  connect(this, &QWidget::customContextMenuRequested, this, [this](const QPoint& at) {
    const int row = rowAt(at.y());
    if (row < 0 || row >= configs_.size()) return;
    QMenu menu(this);
    menu.addAction("Restore its configuration", this,
                   [this, row] { Q_EMIT restoreRequested(configs_[row]); });
    menu.addAction("Run it again", this, [this, row] { Q_EMIT rerunRequested(row); });
    menu.exec(viewport()->mapToGlobal(at));
  });
}

void RunLog::reset() {
  setRowCount(0);
  configs_.clear();
  curves_.clear();
  kinds_.clear();
  settings_.clear();
}

QString runKindName(const QString& kind) {
  static const QHash<QString, QString> names{{"compare", "Comparison"},
                                             {"spectrum", "Spectrum"},
                                             {"metrics", "Metrics"},
                                             {"training", "Training"},
                                             {"layers", "Per-layer traces"},
                                             {"pntk", "pNTK against eNTK"},
                                             {"pntk-width", "pNTK width experiment"},
                                             {"al", "Active learning"},
                                             {"kernel", "Kernel export"},
                                             {"panel", "A tab's run"}};
  return names.value(kind, kind);
}

QList<int> RunLog::pinnedRows() const {
  QList<int> rows;
  for (int r = 0; r < rowCount(); ++r)
    if (item(r, 0) && item(r, 0)->checkState() == Qt::Checked) rows << r;
  return rows;
}

void RunLog::setPinned(int row, bool pinned) {
  if (row >= 0 && row < rowCount()) item(row, 0)->setCheckState(pinned ? Qt::Checked : Qt::Unchecked);
}

void RunLog::add(const ts::CompareRequest& config, double seconds, const QString& summary,
                 const QString& time, const Curves& curves, bool pinned, const QString& kind,
                 const QString& settings) {
  filling_ = true;
  QStringList methods;
  for (const auto& m : config.methods) methods << displayName(QString::fromStdString(m));
  const int row = rowCount();
  insertRow(row);
  auto* first =
      new QTableWidgetItem(time.isEmpty() ? QDateTime::currentDateTime().toString("HH:mm:ss") : time);
  if (kind == "compare") {  // only a comparison has curves to overlay
    first->setFlags(first->flags() | Qt::ItemIsUserCheckable);
    first->setCheckState(pinned ? Qt::Checked : Qt::Unchecked);
    first->setToolTip("Pin: overlay this run on the charts");
  }
  setItem(row, 0, first);
  setItem(
      row, 1,
      new QTableWidgetItem(QString::fromStdString(config.problem.model + "  on  " + config.problem.data)));
  auto* what = new QTableWidgetItem(kind == "compare" ? QString("%1; m = %2; seed %3")
                                                            .arg(methods.join(", "))
                                                            .arg(config.estimator.matvecs)
                                                            .arg(config.estimator.seed)
                                                      : runKindName(kind));
  if (!settings.isEmpty()) what->setToolTip(settings);  // the run's full settings
  setItem(row, 2, what);
  setItem(row, 3, new QTableWidgetItem(QString::number(seconds, 'g', 3)));
  setItem(row, 4, new QTableWidgetItem(summary));
  configs_.append(config);
  curves_.append(curves);
  kinds_.append(kind);
  settings_.append(settings);
  filling_ = false;
  scrollToBottom();
}

}  // namespace ts::ui
