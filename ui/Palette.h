#pragma once
// One colour per estimator and per query strategy, the same in every tab and every export (the workbench's
// "charts that read at a glance"): a series named after a method gets that method's colour, its ±2σ band the
// same colour, translucent. Other series take the first colour of the same palette that their chart does not
// use yet, so no two series of one chart share a colour.
#include <QColor>
#include <QList>
#include <QPalette>
#include <QString>

#include <optional>

namespace ts::ui {

/// The colour of the method that series `name` names ("hutchpp", "XNysTrace m=48", "mlmoc (pNTK)": its first
/// word, case-insensitive), if it names one.
std::optional<QColor> methodColor(const QString& name);

/// The colour for series `name` in a chart whose other series use `used`: the method's colour, else the first
/// palette colour not in `used` (cycling once all are).
QColor seriesColor(const QString& name, const QList<QColor>& used = {});

/// View ▸ Theme ▸ Dark: Fusion's widgets with this palette, and the charts through ChartView::setDarkTheme.
QPalette darkPalette();

}  // namespace ts::ui
