#pragma once
// Keyboard focus in the order a person reads a form: the widgets of a panel's layouts, row by row and left to
// right (QFormLayout rows, box layouts in order, nested layouts in place), instead of the order they were
// created in.
class QWidget;

namespace ts::ui {

/// Chains the tab order of every focusable widget under `root`'s layout in its visual order.
void orderTabsByLayout(QWidget* root);

}  // namespace ts::ui
