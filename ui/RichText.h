#pragma once
// Table headers and cells that show their plain text typeset (Notation's typeset: ‖K‖_F with F as a
// subscript, r_eff, K_g): the items keep the plain text, so copies, CSV and sessions stay plain.
#include <QHeaderView>
#include <QStyledItemDelegate>

namespace ts::ui {

class RichHeader : public QHeaderView {
  Q_OBJECT
 public:
  explicit RichHeader(Qt::Orientation orientation, QWidget* parent = nullptr);

 protected:
  void paintSection(QPainter* painter, const QRect& rect, int section) const override;
  QSize sectionSizeFromContents(int section) const override;
};

class RichTextDelegate : public QStyledItemDelegate {
  Q_OBJECT
 public:
  using QStyledItemDelegate::QStyledItemDelegate;
  void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
  QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

}  // namespace ts::ui
