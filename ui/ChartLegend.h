#pragma once
// Where a chart's legend goes: below the plot when its entries fit one row; else floating inside the plot
// area, in the corner that covers the fewest points of its curves (a legend beside the plot took a third of a
// narrow chart, and a row too long for it cut its labels).
#include <QList>

class QChart;
class QLineSeries;

namespace ts::ui {

/// Places (or, when `shown` is false, hides) `chart`'s legend for a view `width` pixels wide, avoiding the
/// points of `lines`; `dark` picks the floating legend's colours.
void place_legend(QChart& chart, const QList<QLineSeries*>& lines, int width, bool dark, bool shown);

}  // namespace ts::ui
