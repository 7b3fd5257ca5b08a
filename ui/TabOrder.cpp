#include "TabOrder.h"

#include <QFormLayout>
#include <QLayout>
#include <QList>
#include <QWidget>

namespace ts::ui {

namespace {

bool takes_tab(const QWidget* w) { return (w->focusPolicy() & Qt::TabFocus) && w->isEnabledTo(nullptr); }

void collect(QLayout* layout, QList<QWidget*>& out);

// A widget takes focus itself, or holds a layout of its own (a row widget, a group box) whose widgets do.
void collect(QWidget* w, QList<QWidget*>& out) {
  if (!w) return;
  if (takes_tab(w)) {
    out << w;
    return;
  }
  if (w->layout()) collect(w->layout(), out);
}

void collect(QLayoutItem* item, QList<QWidget*>& out) {
  if (!item) return;
  if (item->widget())
    collect(item->widget(), out);
  else if (item->layout())
    collect(item->layout(), out);
}

void collect(QLayout* layout, QList<QWidget*>& out) {
  if (auto* form = qobject_cast<QFormLayout*>(layout)) {
    for (int row = 0; row < form->rowCount(); ++row)
      for (const auto role : {QFormLayout::LabelRole, QFormLayout::FieldRole, QFormLayout::SpanningRole})
        collect(form->itemAt(row, role), out);
    return;
  }
  for (int i = 0; i < layout->count(); ++i) collect(layout->itemAt(i), out);
}

}  // namespace

void orderTabsByLayout(QWidget* root) {
  if (!root || !root->layout()) return;
  QList<QWidget*> chain;
  collect(root->layout(), chain);
  for (int i = 1; i < chain.size(); ++i) QWidget::setTabOrder(chain[i - 1], chain[i]);
}

}  // namespace ts::ui
