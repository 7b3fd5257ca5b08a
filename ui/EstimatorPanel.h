#pragma once
// The control panel's estimator box: the estimators to compare (from the registry), the budget m (slider and
// field, never below the ticked estimators' calibrated minimum), seed, precision, device, the exact trace,
// the adaptive tolerance, sweep repeats, threads, and the cost each run will take, learnt from the last run.
#include <QGroupBox>
#include <QHash>
#include <QStringList>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QListWidget;
class QSlider;
class QSpinBox;

namespace ts {
struct CompareRequest;
struct CompareResult;
}  // namespace ts

namespace ts::ui {

/// The box's settings as one value (sessions, saved settings, a run log's configuration).
struct EstimatorSettings {
  QStringList methods;
  int matvecs = 96;
  int seed = 0;
  QString dtype = "float64", device = "cpu";
  bool exact = true;
  double tol = 0;
  int repeats = 1;
  int threads = 0;
};

class EstimatorPanel : public QGroupBox {
  Q_OBJECT
 public:
  explicit EstimatorPanel(QWidget* parent = nullptr);

  /// Sets the job's methods, estimator options (budget, seed, tolerance and its cap of 16 m), sweep repeats,
  /// exact trace, and its problem's compute settings (precision, device, seed, threads).
  void fill(ts::CompareRequest& job) const;
  EstimatorSettings settings() const;
  /// Shows `s`; a budget below the ticked estimators' calibrated minimum becomes that minimum. Quiet: no
  /// re-run is asked for.
  void apply(const EstimatorSettings& s);

  QStringList methods() const;
  void setMethods(const QStringList& methods);
  int seed() const;
  void setExact(bool exact);
  QSlider* budgetSlider() const { return slider_; }
  /// What the last comparison measured: seconds per product and the dense algebra's measured/predicted ratio
  /// per method, for the cost shown before the next.
  void learnCosts(const ts::CompareResult& r);
  void updateCost();

 Q_SIGNALS:
  /// The budget slider moved (the window re-runs after a short pause).
  void budgetMoved();
  /// Any setting changed (estimators, budget, seed, precision, device, exact, tolerance, repeats, threads).
  void settingsChanged();

 private:
  void applyBudgetMinimum();

  QListWidget* methods_;
  QSlider* slider_;
  QSpinBox* matvecs_;
  QSpinBox* seed_;
  QComboBox* dtype_;
  QComboBox* device_;
  QCheckBox* exact_;
  QDoubleSpinBox* tol_;
  QSpinBox* repeats_;
  QSpinBox* threads_;
  QLabel* cost_;
  double seconds_per_product_ = 0;       ///< measured on the last run
  qint64 last_d_ = 0, last_params_ = 0;  ///< d and P of the last run, for the dense algebra's predicted cost
  QHash<QString, double> dense_factor_;  ///< measured/predicted dense time per method on the last run
};

}  // namespace ts::ui
