#include "ChartView.h"

#include "ChartLegend.h"

#include "Notation.h"
#include "Palette.h"

#include <QApplication>
#include <QAreaSeries>
#include <QChart>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QFile>
#include <QFileDialog>
#include <QKeyEvent>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QMenu>
#include <QMessageBox>
#include <QMouseEvent>
#include <QPainter>
#include <QRegularExpression>
#include <QSvgGenerator>
#include <QToolTip>
#include <QValueAxis>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ts::ui {

ChartView::ChartView(const QString& title, const QString& x_title, const QString& y_title, QWidget* parent)
    : QChartView(new QChart, parent), x_title_(x_title), y_title_(y_title) {
  chart()->setTitle(title);
  chart()->legend()->setAlignment(Qt::AlignBottom);
  setRenderHint(QPainter::Antialiasing);
  setRubberBand(QChartView::RectangleRubberBand);
  setMinimumSize(360, 260);
  connect(chart(), &QChart::plotAreaChanged, this, [this] {
    if (!chart()->legend()->isAttachedToChart()) placeLegend();
  });
  rebuildAxes();
  if (dark_default()) setDarkTheme(true);
}

bool& ChartView::dark_default() {
  static bool dark = false;
  return dark;
}

void ChartView::setDarkDefault(bool dark) { dark_default() = dark; }

void ChartView::setDarkTheme(bool dark) {
  dark_ = dark;
  // A theme resets every series' pen and brush: the method colours are put back after it.
  chart()->setTheme(dark ? QChart::ChartThemeDark : QChart::ChartThemeLight);
  chart()->legend()->setAlignment(Qt::AlignBottom);
  applyPens();
  placeLegend();
}

void ChartView::applyPens() {
  // With distinct styles, curves that overlap stay apart by their dash pattern as well as their colour.
  static const Qt::PenStyle kStyles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine,
                                         Qt::DashDotDotLine};
  int own = 0;
  for (auto& e : entries_) {
    QPen pen(e.second.colour);
    pen.setWidthF(2);
    if (distinct_styles_ && !e.second.dashed) pen.setStyle(kStyles[own++ % 5]);
    if (e.second.dashed) {
      pen.setStyle(Qt::DashLine);
      pen.setWidthF(1.5);
    }
    e.second.line->setPen(pen);
    if (e.second.area) {
      QColor translucent = e.second.colour;
      translucent.setAlpha(dark_ ? 90 : 60);
      e.second.area->setBrush(translucent);  // the band in its line's colour
      e.second.area->setPen(Qt::NoPen);
    }
  }
  showMarkers();
  if (reference_) {
    QPen pen(dark_ ? QColor(230, 230, 230) : QColor(Qt::black));
    pen.setStyle(Qt::DashLine);
    reference_->setPen(pen);
  }
  if (vreference_) {
    QPen pen(dark_ ? QColor(170, 170, 170) : QColor(Qt::darkGray));
    pen.setStyle(Qt::DashLine);
    pen.setWidth(2);
    vreference_->setPen(pen);
  }
}

void ChartView::showMarkers() {
  // A series has a legend marker unless it is drawn without one; bands never have their own.
  for (auto& e : entries_) {
    for (auto* m : chart()->legend()->markers(e.second.line)) m->setVisible(e.second.legend);
    if (e.second.area)
      for (auto* m : chart()->legend()->markers(e.second.area)) m->setVisible(false);
  }
}

QLineSeries* ChartView::series(const QString& name, bool band) {
  for (auto& e : entries_)
    if (e.first == name) return e.second.line;
  Entry e;
  e.line = new QLineSeries;
  e.line->setName(typeset(displayName(name)));  // the legend's text; entries_ keeps the code name
  QList<QColor> used;
  for (const auto& other : entries_) used << other.second.colour;
  e.colour = seriesColor(name, used);  // one colour per method in every chart (Palette.h)
  if (band) {
    e.upper = new QLineSeries;
    e.lower = new QLineSeries;
    e.area = new QAreaSeries(e.upper, e.lower);
    e.area->setName(typeset(displayName(name)) + " ±2σ");
    chart()->addSeries(e.area);
  }
  chart()->addSeries(e.line);
  // Hover read-out of a point's values.
  connect(e.line, &QLineSeries::hovered, this, [this, name](const QPointF& p, bool state) {
    if (state)
      QToolTip::showText(QCursor::pos(),
                         QString("%1\n%2 = %3\n%4 = %5")
                             .arg(displayName(name), x_title_)
                             .arg(p.x(), 0, 'g', 6)
                             .arg(y_title_)
                             .arg(p.y(), 0, 'g', 8),
                         this);
  });
  entries_.append({name, e});
  applyPens();
  rebuildAxes();
  return e.line;
}

