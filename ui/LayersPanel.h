#pragma once
// The Layers tab (docs/MATH.md §5.4): where in the network the kernel lives. tr K_g of every parameter group
// with its error and share of tr K, as a bar chart that fills in while the probes run, and a table with the
// exact values, ‖K_g‖_F, r_eff(K_g) and cos(K_g, K) where the kernel is affordable.
#include <QString>
#include <QWidget>

#include <functional>

#include "JobResult.h"

class QBarSet;
class QBarSeries;
class QChartView;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace ts::ui {

class EngineClient;

class LayersPanel : public QWidget {
  Q_OBJECT
 public:
  /// `problem` returns the kernel the main form describes (model, batch, dtype, device, seed).
  LayersPanel(EngineClient* engine, std::function<ts::ProblemSpec()> problem, QWidget* parent = nullptr);

  void compute();
  void setOptions(const QString& estimator, int matvecs, bool exact, const QString& groups = {});
  /// The last result (nullptr before the first).
  const ts::LayersResult* lastResult() const;
  QTableWidget* table() const { return table_; }
  /// The bar chart's content (top to bottom as drawn: the last name is the top bar), for sessions.
  struct Bars {
    QStringList names;
    QList<double> shares;  ///< percent of tr K
    QList<double> errors;  ///< ±2σ of each share, in percent (empty: none drawn)
    QString axis_title;
  };
  Bars bars() const;
  void setBars(const Bars& b);
  int barCount() const;
  int liveUpdates() const { return live_updates_; }
  QString summaryText() const;
  /// Writes the chart (PNG), the table (CSV) and the result (JSON, as `layers --json`) into `dir`.
  QString exportAll(const QString& dir) const;

 Q_SIGNALS:
  void jobStarted(const QString& description);
  void layersShown();

 private:
  void connectSignals(QPushButton* exp);
  void show(const ts::LayerTraces& t, bool final);
  EngineClient* engine_;
  std::function<ts::ProblemSpec()> problem_;
  class ProblemCaption* caption_ = nullptr;
  QList<double> errors_;  ///< the whiskers drawn (bars() gives them back to sessions)
  QComboBox* estimator_;
  QSpinBox* matvecs_;
  QCheckBox* exact_;
  QLineEdit* groups_;
  QPushButton* run_;
  QLabel* summary_;
  QChartView* chart_;
  QTableWidget* table_;
  bool pending_ = false;
  int live_updates_ = 0;
  JobResultPtr result_;
};

}  // namespace ts::ui
