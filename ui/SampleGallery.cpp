#include "SampleGallery.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>
#include <cmath>

#include "ExportFiles.h"

namespace ts::ui {

namespace {

const int kTile = 86, kImage = 56, kGap = 6;

QColor class_colour(int c) {
  static const QColor colours[] = {QColor(31, 119, 180),  QColor(255, 127, 14),  QColor(44, 160, 44),
                                   QColor(214, 39, 40),   QColor(148, 103, 189), QColor(140, 86, 75),
                                   QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                                   QColor(23, 190, 207)};
  return colours[((c % 10) + 10) % 10];
}

}  // namespace

SampleGallery::SampleGallery(QWidget* parent) : QWidget(parent) { setMinimumHeight(120); }

void SampleGallery::setCycle(const AlCycle& row) {
  queried_ = row.queried;
  points2d_ = row.points2d;
  image_shape_.clear();
  if (row.image_shape)
    for (int64_t v : *row.image_shape) image_shape_ << static_cast<int>(v);
  title_ = QString("%1, seed %2, cycle %3: %4 queried")
               .arg(QString::fromStdString(row.strategy))
               .arg(qulonglong(row.seed))
               .arg(row.cycle)
               .arg(sampleCount());
  if (points2d_) {
    xmin_ = ymin_ = 1e300;
    xmax_ = ymax_ = -1e300;
    for (const auto* points : {&points2d_->labelled, &points2d_->pool})
      for (const auto& p : *points) {
        xmin_ = std::min(xmin_, p.x), xmax_ = std::max(xmax_, p.x);
        ymin_ = std::min(ymin_, p.y), ymax_ = std::max(ymax_, p.y);
      }
    if (xmax_ <= xmin_) xmax_ = xmin_ + 1;
    if (ymax_ <= ymin_) ymax_ = ymin_ + 1;
  }
  selected_ = -1;
  update();
}

void SampleGallery::clear() {
  queried_.clear();
  points2d_.reset();
  title_.clear();
  selected_ = -1;
  update();
}

void SampleGallery::select(int i) {
  if (i < 0 || i >= sampleCount()) return;
  selected_ = i;
  update();
  Q_EMIT sampleSelected(queried_[static_cast<size_t>(i)]);
}

QRect SampleGallery::tileRect(int i) const {
  const int per_row = std::max(1, (width() - kGap) / (kTile + kGap));
  return {kGap + (i % per_row) * (kTile + kGap), 22 + (i / per_row) * (kTile + kGap), kTile, kTile};
}

QRectF SampleGallery::scatterRect() const { return QRectF(8, 24, width() - 16, height() - 32); }

QPointF SampleGallery::toScreen(double x, double y) const {
  const QRectF r = scatterRect();
  return {r.left() + (x - xmin_) / (xmax_ - xmin_) * r.width(),
          r.bottom() - (y - ymin_) / (ymax_ - ymin_) * r.height()};
}

void SampleGallery::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  p.fillRect(rect(), palette().base());
  p.setPen(palette().text().color());
  p.drawText(QRect(6, 2, width() - 12, 18), Qt::AlignLeft | Qt::AlignVCenter,
             title_.isEmpty() ? "Queried samples of the latest cycle appear here." : title_);
  if (points2d_) {
    // Pool faint, labelled solid, queried as rings (the selected one thicker).
    for (const auto& a : points2d_->pool) {
      QColor c = class_colour(static_cast<int>(a.label));
      c.setAlpha(60);
      p.setPen(Qt::NoPen);
      p.setBrush(c);
      p.drawEllipse(toScreen(a.x, a.y), 2.5, 2.5);
    }
    for (const auto& a : points2d_->labelled) {
      p.setPen(QPen(Qt::black, 0.8));
      p.setBrush(class_colour(static_cast<int>(a.label)));
      p.drawEllipse(toScreen(a.x, a.y), 4.5, 4.5);
    }
    for (int i = 0; i < sampleCount(); ++i) {
      const AlQuery& q = queried_[static_cast<size_t>(i)];
      if (!q.x || q.x->size() < 2) continue;
      p.setPen(QPen(class_colour(static_cast<int>(q.true_label)), i == selected_ ? 3.5 : 2));
      p.setBrush(Qt::NoBrush);
      p.drawEllipse(toScreen((*q.x)[0], (*q.x)[1]), 8, 8);
    }
    p.setPen(palette().text().color());
    p.drawText(QRect(6, height() - 18, width() - 12, 16), Qt::AlignRight,
               "faint: pool · solid: labelled · rings: queried (colour = class)");
    return;
  }
  for (int i = 0; i < sampleCount(); ++i) {
    const AlQuery& q = queried_[static_cast<size_t>(i)];
    const QRect t = tileRect(i);
    p.setPen(i == selected_ ? QPen(palette().highlight().color(), 3) : QPen(palette().mid().color(), 1));
    p.setBrush(Qt::NoBrush);
    p.drawRect(t);
    const QRect img(t.left() + (kTile - kImage) / 2, t.top() + 3, kImage, kImage);
    if (image_shape_.size() == 3 && q.pixels &&
        q.pixels->size() == size_t(image_shape_[0]) * size_t(image_shape_[1]) * size_t(image_shape_[2])) {
      const std::vector<double>& px = *q.pixels;
      const int h = image_shape_[1], w = image_shape_[2];
      QImage im(w, h, QImage::Format_Grayscale8);
      for (int r = 0; r < h; ++r) {
        uchar* line = im.scanLine(r);
        for (int c = 0; c < w; ++c)
          line[c] = static_cast<uchar>(std::clamp(px[static_cast<size_t>(r * w + c)], 0.0, 1.0) * 255);
      }
      p.drawImage(img, im);
    } else {
      p.drawText(img, Qt::AlignCenter, QString("#%1").arg(qlonglong(q.index)));
    }
    p.setPen(palette().text().color());
    QFont f = p.font();
    f.setPointSizeF(std::max(6.0, f.pointSizeF() - 2));
    p.setFont(f);
    p.drawText(QRect(t.left(), img.bottom() + 1, kTile, 13), Qt::AlignCenter,
               QString("true %1 · ŷ %2").arg(qlonglong(q.true_label)).arg(qlonglong(q.pseudo_label)));
    // Random has no score (NaN).
    p.drawText(QRect(t.left(), img.bottom() + 13, kTile, 13), Qt::AlignCenter,
               std::isfinite(q.score) ? QString("score %1").arg(q.score, 0, 'g', 3) : QString("score —"));
    p.setFont(font());
  }
}

void SampleGallery::mousePressEvent(QMouseEvent* e) {
  const QPointF pos = e->position();
  if (points2d_) {
    int best = -1;
    double best_d = 14;
    for (int i = 0; i < sampleCount(); ++i) {
      const AlQuery& q = queried_[static_cast<size_t>(i)];
      if (!q.x || q.x->size() < 2) continue;
      const QPointF s = toScreen((*q.x)[0], (*q.x)[1]);
      const double d = std::hypot(s.x() - pos.x(), s.y() - pos.y());
      if (d < best_d) best_d = d, best = i;
    }
    select(best);
    return;
  }
  for (int i = 0; i < sampleCount(); ++i)
    if (tileRect(i).contains(pos.toPoint())) return select(i);
}

QString SampleGallery::exportTo(const QString& path) { return save_widget_png(this, path); }

}  // namespace ts::ui
