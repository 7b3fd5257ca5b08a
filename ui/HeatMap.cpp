#include "HeatMap.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

#include "ExportFiles.h"

namespace ts::ui {

namespace {

// Blue (−1) → white (0) → red (+1).
QRgb diverging(double t) {
  t = std::clamp(t, -1.0, 1.0);
  const double a = std::fabs(t);
  const int fade = static_cast<int>(std::lround(255 * (1 - a)));
  return t >= 0 ? qRgb(255, fade, fade) : qRgb(fade, fade, 255);
}

// A viridis-like sequential map for t in [0, 1] (kernels that are non-negative everywhere).
QRgb sequential(double t) {
  static const int stops[][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  t = std::clamp(t, 0.0, 1.0) * 4;
  const int i = std::min(3, static_cast<int>(t));
  const double f = t - i;
  auto mix = [&](int c) {
    return static_cast<int>(std::lround(stops[i][c] + f * (stops[i + 1][c] - stops[i][c])));
  };
  return qRgb(mix(0), mix(1), mix(2));
}

}  // namespace

HeatMap::HeatMap(const QString& title, QWidget* parent) : QWidget(parent), title_(title) {
  setMouseTracking(true);
  setMinimumSize(220, 240);
}

void HeatMap::setMatrix(int size, const QList<double>& values, const QList<double>& boundaries,
                        const QString& note) {
  size_ = size;
  values_ = values;
  boundaries_ = boundaries;
  note_ = note;
  max_abs_ = 0;
  min_ = values.isEmpty() ? 0 : values.front();
  max_ = min_;
  for (double v : values) {
    max_abs_ = std::max(max_abs_, std::fabs(v));
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
  // Signed kernels get the diverging map (white at 0); non-negative ones the sequential map over [min, max].
  signed_ = min_ < -1e-3 * max_abs_;
  image_ = QImage(size, size, QImage::Format_RGB32);
  for (int r = 0; r < size; ++r)
    for (int c = 0; c < size; ++c) {
      const double v = values.value(r * size + c);
      image_.setPixel(c, r,
                      signed_ ? diverging(max_abs_ > 0 ? v / max_abs_ : 0)
                              : sequential(max_ > min_ ? (v - min_) / (max_ - min_) : 0));
    }
  update();
}

void HeatMap::clear() {
  size_ = 0;
  values_.clear();
  image_ = QImage();
  hover_.clear();
  update();
}

// Room right of the matrix for its colour bar and the bar's labels.
constexpr int kBarRoom = 78;

QRect HeatMap::plotRect() const {
  const int top = 22, bottom = 40;
  const int side = std::max(10, std::min(width() - 8 - kBarRoom, height() - top - bottom));
  return {std::max(4, (width() - side - kBarRoom) / 2), top, side, side};
}

void HeatMap::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().window());
  p.setPen(palette().windowText().color());
  p.drawText(QRect(0, 0, width(), 20), Qt::AlignCenter, title_);
  const QRect r = plotRect();
  if (image_.isNull()) {
    p.drawRect(r.adjusted(0, 0, -1, -1));
    p.drawText(r, Qt::AlignCenter | Qt::TextWordWrap, "not computed yet");
    return;
  }
  p.drawImage(r, image_);
  p.setPen(QPen(QColor(40, 40, 40, 160), 1));
  for (double b : boundaries_) {
    const double f = b / size_;
    const int x = r.left() + static_cast<int>(f * r.width()), y = r.top() + static_cast<int>(f * r.height());
    p.drawLine(x, r.top(), x, r.bottom());
    p.drawLine(r.left(), y, r.right(), y);
  }
  // The colour bar: the map from its low end (bottom) to its high end (top), with the values at both ends and
  // the middle (0 for a signed kernel).
  const QRect bar(r.right() + 10, r.top(), 14, r.height());
  for (int y = 0; y < bar.height(); ++y) {
    const double t = 1.0 - double(y) / std::max(1, bar.height() - 1);
    p.setPen(QColor(signed_ ? diverging(2 * t - 1) : sequential(t)));
    p.drawLine(bar.left(), bar.top() + y, bar.right(), bar.top() + y);
  }
  p.setPen(palette().windowText().color());
  p.drawRect(bar.adjusted(0, 0, -1, -1));
  const double lo = signed_ ? -max_abs_ : min_, hi = signed_ ? max_abs_ : max_;
  const QFontMetrics fm(font());
  const int lx = bar.right() + 4;
  p.drawText(QRect(lx, bar.top() - 2, kBarRoom, fm.height()), Qt::AlignLeft, QString::number(hi, 'g', 3));
  p.drawText(QRect(lx, bar.center().y() - fm.height() / 2, kBarRoom, fm.height()), Qt::AlignLeft,
             QString::number(signed_ ? 0.0 : (lo + hi) / 2, 'g', 3));
  p.drawText(QRect(lx, bar.bottom() - fm.height() + 2, kBarRoom, fm.height()), Qt::AlignLeft,
             QString::number(lo, 'g', 3));
  const QString legend =
      signed_ ? QString("colour: ±%1 (blue < 0 < red)").arg(max_abs_, 0, 'g', 3)
              : QString("colour: %1 (purple) … %2 (yellow)").arg(min_, 0, 'g', 3).arg(max_, 0, 'g', 3);
  p.drawText(QRect(0, r.bottom() + 2, width(), 16), Qt::AlignCenter, hover_.isEmpty() ? legend : hover_);
  if (!note_.isEmpty()) p.drawText(QRect(0, r.bottom() + 17, width(), 16), Qt::AlignCenter, note_);
}

void HeatMap::mouseMoveEvent(QMouseEvent* e) {
  const QRect r = plotRect();
  const QPoint pos = e->position().toPoint();
  if (size_ == 0 || !r.contains(pos)) {
    if (!hover_.isEmpty()) hover_.clear(), update();
    return;
  }
  const int c = std::min(size_ - 1, (pos.x() - r.left()) * size_ / std::max(1, r.width()));
  const int row = std::min(size_ - 1, (pos.y() - r.top()) * size_ / std::max(1, r.height()));
  hover_ = QString("cell (%1, %2): %3").arg(row).arg(c).arg(values_.value(row * size_ + c), 0, 'g', 5);
  update();
}

QString HeatMap::exportTo(const QString& path) { return save_widget_png(this, path); }

QString HeatMap::csv() const {
  QString out;
  for (int r = 0; r < size_; ++r) {
    QStringList row;
    for (int c = 0; c < size_; ++c) row << QString::number(values_[r * size_ + c], 'g', 17);
    out += row.join(',') + "\n";
  }
  return out;
}

}  // namespace ts::ui
