#include "ChartLegend.h"

#include "ChartView.h"

#include <QAbstractTextDocumentLayout>
#include <QAreaSeries>
#include <QChart>
#include <QFontMetricsF>
#include <QGraphicsObject>
#include <QGraphicsSceneMouseEvent>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPainter>
#include <QPen>
#include <QPointer>
#include <QRegularExpression>
#include <QTextDocument>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ts::ui {

namespace {

constexpr double kSample = 22;      // the line sample's length
constexpr double kGap = 6;          // between the sample and its label
constexpr double kColumnGap = 16;   // between columns
constexpr double kMostRoom = 0.22;  // the rows below the plot take at most this share of the chart's height

QString label_text(const QString& label) {
  static const QRegularExpression tag("<[^>]*>");  // typeset labels: their text, not their markup
  return QString(label).remove(tag);
}

}  // namespace

/// The legend in rows below the plot: Qt's legend lays its entries out in one row or one column only.
/// Each entry is a sample of its curve's pen (colour and dash) and its label; a click toggles the curve
/// through the marker's own signal, as a click on Qt's legend does.
class RowsLegend : public QGraphicsObject {
 public:
  explicit RowsLegend(QChart& chart) : QGraphicsObject(&chart) { setZValue(20); }

  void layout(const QList<QLegendMarker*>& markers, int columns, double column_width, double row_height,
              QPointF at, bool dark) {
    prepareGeometryChange();
    markers_.clear();
    for (auto* m : markers) markers_ << m;
    columns_ = std::max(1, columns);
    column_width_ = column_width;
    row_height_ = row_height;
    dark_ = dark;
    setPos(at);
    update();
  }
  int rows() const { return int((markers_.size() + columns_ - 1) / columns_); }
  QStringList labels() const {
    QStringList out;
    for (const auto& m : markers_)
      if (m) out << m->label();
    return out;
  }
  /// The entry at `i`'s place, in this item's coordinates.
  QRectF cell(int i) const {
    return QRectF((i % columns_) * column_width_, (i / columns_) * row_height_, column_width_, row_height_);
  }
  QRectF boundingRect() const override {
    return QRectF(0, 0, columns_ * column_width_, rows() * row_height_);
  }
  void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
    p->setRenderHint(QPainter::Antialiasing);
    const QColor text = dark_ ? QColor(230, 230, 230) : QColor(30, 30, 30);
    for (int i = 0; i < markers_.size(); ++i) {
      QLegendMarker* m = markers_[i];
      if (!m) continue;  // its series was removed since the last layout; a new one follows
      const QRectF c = cell(i);
      QPen pen = m->pen();
      if (auto* line = qobject_cast<QLineSeries*>(m->series())) pen = line->pen();
      pen.setWidthF(2);
      const bool hidden = m->series() && !m->series()->isVisible();
      if (hidden) pen.setColor(QColor(150, 150, 150));
      p->setPen(pen);
      const double y = c.center().y();
      p->drawLine(QPointF(c.left(), y), QPointF(c.left() + kSample, y));
      QTextDocument doc;
      QFont f = m->font();
      f.setStrikeOut(hidden);
      doc.setDefaultFont(f);
      doc.setDocumentMargin(0);
      doc.setHtml(QString("<span style=\"color:%1\">%2</span>").arg(text.name(), m->label()));
      p->save();
      p->translate(c.left() + kSample + kGap, y - doc.size().height() / 2);
      doc.drawContents(p);
      p->restore();
    }
  }

 protected:
  void mousePressEvent(QGraphicsSceneMouseEvent* e) override {
    if (e->button() != Qt::LeftButton) {  // the right button opens the chart's menu
      e->ignore();
      return;
    }
    for (int i = 0; i < markers_.size(); ++i)
      if (markers_[i] && cell(i).contains(e->pos())) {
        Q_EMIT markers_[i]->clicked();  // the chart's own handler toggles the curve and its band
        update();
        e->accept();
        return;
      }
    e->ignore();
  }

 private:
  QList<QPointer<QLegendMarker>> markers_;
  int columns_ = 1;
  double column_width_ = 0, row_height_ = 0;
  bool dark_ = false;
};

QGraphicsObject* rows_legend(QChart& chart) {
  for (QGraphicsItem* item : chart.childItems())
    if (auto* rows = dynamic_cast<RowsLegend*>(item)) return rows;
  return nullptr;
}

QStringList rows_legend_labels(QChart& chart) {
  auto* rows = static_cast<RowsLegend*>(rows_legend(chart));
  return rows && rows->isVisible() ? rows->labels() : QStringList();
}

