#include "Palette.h"

#include <QHash>
#include <QRegularExpression>

namespace ts::ui {

namespace {

// Tableau's ten qualitative colours (after Stone, "Choosing Colors for Data Visualization"), then lighter
// companions: distinct in hue and lightness, and readable on a white and on a dark background.
const QColor kPalette[] = {
    QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c), QColor(0xd6, 0x27, 0x28),
    QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b), QColor(0xe3, 0x77, 0xc2), QColor(0x7f, 0x7f, 0x7f),
    QColor(0xbc, 0xbd, 0x22), QColor(0x17, 0xbe, 0xcf), QColor(0xae, 0xc7, 0xe8), QColor(0xff, 0xbb, 0x78),
    QColor(0x98, 0xdf, 0x8a), QColor(0xff, 0x98, 0x96), QColor(0xc5, 0xb0, 0xd5), QColor(0xc4, 0x9c, 0x94)};

const QHash<QString, int>& fixed() {
  // Estimators first (docs/MATH.md §4), then the query strategies of active learning (§7). Labels and
  // names both map: "Hutch++" and "hutchpp".
  static const QHash<QString, int> m{
      {"hutchpp", 0},        {"hutch++", 0},   {"xnystrace", 1},         {"hutchinson", 2}, {"xtrace", 3},
      {"rhutch", 4},         {"fhutch", 5},    {"hutchpp-seed", 6},      {"exact", 7},      {"random", 7},
      {"entropy", 8},        {"margin", 9},    {"least-confidence", 10}, {"coreset", 11},   {"core-set", 11},
      {"badge", 12},         {"mlmoc", 3},     {"mlmoc-flip", 13},       {"trace", 0},      {"frobenius", 1},
      {"effective_rank", 2}, {"alignment", 3}, {"target_alignment", 4}};
  return m;
}

}  // namespace

std::optional<QColor> methodColor(const QString& name) {
  static const QRegularExpression word("^[A-Za-z0-9_+\\-]+");
  const QString key = word.match(name.trimmed()).captured(0).toLower();
  const auto it = fixed().find(key);
  if (it == fixed().end()) return std::nullopt;
  return kPalette[*it];
}

QColor seriesColor(const QString& name, const QList<QColor>& used) {
  if (const auto c = methodColor(name)) return *c;
  const int n = static_cast<int>(sizeof kPalette / sizeof kPalette[0]);
  for (int i = 0; i < n; ++i)
    if (!used.contains(kPalette[i])) return kPalette[i];
  return kPalette[used.size() % n];
}

QPalette darkPalette() {
  QPalette p;
  const QColor window(45, 45, 48), base(30, 30, 32), text(230, 230, 230), mid(90, 90, 95);
  p.setColor(QPalette::Window, window);
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, base);
  p.setColor(QPalette::AlternateBase, window);
  p.setColor(QPalette::ToolTipBase, base);
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, window);
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, Qt::red);
  p.setColor(QPalette::Link, QColor(0x5d, 0xa5, 0xe0));
  p.setColor(QPalette::Highlight, QColor(0x2a, 0x6f, 0xb0));
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::PlaceholderText, mid.lighter(150));
  p.setColor(QPalette::Disabled, QPalette::Text, mid.lighter(130));
  p.setColor(QPalette::Disabled, QPalette::ButtonText, mid.lighter(130));
  p.setColor(QPalette::Disabled, QPalette::WindowText, mid.lighter(130));
  return p;
}

}  // namespace ts::ui
