#pragma once
// The control panel's kernel box: the model (a built-in one from its kind, width, depth and activation, or a
// spec or TorchScript file) and the data (a data set of the catalog, a file, or a spec), with a preview of
// the data loaded off the UI thread. It describes the problem's model and data; the compute settings (seed,
// precision, device) are the estimator box's.
#include <QGroupBox>

#include <functional>

#include "JobResult.h"

class QComboBox;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTimer;

namespace ts {
struct ProblemSpec;
}  // namespace ts

namespace ts::ui {

/// A data preview from the loader thread: the samples, or why the data cannot be read.
struct PreviewReply {
  DataPreview preview;
  QString error;
};

class ProblemPanel : public QGroupBox {
  Q_OBJECT
 public:
  explicit ProblemPanel(QWidget* parent = nullptr);

  /// Sets the problem's model, data, input shape, output and parameters from the fields, and its seed (the
  /// problem seed: the data subset and a built-in model's initial weights), not the rest of its compute.
  void fill(ts::ProblemSpec& p) const;
  void setProblem(const QString& model, const QString& data, const QString& input_shape = {});
  /// Builds a built-in model from the panel's parameters (as the user would): kind mlp, cnn or gru.
  void buildModel(const QString& kind, int width, int depth, const QString& activation);
  /// Writes the Model field from the builder row (after the data set or the problem seed changed).
  void updateModelSpec();
  /// Loads a few samples of the data field's set off the UI thread and shows them (thumbnails for images).
  void refreshPreview();
  QWidget* thumbnails() const { return thumbs_; }

  QString model() const;
  QString data() const;
  QString inputShape() const;
  QString output() const;
  QString params() const;
  int dataN() const;
  /// The problem seed: which subset of the data set is the batch, and a built-in model's initial weights.
  /// The estimators' random draws have their own seed (EstimatorPanel), which never changes the kernel.
  int problemSeed() const;
  void setProblemSeed(int seed);
  void setModel(const QString& model);
  void setData(const QString& data);
  void setInputShape(const QString& shape);
  void setOutput(const QString& output);
  void setParams(const QString& params);
  void setDataKind(const QString& kind);  ///< the data list's entry ("csv…" for a file), without a new spec
  void setDataN(int n);                   ///< the batch size box, without a new spec
  /// The line under the form: the model, P and d, how JVPs run; `tooltip` null keeps the tooltip.
  void setModelInfo(const QString& text, const QString& tooltip = QString());
  /// What a comparison's model is (kind, shapes, P of the parameters and how many are frozen, d), how its
  /// JVPs run, and its first layers.
  void showModel(const ts::CompareResult& r);

 Q_SIGNALS:
  void previewShown();
  /// Any field of the problem changed (model, data, input shape, output, parameters, problem seed).
  void problemChanged();

 private:
  QHBoxLayout* createModelRow();
  void connectFields();
  void updateDataSpec();
  void reflectModelKind();
  void showPreview(const PreviewReply& reply);

  QLineEdit* model_;
  QLineEdit* data_;
  QLineEdit* input_shape_;
  QLineEdit* output_;
  QLineEdit* params_;
  QComboBox* data_kind_;
  QComboBox* model_kind_;
  QSpinBox* model_width_;
  QSpinBox* model_depth_;
  QComboBox* model_act_;
  QSpinBox* data_n_;
  QSpinBox* problem_seed_;
  QWidget* thumbs_;
  QLabel* data_info_;
  QTimer* preview_timer_;
  quint64 preview_generation_ = 0;  ///< only the newest preview request is shown
  QLabel* model_info_;
};

}  // namespace ts::ui
