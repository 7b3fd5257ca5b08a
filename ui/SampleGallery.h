#pragma once
// The queried samples of one active-learning cycle: image thumbnails with true label, pseudo-label and score,
// or, for 2-D data, a scatter of labelled, pool and queried points coloured by class. Clicking a sample
// selects it.
#include <QList>
#include <QWidget>

#include "jobs/AlJob.h"

namespace ts::ui {

class SampleGallery : public QWidget {
  Q_OBJECT
 public:
  explicit SampleGallery(QWidget* parent = nullptr);
  /// A cycle of the AL job (its queried points, image_shape, and points2d for 2-D data).
  void setCycle(const AlCycle& row);
  void clear();
  int sampleCount() const { return static_cast<int>(queried_.size()); }
  int selected() const { return selected_; }
  void select(int i);
  QString exportTo(const QString& path);
  QSize sizeHint() const override { return {520, 260}; }

 Q_SIGNALS:
  void sampleSelected(const ts::AlQuery& sample);

 protected:
  void paintEvent(QPaintEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;

 private:
  QRect tileRect(int i) const;
  QRectF scatterRect() const;
  QPointF toScreen(double x, double y) const;
  std::vector<AlQuery> queried_;
  std::optional<AlPoints2d> points2d_;
  QList<int> image_shape_;
  QString title_;
  int selected_ = -1;
  double xmin_ = 0, xmax_ = 1, ymin_ = 0, ymax_ = 1;
};

}  // namespace ts::ui
