#include "RunLog.h"

#include <QDateTime>
#include <QHeaderView>
#include <QJsonArray>

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

void RunLog::add(const QJsonObject& config, double seconds, const QString& summary) {
  const QJsonObject problem = config.value("problem").toObject();
  const QJsonObject est = config.value("estimator").toObject();
  QStringList methods;
  for (const auto& m : config.value("methods").toArray()) methods << m.toString();
  const int row = rowCount();
  insertRow(row);
  setItem(row, 0, new QTableWidgetItem(QDateTime::currentDateTime().toString("HH:mm:ss")));
  setItem(
      row, 1,
      new QTableWidgetItem(problem.value("model").toString() + "  on  " + problem.value("data").toString()));
  setItem(row, 2,
          new QTableWidgetItem(QString("%1; m = %2; seed %3")
                                   .arg(methods.join(", "))
                                   .arg(est.value("matvecs").toInt())
                                   .arg(est.value("seed").toInt())));
  setItem(row, 3, new QTableWidgetItem(QString::number(seconds, 'g', 3)));
  setItem(row, 4, new QTableWidgetItem(summary));
  configs_.append(config);
  scrollToBottom();
}

}  // namespace ts::ui
