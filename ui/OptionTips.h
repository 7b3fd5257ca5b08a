#pragma once
// A form field's tooltip from the command line's option catalog (catalog/OptionCatalog.h): what the option
// does, in the catalog's words, the app's own remark, and the option that sets the same on the command line.
// The app and the CLI then describe a setting once.
#include <QString>

namespace ts::ui {

/// "<the option's help>. <app_note>\nCommand line: --NAME (default D)"; `option` must be in the catalog.
QString optionTip(const char* option, const QString& app_note = {});

}  // namespace ts::ui
