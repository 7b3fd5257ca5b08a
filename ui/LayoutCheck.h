#pragma once
// Finds text a layout has cut: chart and axis titles that Qt Charts elides ("relative error (…") and labels
// narrower than their text. The screenshots and the UI tests use it at the default size and at 1280×800.
#include <QStringList>

class QWidget;

namespace ts::ui {

/// One line per clipped text among the visible widgets under `root`: where it is and what it says.
QStringList clippedText(const QWidget* root);

}  // namespace ts::ui