void ChartView::append(const QString& name, double x, double y, double sigma) {
  if (!std::isfinite(x) || !std::isfinite(y) || (log_x_ && x <= 0) || (log_y_ && y <= 0)) return;
  bool band = sigma > 0;
  for (auto& e : entries_)
    if (e.first == name) band = band || e.second.area;
  QLineSeries* line = series(name, band);
  line->append(x, y);
  line->setPointsVisible(line->count() <= 4);  // a one-pass method has a single point: show it
  for (auto& e : entries_)
    if (e.first == name && e.second.area) {
      const double s = std::isfinite(sigma) && sigma > 0 ? 2 * sigma : 0;
      e.second.upper->append(x, std::min(y + s, band_hi_));
      e.second.lower->append(x, std::max(log_y_ ? std::max(y - s, y * 1e-3) : y - s, band_lo_));
    }
  fitRanges();
}

void ChartView::setSeries(const QString& name, const QList<QPointF>& points,
                          const QList<double>& half_widths) {
  QList<QPointF> kept, upper, lower;
  for (int i = 0; i < points.size(); ++i) {
    const QPointF& p = points[i];
    if (!std::isfinite(p.x()) || !std::isfinite(p.y()) || (log_x_ && p.x() <= 0) || (log_y_ && p.y() <= 0))
      continue;
    kept << p;
    const double s =
        i < half_widths.size() && std::isfinite(half_widths[i]) && half_widths[i] > 0 ? half_widths[i] : 0;
    upper << QPointF(p.x(), std::min(p.y() + s, band_hi_));
    lower << QPointF(p.x(), std::max(log_y_ ? std::max(p.y() - s, p.y() * 1e-3) : p.y() - s, band_lo_));
  }
  QLineSeries* line = series(name, !half_widths.isEmpty());
  line->replace(kept);
  line->setPointsVisible(kept.size() <= 4);
  for (auto& e : entries_)
    if (e.first == name && e.second.area) {
      e.second.upper->replace(upper);
      e.second.lower->replace(lower);
    }
  fitRanges();
}

void ChartView::setReference(const QString& name, double y) {
  if (!reference_) {
    reference_ = new QLineSeries;
    chart()->addSeries(reference_);
    applyPens();
    rebuildAxes();
  }
  reference_->setName(name);
  reference_y_ = y;
  has_reference_ = true;
  fitRanges();
}

void ChartView::setVerticalReference(const QString& name, double x) {
  if (!std::isfinite(x) || (log_x_ && x <= 0)) return;
  if (!vreference_) {
    vreference_ = new QLineSeries;
    chart()->addSeries(vreference_);
    applyPens();
    rebuildAxes();
  }
  vreference_->setName(name);
  vreference_x_ = x;
  fitRanges();
}

void ChartView::clearAll() {
  chart()->removeAllSeries();
  entries_.clear();
  reference_ = nullptr;
  has_reference_ = false;
  vreference_ = nullptr;
  rebuildAxes();
}

void ChartView::setOverlay(const QString& name, const QList<QPointF>& points, const QString& colour_of,
                           bool legend) {
  QList<QPointF> kept;
  for (const QPointF& p : points)
    if (std::isfinite(p.x()) && std::isfinite(p.y()) && !(log_x_ && p.x() <= 0) && !(log_y_ && p.y() <= 0))
      kept << p;
  QLineSeries* line = series(name, false);
  QColor colour = seriesColor(colour_of, {});
  for (const auto& e : entries_)
    if (e.first == colour_of && !e.second.dashed) colour = e.second.colour;
  for (auto& e : entries_)
    if (e.first == name) {
      e.second.dashed = true;
      e.second.colour = colour;
      e.second.legend = legend;
    }
  line->replace(kept);
  line->setPointsVisible(kept.size() <= 4);
  applyPens();
  fitRanges();
}

void ChartView::removeSeries(const QString& name) {
  for (int i = 0; i < entries_.size(); ++i)
    if (entries_[i].first == name) {
      Entry e = entries_[i].second;
      entries_.removeAt(i);
      if (e.area) {
        chart()->removeSeries(e.area);
        delete e.area;  // not the owner of its bounds
        delete e.upper;
        delete e.lower;
      }
      chart()->removeSeries(e.line);
      delete e.line;
      fitRanges();
      return;
    }
}

QStringList ChartView::seriesNames() const {
  QStringList names;
  for (const auto& e : entries_) names << e.first;
  return names;
}

int ChartView::pointCount(const QString& name) const {
  for (const auto& e : entries_)
    if (e.first == name) return e.second.line->count();
  return 0;
}

void ChartView::setSecondaryY(const QString& suffix, const QString& title) {
  y2_suffix_ = suffix;
  y2_title_ = title;
  rebuildAxes();
}

