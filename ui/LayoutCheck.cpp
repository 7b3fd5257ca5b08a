#include "LayoutCheck.h"

#include <QChart>
#include <QChartView>
#include <QGraphicsScene>
#include <QGraphicsTextItem>
#include <QLabel>
#include <QTextDocument>

namespace ts::ui {

namespace {

// The text a title shows: Qt Charts takes rich text, so tags and entities do not count towards its width.
QString plain(const QString& text) {
  QTextDocument doc;
  doc.setHtml(text);
  return doc.toPlainText();
}

QString where(const QWidget* w) {
  const QChartView* view = qobject_cast<const QChartView*>(w);
  if (view && !view->chart()->title().isEmpty()) return "chart '" + plain(view->chart()->title()) + "'";
  return w->objectName().isEmpty() ? QString(w->metaObject()->className()) : w->objectName();
}

}  // namespace

QStringList clippedText(const QWidget* root) {
  QStringList out;
  QList<const QChartView*> views = root->findChildren<const QChartView*>();
  if (auto* self = qobject_cast<const QChartView*>(root)) views << self;
  for (const QChartView* view : views) {
    if (!view->isVisible() || !view->scene()) continue;
    // Qt Charts cuts a title, axis title, tick label or legend entry that has no room and ends it with "..."
    // (three full stops; TangentScope's own texts use "…"): any text item of the scene showing them is cut.
    for (const QGraphicsItem* item : view->scene()->items()) {
      const auto* text = dynamic_cast<const QGraphicsTextItem*>(item);
      if (!text || !text->isVisible()) continue;
      const QString shown = text->toPlainText();
      if (shown.contains("...")) out << where(view) + ": '" + shown + "' is cut";
    }
  }
  QList<const QLabel*> labels = root->findChildren<const QLabel*>();
  if (auto* self = qobject_cast<const QLabel*>(root)) labels << self;
  for (const QLabel* label : labels) {
    if (!label->isVisible() || label->wordWrap() || label->text().isEmpty() || !label->pixmap().isNull())
      continue;
    if (label->width() + 1 < label->minimumSizeHint().width())
      out << QString("label '%1' is cut (%2 px for %3 px of text)")
                 .arg(plain(label->text()).left(60))
                 .arg(label->width())
                 .arg(label->minimumSizeHint().width());
  }
  return out;
}

}  // namespace ts::ui
