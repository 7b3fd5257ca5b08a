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

void SampleGallery::setCycle(const QJsonObject& row) {
  queried_ = row["queried"].toArray();
  points2d_ = row["points2d"].toObject();
  image_shape_.clear();
  for (const auto& v : row["image_shape"].toArray()) image_shape_ << v.toInt();
  title_ = QString("%1, seed %2, cycle %3: %4 queried")
               .arg(row["strategy"].toString())
               .arg(row["seed"].toInt())
               .arg(row["cycle"].toInt())
               .arg(queried_.size());
  if (!points2d_.isEmpty()) {
    xmin_ = ymin_ = 1e300;
    xmax_ = ymax_ = -1e300;
    for (const char* key : {"labelled", "pool", "queried"})
      for (const auto& p : points2d_[key].toArray()) {
        const QJsonArray a = p.toArray();
        xmin_ = std::min(xmin_, a[0].toDouble()), xmax_ = std::max(xmax_, a[0].toDouble());
        ymin_ = std::min(ymin_, a[1].toDouble()), ymax_ = std::max(ymax_, a[1].toDouble());
      }
    if (xmax_ <= xmin_) xmax_ = xmin_ + 1;
    if (ymax_ <= ymin_) ymax_ = ymin_ + 1;
  }
  selected_ = -1;
  update();
}

void SampleGallery::clear() {
  queried_ = {};
  points2d_ = {};
  title_.clear();
  selected_ = -1;
  update();
}

void SampleGallery::select(int i) {
  if (i < 0 || i >= queried_.size()) return;
  selected_ = i;
  update();
  Q_EMIT sampleSelected(queried_[i].toObject());
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
  if (!points2d_.isEmpty()) {
    // Pool faint, labelled solid, queried as rings (the selected one thicker).
    for (const auto& v : points2d_["pool"].toArray()) {
      const QJsonArray a = v.toArray();
      QColor c = class_colour(a[2].toInt());
      c.setAlpha(60);
      p.setPen(Qt::NoPen);
      p.setBrush(c);
      p.drawEllipse(toScreen(a[0].toDouble(), a[1].toDouble()), 2.5, 2.5);
    }
    for (const auto& v : points2d_["labelled"].toArray()) {
      const QJsonArray a = v.toArray();
      p.setPen(QPen(Qt::black, 0.8));
      p.setBrush(class_colour(a[2].toInt()));
      p.drawEllipse(toScreen(a[0].toDouble(), a[1].toDouble()), 4.5, 4.5);
    }
    for (int i = 0; i < queried_.size(); ++i) {
      const QJsonObject q = queried_[i].toObject();
      const QJsonArray x = q["x"].toArray();
      if (x.size() < 2) continue;
      p.setPen(QPen(class_colour(q["true_label"].toInt()), i == selected_ ? 3.5 : 2));
      p.setBrush(Qt::NoBrush);
      p.drawEllipse(toScreen(x[0].toDouble(), x[1].toDouble()), 8, 8);
    }
    p.setPen(palette().text().color());
    p.drawText(QRect(6, height() - 18, width() - 12, 16), Qt::AlignRight,
               "faint: pool · solid: labelled · rings: queried (colour = class)");
    return;
  }
  for (int i = 0; i < queried_.size(); ++i) {
    const QJsonObject q = queried_[i].toObject();
    const QRect t = tileRect(i);
    p.setPen(i == selected_ ? QPen(palette().highlight().color(), 3) : QPen(palette().mid().color(), 1));
    p.setBrush(Qt::NoBrush);
    p.drawRect(t);
    const QJsonArray px = q["pixels"].toArray();
    const QRect img(t.left() + (kTile - kImage) / 2, t.top() + 3, kImage, kImage);
    if (image_shape_.size() == 3 && px.size() == image_shape_[0] * image_shape_[1] * image_shape_[2]) {
      const int h = image_shape_[1], w = image_shape_[2];
      QImage im(w, h, QImage::Format_Grayscale8);
      for (int r = 0; r < h; ++r) {
        uchar* line = im.scanLine(r);
        for (int c = 0; c < w; ++c)
          line[c] = static_cast<uchar>(std::clamp(px[r * w + c].toDouble(), 0.0, 1.0) * 255);
      }
      p.drawImage(img, im);
    } else {
      p.drawText(img, Qt::AlignCenter, QString("#%1").arg(q["index"].toInt()));
    }
    p.setPen(palette().text().color());
    QFont f = p.font();
    f.setPointSizeF(std::max(6.0, f.pointSizeF() - 2));
    p.setFont(f);
    p.drawText(QRect(t.left(), img.bottom() + 1, kTile, 13), Qt::AlignCenter,
               QString("true %1 · ŷ %2").arg(q["true_label"].toInt()).arg(q["pseudo_label"].toInt()));
    p.drawText(QRect(t.left(), img.bottom() + 13, kTile, 13), Qt::AlignCenter,
               QString("score %1").arg(q["score"].toDouble(), 0, 'g', 3));
    p.setFont(font());
  }
}

void SampleGallery::mousePressEvent(QMouseEvent* e) {
  const QPointF pos = e->position();
  if (!points2d_.isEmpty()) {
    int best = -1;
    double best_d = 14;
    for (int i = 0; i < queried_.size(); ++i) {
      const QJsonArray x = queried_[i].toObject()["x"].toArray();
      if (x.size() < 2) continue;
      const QPointF s = toScreen(x[0].toDouble(), x[1].toDouble());
      const double d = std::hypot(s.x() - pos.x(), s.y() - pos.y());
      if (d < best_d) best_d = d, best = i;
    }
    select(best);
    return;
  }
  for (int i = 0; i < queried_.size(); ++i)
    if (tileRect(i).contains(pos.toPoint())) return select(i);
}

QString SampleGallery::exportTo(const QString& path) { return save_widget_png(this, path); }

}  // namespace ts::ui
