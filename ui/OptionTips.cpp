#include "OptionTips.h"

#include "catalog/OptionCatalog.h"

namespace ts::ui {

QString optionTip(const char* option, const QString& app_note) {
  const OptionInfo& o = find_option(option);
  QString help = QString::fromStdString(o.help);
  if (!help.isEmpty()) help[0] = help[0].toUpper();
  if (!help.endsWith('.')) help += '.';
  QString tip = help;
  if (!app_note.isEmpty()) tip += " " + app_note;
  tip += "\nCommand line: --" + QString::fromStdString(o.name);
  if (!o.default_text.empty()) tip += " (default " + QString::fromStdString(o.default_text) + ")";
  return tip;
}

}  // namespace ts::ui
