#include "ChartLegend.h"

#include <QChart>
#include <QFontMetricsF>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPen>
#include <QRegularExpression>

#include <algorithm>
#include <limits>

namespace ts::ui {

// Below the plot when its entries fit one row; else floating inside the plot area, in the corner that covers
// the fewest points, so that a legend never takes more than a line of the chart's room (a legend beside the
// plot took a third of a narrow chart) and no label is cut. The chart's menu hides it.
void place_legend(QChart& chart, const QList<QLineSeries*>& lines, int width, bool dark, bool shown) {
  QLegend* legend = chart.legend();
  if (!shown) {
    legend->hide();
    return;
  }
  legend->show();
  const QFontMetricsF fm(legend->font());
  double row = 0, widest = 0;
  int entries = 0;
  for (auto* m : legend->markers())
    if (m->isVisible()) {
      static const QRegularExpression tag("<[^>]*>");  // typeset labels: their text, not their markup
      const double w = fm.horizontalAdvance(QString(m->label()).remove(tag)) + fm.height() + 18;  // box, gaps
      row += w;
      widest = std::max(widest, w);
      ++entries;
    }
  if (row <= width - 40 || entries == 0) {
    if (!legend->isAttachedToChart()) {
      legend->attachToChart();
      legend->setBackgroundVisible(false);
    }
    if (legend->alignment() != Qt::AlignBottom) legend->setAlignment(Qt::AlignBottom);
    return;
  }
  if (legend->isAttachedToChart()) legend->detachFromChart();
  legend->setAlignment(Qt::AlignLeft);  // one entry per line
  legend->setBrush(dark ? QColor(40, 40, 44, 225) : QColor(255, 255, 255, 225));
  legend->setPen(QPen(dark ? QColor(120, 120, 125) : QColor(190, 190, 190)));
  legend->setLabelColor(dark ? QColor(230, 230, 230) : QColor(30, 30, 30));
  legend->setBackgroundVisible(true);
  const QRectF plot = chart.plotArea();
  const QSizeF size(std::min(widest + 20, plot.width() * 0.7),
                    std::min(entries * (fm.height() + 11) + 18, plot.height() - 12));
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
  }
  legend->setGeometry(best);
  legend->update();
}

}  // namespace ts::ui
