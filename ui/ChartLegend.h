#pragma once
// Where a chart's legend goes: below the plot when its entries fit one row; else floating inside the plot
// area, in a corner that covers no point of its curves; when every corner does, in rows below the plot (Qt's
// legend has one row or one column only, and beside the plot it took a third of a narrow chart).
#include <QList>
#include <QStringList>

class QChart;
class QGraphicsObject;
class QLegendMarker;
class QLineSeries;

namespace ts::ui {

/// Places (or, when `shown` is false, hides) `chart`'s legend, whose entries are `markers`, for a view
/// `width` pixels wide, avoiding the points of `lines`; `dark` picks the floating legend's colours.
void place_legend(QChart& chart, const QList<QLegendMarker*>& markers, const QList<QLineSeries*>& lines,
                  int width, bool dark, bool shown);

/// The legend in rows below the plot, when place_legend made one (else nullptr); and its labels while shown.
QGraphicsObject* rows_legend(QChart& chart);
QStringList rows_legend_labels(QChart& chart);

}  // namespace ts::ui
