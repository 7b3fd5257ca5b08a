#pragma once
// The one table of options (docs/CLI.md, generated from it): each option's name, value, group, help, and
// where it has them its default, range and choices, the latter read from the catalogs of the concepts they
// name (estimators, strategies, metrics, …). The command line builds its parser, validators and --help from
// it (with the commands of CommandCatalog.h); the app's forms take their labels and tooltips from it; the
// docs' option tables are generated from it and checked against it by a test.
#include <string>
#include <vector>

namespace ts {

struct OptionInfo {
  std::string name;          ///< as typed, without the dashes: "matvecs"
  std::string value;         ///< the value's placeholder in help: "M"; empty for a flag
  std::string group;         ///< the heading it is listed under in help
  std::string help;          ///< what it does (its default and choices are added from the fields below)
  std::string display;       ///< as the app's forms label it: "Test vectors" (empty: not in the app)
  std::string default_text;  ///< the default, as typed (empty: none, or it depends on other options)
  bool ranged = false;       ///< an integer in [lo, hi]
  long long lo = 0, hi = 0;
  std::vector<std::string> (*choices)() = nullptr;  ///< the values it takes (null: free text)
  bool list = false;                                ///< a comma-separated list of choices

  OptionInfo& with_default(std::string text);
  OptionInfo& with_range(long long low, long long high);
  OptionInfo& with_choices(std::vector<std::string> (*of)(), bool comma_list = false);
  OptionInfo& shown_as(std::string label);
  bool flag() const { return value.empty(); }
};

/// Every option of every command, grouped as help lists them.
const std::vector<OptionInfo>& option_catalog();

/// The entry named `name`; a name missing from the table is a programming error (std::logic_error).
const OptionInfo& find_option(const std::string& name);

/// "a, b or c": the choices as help and messages list them.
std::string choice_list(const std::vector<std::string>& choices);

}  // namespace ts