// Below the plot when its entries fit one row; else floating inside the plot area, in a corner that covers no
// point of the curves, taking none of the chart's room and cutting no label. When every corner covers data,
// in rows below the plot (as many columns as fit), so that no curve is hidden; only when those rows would
// take more than about a fifth of the chart, floating in the corner that covers the fewest points (the
// chart's menu hides it).
void place_legend(QChart& chart, const QList<QLegendMarker*>& markers, const QList<QLineSeries*>& lines,
                  int width, bool dark, bool shown) {
  QLegend* legend = chart.legend();
  auto* rows = static_cast<RowsLegend*>(rows_legend(chart));
  if (!chart.property("ts_base_margins").isValid())
    chart.setProperty("ts_base_margins", QVariant::fromValue(chart.margins()));
  const QMargins base = chart.property("ts_base_margins").value<QMargins>();
  const auto drop_rows = [&] {
    if (rows) rows->hide();
    if (chart.margins() != base) chart.setMargins(base);
  };
  if (!shown) {
    legend->hide();
    drop_rows();
    return;
  }
  const QFontMetricsF fm(legend->font());
  double row = 0, widest = 0;
  for (auto* m : markers) {
    const double w = fm.horizontalAdvance(label_text(m->label())) + fm.height() + 18;  // box, gaps
    row += w;
    widest = std::max(widest, w);
  }
  if (row <= width - 40 || markers.isEmpty()) {
    drop_rows();
    legend->show();
    if (!legend->isAttachedToChart()) {
      legend->attachToChart();
      legend->setBackgroundVisible(false);
    }
    if (legend->alignment() != Qt::AlignBottom) legend->setAlignment(Qt::AlignBottom);
    return;
  }
  const QRectF plot = chart.plotArea();
  const QSizeF size(std::min(widest + 20, plot.width() * 0.7),
                    std::min(markers.size() * (fm.height() + 11) + 18, plot.height() - 12));
  const QList<QPointF> corners{plot.topLeft() + QPointF(6, 6),
                               QPointF(plot.right() - size.width() - 6, plot.top() + 6),
                               QPointF(plot.left() + 6, plot.bottom() - size.height() - 6),
                               QPointF(plot.right() - size.width() - 6, plot.bottom() - size.height() - 6)};
  QRectF best;
  int fewest = std::numeric_limits<int>::max();
  for (const QPointF& corner : corners) {
    const QRectF r(corner, size);
    int covered = 0;
    for (QLineSeries* line : lines) {  // the points and the segments between them
      if (!line->isVisible()) continue;
      const QList<QPointF> pts = line->points();
      for (int i = 0; i < pts.size(); ++i)
        for (int k = 0; k < (i + 1 < pts.size() ? 8 : 1); ++k) {
          const QPointF p = i + 1 < pts.size() ? pts[i] + (pts[i + 1] - pts[i]) * (k / 8.0) : pts[i];
          covered += r.contains(chart.mapToPosition(p, line));
        }
    }
    if (covered < fewest) {
      fewest = covered;
      best = r;
    }
    if (fewest == 0) break;  // a free corner: the others need no count (this runs at every appended point)
  }
  // Rows below the plot, as many columns as the width takes.
  const double column = widest - fm.height() - 18 + kSample + kGap + kColumnGap;
  const double row_height = fm.height() + 6;
  const int columns = std::max(1, int((width - 40) / column));
  const int row_count = int((markers.size() + columns - 1) / columns);
  const double room = row_count * row_height + 6;
  const bool rows_fit = room <= kMostRoom * chart.size().height();
  if (fewest > 0 && rows_fit) {
    legend->hide();
    if (!rows) rows = new RowsLegend(chart);
    QMargins m = base;
    m.setBottom(base.bottom() + int(std::ceil(room)));
    if (chart.margins() != m) chart.setMargins(m);
    const double grid_width = std::min(columns, int(markers.size())) * column - kColumnGap;
    rows->layout(markers, columns, column, row_height,
                 QPointF(std::max(0.0, (chart.size().width() - grid_width) / 2),
                         chart.size().height() - base.bottom() - room + 6),
                 dark);
    rows->show();
    return;
  }
  drop_rows();
  legend->show();
  if (legend->isAttachedToChart()) legend->detachFromChart();
  legend->setAlignment(Qt::AlignLeft);  // one entry per line
  legend->setBrush(dark ? QColor(40, 40, 44, 225) : QColor(255, 255, 255, 225));
  legend->setPen(QPen(dark ? QColor(120, 120, 125) : QColor(190, 190, 190)));
  legend->setLabelColor(dark ? QColor(230, 230, 230) : QColor(30, 30, 30));
  legend->setBackgroundVisible(true);
  legend->setGeometry(best);
  legend->update();
}

// ChartView's side: which markers are entries, and the width it lays the legend out for.
void ChartView::placeLegend(int width) {
  QList<QLineSeries*> lines;
  for (const auto& e : entries_) lines << e.second.line;
  // The chart's own width: the view's, except while an export lays the chart out at the picture's size (the
  // plot-area handler calls this then too).
  if (width < 0) width = chart()->size().width() > 0 ? int(chart()->size().width()) : this->width();
  place_legend(*chart(), legendMarkers(), lines, width, dark_, legend_shown_);
}

QList<QLegendMarker*> ChartView::legendMarkers() const {
  QList<QLegendMarker*> out;
  for (auto* m : chart()->legend()->markers()) {
    bool entry = true;
    for (const auto& e : entries_)
      if (m->series() == e.second.area || (m->series() == e.second.line && !e.second.legend)) entry = false;
    if (entry) out << m;
  }
  return out;
}

}  // namespace ts::ui
