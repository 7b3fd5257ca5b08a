// ChartView's files and contents: PNG, SVG and PDF pictures, CSV data, and the content a session stores.
#include <QAreaSeries>
#include <QBuffer>
#include <QChart>
#include <QFile>
#include <QGraphicsLayout>
#include <QGraphicsScene>
#include <QImage>
#include <QLineSeries>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSvgGenerator>

#include "ChartView.h"
#include "ExportFiles.h"
#include "io/OutputFiles.h"

namespace ts::ui {

namespace {
QString num(double v) { return QString::number(v, 'g', 17); }
}  // namespace

QString ChartView::exportTo(const QString& path, QSize size, double scale) {
  const QSize target = size.isValid() && !size.isEmpty() ? size : this->size();
  // The chart itself is laid out at the asked size and drawn from its scene: a view on a tab never shown has
  // no size of its own, and a view's picture would be stretched, not laid out again.
  const QRectF old = chart()->geometry();
  const auto lay_out = [this](int width) {
    if (chart()->layout()) chart()->layout()->activate();
    placeLegend(width);  // the legend's place follows the size (rows below the plot sit at its foot)
    if (chart()->layout()) chart()->layout()->activate();
  };
  chart()->setGeometry(QRectF(QPointF(0, 0), QSizeF(target)));
  lay_out(target.width());
  bool ok = false;
  auto paint = [&](QPaintDevice* device, const QRect& rect) {
    QPainter painter;
    if (!painter.begin(device)) return false;
    painter.setRenderHint(QPainter::Antialiasing);
    chart()->scene()->render(&painter, rect, QRectF(QPointF(0, 0), QSizeF(target)));
    return painter.end();
  };
  // Drawn into memory, then written by write_file_atomic: Qt's SVG and PDF writers do not report a failed
  // write, so a full disk would otherwise leave a truncated picture under the real name.
  QByteArray bytes;
  {
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (path.endsWith(".svg", Qt::CaseInsensitive)) {
      QSvgGenerator gen;
      gen.setOutputDevice(&buffer);
      gen.setSize(target);
      gen.setViewBox(QRect(QPoint(0, 0), target));
      gen.setTitle(chart()->title());
      if (!provenance_.isEmpty()) gen.setDescription(provenance_);
      ok = paint(&gen, QRect(QPoint(0, 0), target));
    } else if (path.endsWith(".pdf", Qt::CaseInsensitive)) {
      QPdfWriter pdf(&buffer);
      pdf.setTitle(chart()->title());
      pdf.setCreator(provenance_.isEmpty() ? QString("TangentScope") : "TangentScope: " + provenance_);
      pdf.setResolution(96);  // one PDF pixel per screen pixel: the page is the chart's size
      pdf.setPageMargins({});
      pdf.setPageSize(QPageSize(QSizeF(target) * 72.0 / 96.0, QPageSize::Point));
      ok = paint(&pdf, QRect(QPoint(0, 0), target));
    } else {
      const double s = scale > 0 ? scale : 1.0;
      QImage image(QSize(int(target.width() * s + 0.5), int(target.height() * s + 0.5)),
                   QImage::Format_ARGB32);
      image.fill(Qt::white);
      image.setText("Software", "TangentScope");
      if (!provenance_.isEmpty()) image.setText("Description", provenance_);
      ok = paint(&image, image.rect()) && image.save(&buffer, "PNG");
    }
  }
  chart()->setGeometry(old);
  lay_out(-1);
  if (!ok || bytes.isEmpty()) return QString("cannot draw the chart for '%1'").arg(path);
  try {
    ts::write_file_atomic(path.toStdString(), bytes.toStdString());
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

QString ChartView::csv() const {
  QString out;
  for (const QString& line : provenance_.split('\n', Qt::SkipEmptyParts)) out += "# " + line + "\n";
  out += "series,x,y,lower,upper\n";
  for (const auto& e : entries_) {
    const auto points = e.second.line->points();
    const auto up = e.second.upper ? e.second.upper->points() : QList<QPointF>{};
    const auto lo = e.second.lower ? e.second.lower->points() : QList<QPointF>{};
    for (int i = 0; i < points.size(); ++i)
      out += QString("%1,%2,%3,%4,%5\n")
                 .arg(csv_field(e.first), num(points[i].x()), num(points[i].y()),
                      i < lo.size() ? num(lo[i].y()) : QString(), i < up.size() ? num(up[i].y()) : QString());
  }
  if (has_reference_ && reference_)
    out += QString("%1,,%2,,\n").arg(csv_field(reference_->name()), num(reference_y_));
  if (vreference_) out += QString("%1,%2,,,\n").arg(csv_field(vreference_->name()), num(vreference_x_));
  return out;
}

ChartView::Content ChartView::content() const {
  Content c;
  c.title = chart()->title();
  c.provenance = provenance_;
  c.x_title = x_title_;
  c.y_title = y_title_;
  c.log_x = log_x_;
  c.log_y = log_y_;
  for (const auto& e : entries_) {
    Series s;
    s.name = e.first;
    s.points = e.second.line->points();
    s.band = e.second.area != nullptr;
    s.dashed = e.second.dashed;
    s.legend = e.second.legend;
    if (s.band) {
      s.upper = e.second.upper->points();
      s.lower = e.second.lower->points();
    }
    c.series << s;
  }
  c.has_reference = has_reference_ && reference_;
  if (c.has_reference) {
    c.reference_name = reference_->name();
    c.reference_y = reference_y_;
  }
  c.has_vreference = vreference_ != nullptr;
  if (c.has_vreference) {
    c.vreference_name = vreference_->name();
    c.vreference_x = vreference_x_;
  }
  return c;
}

void ChartView::setContent(const Content& c) {
  clearAll();
  chart()->setTitle(c.title);
  provenance_ = c.provenance;
  x_title_ = c.x_title;
  y_title_ = c.y_title;
  log_x_ = c.log_x;
  log_y_ = c.log_y;
  rebuildAxes();
  for (const auto& s : c.series) {
    if (s.dashed) {
      setOverlay(s.name, s.points, s.name.section(" · ", 0, 0), s.legend);
      continue;
    }
    QLineSeries* line = series(s.name, s.band);
    line->replace(s.points);
    line->setPointsVisible(s.points.size() <= 4);
    for (auto& e : entries_)
      if (e.first == s.name && e.second.area) {
        e.second.upper->replace(s.upper);
        e.second.lower->replace(s.lower);
      }
  }
  if (c.has_reference) setReference(c.reference_name, c.reference_y);
  if (c.has_vreference) setVerticalReference(c.vreference_name, c.vreference_x);
  fitRanges();
}

}  // namespace ts::ui