void ChartView::setLogX(bool on) {
  log_x_ = on;
  rebuildAxes();
}
void ChartView::setLogY(bool on) {
  log_y_ = on;
  rebuildAxes();
}
void ChartView::setYTitle(const QString& title) {
  if (title == y_title_) return;
  y_title_ = title;
  rebuildAxes();
}
QColor ChartView::colour(const QString& name) const {
  for (const auto& e : entries_)
    if (e.first == name) return e.second.colour;
  return {};
}

void ChartView::rebuildAxes() {
  for (auto* a : chart()->axes()) {
    chart()->removeAxis(a);
    delete a;
  }
  auto make = [](bool log, const QString& title) -> QAbstractAxis* {
    if (log) {
      // A label at every decade (the range is widened to whole decades in fitRanges) and minor grid lines
      // at 2…9 × 10^k.
      auto* a = new QLogValueAxis;
      a->setTitleText(title + " (log)");
      a->setBase(10);
      a->setLabelFormat("%g");
      a->setMinorTickCount(8);
      a->setMinorGridLineVisible(true);
      a->setRange(1, 10);  // not Qt's empty default, which a log domain warns about
      return a;
    }
    auto* a = new QValueAxis;
    a->setTitleText(title);
    a->setLabelFormat("%.6g");  // 10000, not 1e+04
    return a;
  };
  QAbstractAxis* ax = make(log_x_, x_title_);
  QAbstractAxis* ay = make(log_y_, y_title_);
  chart()->addAxis(ax, Qt::AlignBottom);
  chart()->addAxis(ay, Qt::AlignLeft);
  QAbstractAxis* ay2 = nullptr;
  if (!y2_suffix_.isEmpty()) {
    ay2 = make(false, y2_title_);
    ay2->setGridLineVisible(false);  // one grid, the left axis's
    chart()->addAxis(ay2, Qt::AlignRight);
  }
  for (auto* s : chart()->series()) {
    s->attachAxis(ax);
    s->attachAxis(ay2 && secondary(s->name()) ? ay2 : ay);
  }
  // Legend markers toggle their series (and its band).
  showMarkers();
  for (auto* m : legendMarkers()) {
    m->disconnect(this);
    QAreaSeries* band = nullptr;
    for (auto& e : entries_)
      if (e.second.line == m->series()) band = e.second.area;
    connect(m, &QLegendMarker::clicked, this, [m, band] {
      const bool show = !m->series()->isVisible();
      m->series()->setVisible(show);
      if (band) band->setVisible(show);
      m->setVisible(true);
      QFont f = m->font();
      f.setStrikeOut(!show);
      m->setFont(f);
    });
  }
  fitRanges();
}

void ChartView::fitRanges() {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& e : entries_)
    for (const QPointF& p : e.second.line->points()) {
      x0 = std::min(x0, p.x());
      x1 = std::max(x1, p.x());
    }
  const double band_from = x0 + band_fit_from_ * (x1 - x0);
  double z0 = std::numeric_limits<double>::infinity(), z1 = -z0;  // the secondary axis
  for (const auto& e : entries_) {
    const QList<QLineSeries*> parts{e.second.line, e.second.upper, e.second.lower};
    const bool right = secondary(e.first);
    for (auto* s : parts) {
      if (!s) continue;
      for (const QPointF& p : s->points()) {
        if (s != e.second.line && p.x() < band_from) continue;
        (right ? z0 : y0) = std::min(right ? z0 : y0, p.y());
        (right ? z1 : y1) = std::max(right ? z1 : y1, p.y());
      }
    }
  }
  if (!y2_suffix_.isEmpty() && std::isfinite(z0))
    for (auto* a : chart()->axes(Qt::Vertical))
      if (chart()->axes(Qt::Vertical).indexOf(a) > 0) {
        const double pad = (z1 - z0) * 0.05 + (z1 == z0 ? std::fabs(z0) * 0.01 + 1e-12 : 0);
        a->setRange(z0 - pad, z1 + pad);
        if (auto* v = qobject_cast<QValueAxis*>(a)) v->applyNiceNumbers();
      }
  if (!std::isfinite(y0)) y0 = z0, y1 = z1;
  if (!std::isfinite(x0)) return;
  if (vreference_) {
    x0 = std::min(x0, vreference_x_);
    x1 = std::max(x1, vreference_x_);
  }
  if (has_reference_) {
    y0 = std::min(y0, reference_y_);
    y1 = std::max(y1, reference_y_);
    reference_->replace(QList<QPointF>{{x0, reference_y_}, {x1, reference_y_}});
  }
  if (x1 <= x0) x1 = x0 + (log_x_ ? x0 : 1);
  if (vreference_) vreference_->replace(QList<QPointF>{{vreference_x_, y0}, {vreference_x_, y1}});
  const double pad = (y1 - y0) * 0.05 + (y1 == y0 ? std::fabs(y0) * 0.01 + 1e-12 : 0);
  auto axes_x = chart()->axes(Qt::Horizontal), axes_y = chart()->axes(Qt::Vertical);
  if (!axes_x.isEmpty() && !log_x_) {
    // About one tick label per 70 pixels of plot, so labels never crowd (Qt cuts them short then).
    const double plot_width = width() - 120;  // the axes' labels and titles (the legend is never beside it)
    if (auto* v = qobject_cast<QValueAxis*>(axes_x.first()))
      v->setTickCount(std::clamp(static_cast<int>(plot_width / 70) + 1, 3, 11));
    axes_x.first()->setRange(x0, x1);
    if (auto* v = qobject_cast<QValueAxis*>(axes_x.first())) v->applyNiceNumbers();  // round tick labels
  }
  auto decades = [](double lo, double hi) {  // whole decades around [lo, hi], at least one
    double a = std::pow(10.0, std::floor(std::log10(lo))), b = std::pow(10.0, std::ceil(std::log10(hi)));
    if (b <= a) b = a * 10;
    return std::make_pair(a, b);
  };
  if (!axes_x.isEmpty() && log_x_ && x0 > 0) {
    const auto [a, b] = decades(x0, x1);
    axes_x.first()->setRange(a, b);
  }
  if (!axes_y.isEmpty()) {
    if (log_y_ && y0 > 0) {
      const auto [a, b] = decades(y0, y1);
      axes_y.first()->setRange(a, b);
    } else {
      axes_y.first()->setRange(y0 - pad, y1 + pad);
      if (auto* v = qobject_cast<QValueAxis*>(axes_y.first())) {
        v->applyNiceNumbers();  // 1-2-5 steps
        // A quantity with bounds (an accuracy's [0, 1]) keeps its axis within them.
        if (std::isfinite(band_lo_) && std::isfinite(band_hi_) &&
            (v->min() < band_lo_ || v->max() > band_hi_))
          v->setRange(std::max(v->min(), band_lo_), std::min(v->max(), band_hi_));
      }
    }
  }
  placeLegend();  // after the ranges: which corners the curves cross depends on them
}

