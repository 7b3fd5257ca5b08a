#include "RunLog.h"

#include <QDateTime>
#include <QHeaderView>

namespace ts::ui {

RunLog::RunLog(QWidget* parent) : QTableWidget(0, 5, parent) {
  setHorizontalHeaderLabels({"time", "model and data", "methods, budget, seed", "seconds", "result"});
  horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
  horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
  horizontalHeader()->setSectionResizeMode(2, QHeaderView::Stretch);
  horizontalHeader()->setSectionResizeMode(3, QHeaderView::ResizeToContents);
  horizontalHeader()->setSectionResizeMode(4, QHeaderView::Stretch);
  verticalHeader()->setVisible(false);
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setSelectionBehavior(QAbstractItemView::SelectRows);
  setToolTip("Every finished run; double-click a row to restore its configuration");
  connect(this, &QTableWidget::cellDoubleClicked, this, [this](int row, int) {
    if (row >= 0 && row < configs_.size()) Q_EMIT restoreRequested(configs_[row]);
  });
}

void RunLog::reset() {
  setRowCount(0);
  configs_.clear();
}

void RunLog::add(const ts::CompareRequest& config, double seconds, const QString& summary,
                 const QString& time) {
  QStringList methods;
  for (const auto& m : config.methods) methods << QString::fromStdString(m);
  const int row = rowCount();
  insertRow(row);
  setItem(row, 0,
          new QTableWidgetItem(time.isEmpty() ? QDateTime::currentDateTime().toString("HH:mm:ss") : time));
  setItem(
      row, 1,
      new QTableWidgetItem(QString::fromStdString(config.problem.model + "  on  " + config.problem.data)));
  setItem(row, 2,
          new QTableWidgetItem(QString("%1; m = %2; seed %3")
                                   .arg(methods.join(", "))
                                   .arg(config.estimator.matvecs)
                                   .arg(config.estimator.seed)));
  setItem(row, 3, new QTableWidgetItem(QString::number(seconds, 'g', 3)));
  setItem(row, 4, new QTableWidgetItem(summary));
  configs_.append(config);
  scrollToBottom();
}

}  // namespace ts::ui
