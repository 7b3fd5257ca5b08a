#pragma once
// A kernel matrix as an image: a sequential colour map for non-negative kernels, a diverging one symmetric
// around zero (blue < 0 < red) for signed ones, class boundaries drawn where the sorted labels change, and a
// hover read-out of the cell's value.
#include <QImage>
#include <QList>
#include <QString>
#include <QWidget>

namespace ts::ui {

class HeatMap : public QWidget {
  Q_OBJECT
 public:
  explicit HeatMap(const QString& title, QWidget* parent = nullptr);
  /// `values` is size×size, row-major. `boundaries` are the row indices (in 0…size) where a new class begins.
  void setMatrix(int size, const QList<double>& values, const QList<double>& boundaries = {},
                 const QString& note = {});
  void clear();
  int matrixSize() const { return size_; }
  const QList<double>& values() const { return values_; }
  const QList<double>& boundaries() const { return boundaries_; }
  QString note() const { return note_; }
  QString title() const { return title_; }
  /// The matrix as CSV, one row a line (empty before any).
  QString csv() const;
  double maxAbs() const { return max_abs_; }
  /// Writes the widget as a PNG through a temporary file; returns "" or an error naming the path.
  QString exportTo(const QString& path);
  QSize sizeHint() const override { return {440, 380}; }

 protected:
  void paintEvent(QPaintEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;

 private:
  QRect plotRect() const;
  QString title_, note_, hover_;
  QImage image_;
  QList<double> values_, boundaries_;
  int size_ = 0;
  double max_abs_ = 0, min_ = 0, max_ = 0;
  bool signed_ = false;
};

}  // namespace ts::ui