void ChartView::resizeEvent(QResizeEvent* e) {
  QChartView::resizeEvent(e);
  if (chart()->isZoomed())
    placeLegend();
  else
    fitRanges();  // the legend's place and the number of ticks follow the width
}

void ChartView::mouseReleaseEvent(QMouseEvent* e) {
  if (e->button() == Qt::RightButton) return;  // the context menu handles it
  QChartView::mouseReleaseEvent(e);
}

void ChartView::contextMenuEvent(QContextMenuEvent* e) {
  QMenu menu(this);
  menu.addAction("Reset zoom", this, [this] {
    chart()->zoomReset();
    fitRanges();
  });
  QAction* lx = menu.addAction("Log x axis", this, [this](bool on) { setLogX(on); });
  lx->setCheckable(true);
  lx->setChecked(log_x_);
  QAction* ly = menu.addAction("Log y axis", this, [this](bool on) { setLogY(on); });
  ly->setCheckable(true);
  ly->setChecked(log_y_);
  QAction* shown = menu.addAction("Show legend", this, [this](bool on) {
    legend_shown_ = on;
    placeLegend();
  });
  shown->setCheckable(true);
  shown->setChecked(legend_shown_);
  menu.addSeparator();
  menu.addAction("Copy data (CSV)", this, [this] { QApplication::clipboard()->setText(csv()); });
  menu.addAction("Copy image", this, [this] { QApplication::clipboard()->setPixmap(grab()); });
  menu.addAction("Export as PNG, SVG or PDF…", this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, "Export chart", chart()->title() + ".png",
                                                      "Images (*.png *.svg *.pdf)");
    if (path.isEmpty()) return;
    const QString err = exportTo(path);
    if (!err.isEmpty()) QMessageBox::warning(this, "Export failed", err);
  });
  menu.exec(e->globalPos());
}

void ChartView::keyPressEvent(QKeyEvent* e) {  // pan with the arrow keys, zoom with + and −
  switch (e->key()) {
    case Qt::Key_Left:
      chart()->scroll(-20, 0);
      break;
    case Qt::Key_Right:
      chart()->scroll(20, 0);
      break;
    case Qt::Key_Up:
      chart()->scroll(0, 20);
      break;
    case Qt::Key_Down:
      chart()->scroll(0, -20);
      break;
    case Qt::Key_Plus:
      chart()->zoomIn();
      break;
    case Qt::Key_Minus:
      chart()->zoomOut();
      break;
    default:
      QChartView::keyPressEvent(e);
  }
}

void ChartView::wheelEvent(QWheelEvent* e) {
  chart()->zoom(e->angleDelta().y() > 0 ? 1.25 : 0.8);
  e->accept();
}

}  // namespace ts::ui
