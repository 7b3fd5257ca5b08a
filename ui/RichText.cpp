#include "RichText.h"

#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QPainter>
#include <QTextDocument>

#include "Notation.h"

namespace ts::ui {

namespace {

void set_html(QTextDocument& doc, const QFont& font, const QString& plain) {
  doc.setDefaultFont(font);
  doc.setDocumentMargin(0);
  doc.setHtml(typeset(plain));
}

void draw(QPainter* p, QTextDocument& doc, const QRect& rect, const QColor& colour, Qt::Alignment align) {
  const QSizeF size(doc.idealWidth(), doc.size().height());
  const double x = align & Qt::AlignHCenter ? rect.center().x() - size.width() / 2 : rect.left() + 4;
  p->save();
  p->setClipRect(rect);
  p->translate(x, rect.center().y() - size.height() / 2);
  QAbstractTextDocumentLayout::PaintContext ctx;
  ctx.palette.setColor(QPalette::Text, colour);
  doc.documentLayout()->draw(p, ctx);
  p->restore();
}

}  // namespace

RichHeader::RichHeader(Qt::Orientation orientation, QWidget* parent) : QHeaderView(orientation, parent) {}

void RichHeader::paintSection(QPainter* painter, const QRect& rect, int section) const {
  if (!rect.isValid()) return;
  QStyleOptionHeader opt;
  opt.initFrom(this);
  opt.rect = rect;
  opt.section = section;
  opt.orientation = orientation();
  style()->drawControl(QStyle::CE_HeaderSection, &opt, painter, this);  // the section without its text
  QTextDocument doc;
  set_html(doc, font(), model()->headerData(section, orientation(), Qt::DisplayRole).toString());
  draw(painter, doc, rect.adjusted(2, 0, -2, 0), palette().color(QPalette::ButtonText), Qt::AlignHCenter);
}

QSize RichHeader::sectionSizeFromContents(int section) const {
  QTextDocument doc;
  set_html(doc, font(), model()->headerData(section, orientation(), Qt::DisplayRole).toString());
  const QSize base = QHeaderView::sectionSizeFromContents(section);
  return {std::max(base.width() / 2, int(doc.idealWidth()) + 16),
          std::max(base.height(), int(doc.size().height()) + 6)};
}

void RichTextDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                             const QModelIndex& index) const {
  QStyleOptionViewItem opt = option;
  initStyleOption(&opt, index);
  const QString plain = opt.text;
  opt.text.clear();  // the cell's background, selection and focus, then the typeset text
  QStyle* style = opt.widget ? opt.widget->style() : QApplication::style();
  style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, opt.widget);
  QTextDocument doc;
  set_html(doc, opt.font, plain);
  const bool selected = opt.state & QStyle::State_Selected;
  draw(painter, doc, opt.rect, opt.palette.color(selected ? QPalette::HighlightedText : QPalette::Text),
       Qt::AlignLeft);
}

QSize RichTextDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const {
  QTextDocument doc;
  set_html(doc, option.font, index.data(Qt::DisplayRole).toString());
  const QSize base = QStyledItemDelegate::sizeHint(option, index);
  return {int(doc.idealWidth()) + 10, std::max(base.height(), int(doc.size().height()) + 4)};
}

}  // namespace ts::ui
