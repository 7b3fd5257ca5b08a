#include "ContrastStyle.h"

#include <QApplication>
#include <QPainter>
#include <QProxyStyle>
#include <QStyleFactory>
#include <QStyleOption>

namespace ts::ui {

namespace {

class ContrastStyle : public QProxyStyle {
 public:
  ContrastStyle() : QProxyStyle(QStyleFactory::create("Fusion")) { setObjectName(kName); }
  static constexpr const char* kName = "tangentscope-contrast";

  void drawPrimitive(PrimitiveElement e, const QStyleOption* o, QPainter* p,
                     const QWidget* w) const override {
    QProxyStyle::drawPrimitive(e, o, p, w);
    const bool box = e == PE_IndicatorCheckBox || e == PE_IndicatorItemViewItemCheck;
    if (!box && e != PE_IndicatorRadioButton) return;
    // The text colour, a little transparent: well over 3:1 against the window in both themes; dimmer when
    // disabled.
    QColor edge = o->palette.color(QPalette::Active, QPalette::WindowText);
    edge.setAlpha(o->state & State_Enabled ? 170 : 90);
    p->save();
    p->setRenderHint(QPainter::Antialiasing, !box);
    p->setPen(QPen(edge, 1));
    p->setBrush(Qt::NoBrush);
    // Fusion draws the box one pixel in from its rectangle (the radio button's circle likewise).
    const QRectF r = QRectF(o->rect).adjusted(1.5, 1.5, -1.5, -1.5);
    if (box)
      p->drawRect(r);
    else
      p->drawEllipse(r);
    p->restore();
  }
};

}  // namespace

void useContrastStyle() {
  if (QApplication::style()->objectName() != ContrastStyle::kName) QApplication::setStyle(new ContrastStyle);
}

}  // namespace ts::ui
