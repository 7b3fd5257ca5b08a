#include "CommandLine.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>

#include "BenchmarkCatalog.h"
#include "catalog/CommandCatalog.h"
#include "core/Defaults.h"
#include "core/Errors.h"
#include "data/DataSourceCatalog.h"
#include "estimators/EstimatorRegistry.h"
#include "models/ModelCatalog.h"

namespace ts::cli {

namespace {

const char* kProgram = "tangentscope-cli";

// The options, commands and benchmarks come from the engine's catalogs (catalog/OptionCatalog.h,
// catalog/CommandCatalog.h); this file turns them into a CLI11 parser with validators and help.
using Names = std::vector<std::string>;
using CommandDef = CommandInfo;

const std::vector<CommandInfo>& commands() { return command_catalog(); }
const std::vector<CommandInfo>& benchmarks() { return bench::benchmark_catalog(); }
const OptionInfo& option(const std::string& name) { return find_option(name); }

// The spec syntax under every command's help, from the model and data source catalogs.
std::string spec_help() {
  std::string s = "Model SPEC";
  const std::string indent(12, ' ');
  bool first = true;
  for (const auto& k : model_kind_catalog()) {
    s += (first ? "  " : indent) + k.syntax + "\n";
    first = false;
  }
  s += indent +
       "PATH.pt (TorchScript; files from scripts/export-model carry their input shape, else --input-shape)\n";
  s += indent + "act: " + activation_list() + "\n";
  s += "Data SPEC";
  first = true;
  for (const auto& d : data_sources()) {
    s += (first ? "   " : indent) + d.syntax + "\n";
    first = false;
  }
  s += indent + "every kind also takes n=N (seeded stratified subset), seed=S, standardize=1\n";
  s += "Without --model and --data: " + default_string("problem.data") + " with " +
       default_string("problem.model") +
       ".\ndocs/FORMATS.md describes every spec key, output field and exit code; docs/CLI.md every option.";
  return s;
}

// The value is one of `choices` (a comma-separated list of them when `list`), with '_' read as '-' (as the
// engine reads strategies and JVP modes); the value is rewritten to the choice it matched, so the engine sees
// one spelling. The message names the option, the choices and the value.
CLI::Validator choice_validator(const std::string& name, std::vector<std::string> choices, bool list) {
  auto match = [choices](std::string v) -> std::string {
    if (std::find(choices.begin(), choices.end(), v) != choices.end()) return v;
    std::replace(v.begin(), v.end(), '_', '-');
    return std::find(choices.begin(), choices.end(), v) != choices.end() ? v : std::string();
  };
  return CLI::Validator(
      [=](std::string& value) -> std::string {
        if (!list) {
          const std::string m = match(value);
          if (m.empty()) return "--" + name + " must be " + choice_list(choices) + ", got '" + value + "'";
          value = m;
          return "";
        }
        std::string out;
        size_t start = 0;
        while (start <= value.size()) {
          const size_t end = std::min(value.find(',', start), value.size());
          const std::string item = value.substr(start, end - start);
          if (!item.empty()) {
            const std::string m = match(item);
            if (m.empty()) return "--" + name + ": '" + item + "' is not one of " + choice_list(choices);
            out += (out.empty() ? "" : ",") + m;
          }
          start = end + 1;
        }
        value = out;
        return "";
      },
      "", "choice");
}

// An integer in [lo, hi]; the message as Args::get_int gives it.
CLI::Validator range_validator(const std::string& name, long long lo, long long hi) {
  return CLI::Validator(
      [=](std::string& value) -> std::string {
        char* end = nullptr;
        errno = 0;
        const long long x = std::strtoll(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0')
          return "option --" + name + " needs an integer, got '" + value + "'";
        if (errno == ERANGE || x < lo || x > hi)
          return "--" + name + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                 ", got " + value;
        return "";
      },
      "", "range");
}

bool takes(const Names& options, const std::string& name) {
  return std::find(options.begin(), options.end(), name) != options.end();
}

// `words`: where the command's positional words go (they must outlive the parse).
void add_options(CLI::App* app, const CommandDef& def, std::vector<std::string>* words = nullptr) {
  for (const auto& name : def.options) {
    const OptionInfo& o = option(name);
    // A const description: given a non-const string, CLI11 would take it as the variable to assign to.
    const std::string description = option_help(def, o);
    CLI::Option* opt = nullptr;
    if (o.flag()) {
      opt = app->add_flag("--" + name, description)->disable_flag_override();  // --json=3 is an error
    } else {
      opt = app->add_option("--" + name, description);
      opt->type_name(o.value)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
      const auto choices = option_choices(def, o);
      if (!choices.empty()) opt->transform(choice_validator(name, choices, o.list));  // may rewrite the value
      long long lo = 0, hi = 0;
      if (option_range(def, o, &lo, &hi)) opt->check(range_validator(name, lo, hi));
    }
    opt->group(o.group);
  }
  if (!def.positional.empty() && words)
    app->add_option(def.positional, *words, def.positional_help)->required()->type_name("...");
  if (takes(def.options, "model") || takes(def.options, "data")) app->footer(spec_help());
}

// The commands other than `def` that take --name, for the message when `def` does not.
std::string commands_taking(const std::string& name) {
  std::vector<std::string> with;
  for (const auto& c : commands())
    if (takes(c.options, name)) with.push_back(c.name);
  for (const auto& b : benchmarks())
    if (takes(b.options, name)) with.push_back("bench " + b.name);
  std::string s;
  for (size_t i = 0; i < with.size() && i < 6; ++i) s += (i ? ", " : "") + with[i];
  if (with.size() > 6) s += ", …";
  return s;
}

std::string flag_name(const std::string& arg) {
  const auto eq = arg.find('=');
  return eq == std::string::npos ? arg : arg.substr(0, eq);
}

// Everything after the program name must have been consumed: name the first thing that was not.
void refuse_leftovers(const CLI::App& app, const std::string& where) {
  const auto rest = app.remaining();
  if (rest.empty()) return;
  const std::string arg = rest.front();
  const std::string help = " (see " + std::string(kProgram) + " " + where + " --help)";
  if (arg.rfind("-", 0) == 0 && arg.size() > 1) {
    const std::string flag = flag_name(arg);
    const std::string bare = flag.substr(flag.find_first_not_of('-'));
    if (arg.rfind("--", 0) != 0)
      throw InputError(where + ": options start with two dashes: '" + arg + "' should probably be '-" + arg +
                       "'" + help);
    bool known = false;
    for (const auto& o : option_catalog()) known = known || bare == o.name;
    if (!known) throw InputError(where + ": unknown option " + flag + help);
    throw InputError(where + " does not take " + flag + "; it is an option of " + commands_taking(bare) +
                     help);
  }
  throw InputError(where + ": unexpected argument '" + arg + "' (options start with --)" + help);
}

Args args_from(const CLI::App& app, const std::string& where, const Names& options,
               const std::string& positional = "") {
  std::map<std::string, std::string> values;
  std::set<std::string> flags, declared(options.begin(), options.end());
  for (const auto& name : declared) {
    const CLI::Option* o = app.get_option("--" + name);
    if (o->count() == 0) continue;
    if (option(name).flag()) {
      flags.insert(name);
      continue;
    }
    const auto& r = o->results();
    if (r.size() > 1)
      throw InputError(where + ": --" + name + " was given " + std::to_string(r.size()) + " times ('" + r[0] +
                       "', '" + r[1] + "'); give it once");
    values[name] = r.at(0);
  }
  Args args(where, std::move(values), std::move(flags), std::move(declared));
  if (!positional.empty()) args.set_positionals(app.get_option(positional)->results());
  return args;
}

struct Parser {
  CLI::App app{"tangentscope-cli: the empirical neural tangent kernel of a model, matrix-free.", kProgram};
  CLI::App* bench = nullptr;
  CLI::App* help = nullptr;
  std::vector<std::string> help_topic;
  std::map<std::string, std::vector<std::string>> positionals;  ///< by command (watch's run folders)

  Parser() {
    app.allow_extras();
    app.require_subcommand(
        0, 1);  // one command: a later command word is an unexpected argument, not a second run
    app.footer(std::string("Run '") + kProgram + " COMMAND --help' for a command's options.\n" + kProgram +
               " launch --nproc N -- COMMAND …  runs a command as N ranks (see launch --help).\n\n" +
               spec_help());
    app.get_formatter()->column_width(26);
    app.set_version_flag("--version", std::string(kProgram) + " " + TS_VERSION, "the version, then quit");
    for (const auto& c : commands()) {
      CLI::App* sub = app.add_subcommand(c.name, c.summary);
      sub->allow_extras();
      add_options(sub, c, &positionals[c.name]);
    }
    bench = app.add_subcommand("bench", "benchmarks: " + list(benchmark_names()));
    bench->allow_extras();
    bench->require_subcommand(0, 1);
    for (const auto& b : benchmarks()) {
      CLI::App* sub = bench->add_subcommand(b.name, b.summary);
      for (const auto& alias : b.aliases) sub->alias(alias);
      sub->allow_extras();
      add_options(sub, b);
    }
    help = app.add_subcommand("help", "this overview, or 'help COMMAND' for a command's options");
    help->add_option("topic", help_topic,
                     "a command, 'bench NAME', 'defaults' (the built-in defaults, JSON) or 'options' (every "
                     "command's options as Markdown tables: docs/CLI.md)");
  }

  static std::string list(const std::vector<std::string>& v) {
    std::string s;
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s;
  }

  std::string help_for(const std::vector<std::string>& topic) const {
    if (topic.empty()) return app.help();
    if (topic[0] == "defaults")
      return defaults_text();  // what the CLI and the app use when nothing is chosen
    if (topic[0] == "options") return options_markdown(bench::benchmark_catalog());
    const CLI::App* target = nullptr;
    try {
      target = app.get_subcommand(topic[0]);
      if (topic.size() > 1) target = target->get_subcommand(topic[1]);
    } catch (const CLI::OptionNotFound&) {
      throw InputError("help: no command '" + list(topic) + "' (commands: " + list(command_names()) +
                       ", bench)");
    }
    return target->help(topic.size() > 1 ? std::string(kProgram) + " bench" : kProgram);
  }
};

}  // namespace

std::vector<std::string> command_names() {
  std::vector<std::string> n;
  for (const auto& c : commands()) n.push_back(c.name);
  return n;
}

std::vector<std::string> benchmark_names() {
  std::vector<std::string> n;
  for (const auto& b : benchmarks()) n.push_back(b.name);
  return n;
}

ParsedCommand parse_command_line(const std::vector<std::string>& argv) {
  Parser p;
  ParsedCommand out;
  if (argv.empty()) {
    out.help = p.app.help();
    out.help_exit_code = 2;
    return out;
  }
  std::vector<std::string> reversed(argv.rbegin(), argv.rend());  // CLI11 takes the arguments reversed
  try {
    p.app.parse(reversed);
  } catch (const CLI::CallForVersion&) {
    out.help = std::string(kProgram) + " " + TS_VERSION + "\n";
    return out;
  } catch (const CLI::CallForHelp&) {
    out.help = p.app.help();  // delegates to the (sub)command the --help was given to
    return out;
  } catch (const CLI::ParseError& e) {
    std::string where = "command line";
    const auto subs = p.app.get_subcommands();
    if (!subs.empty()) {
      where = subs[0]->get_name();
      const auto inner = subs[0]->get_subcommands();
      if (!inner.empty()) where += " " + inner[0]->get_name();
    }
    std::string what = e.what();
    // A validator's message names its option already: drop CLI11's "--name: " before it.
    const auto colon = what.find(": ");
    if (what.rfind("--", 0) == 0 && colon != std::string::npos &&
        what.find(what.substr(0, colon), colon) != std::string::npos)
      what = what.substr(colon + 2);
    const auto override_at = what.find(" was given a disallowed flag override");
    if (override_at != std::string::npos)
      what = "--" + what.substr(0, override_at) + " is a flag and takes no value";
    throw InputError(where + ": " + what + " (see " + kProgram + " " +
                     (subs.empty() ? "help" : where + " --help") + ")");
  }
  const auto subs = p.app.get_subcommands();
  if (subs.empty()) {
    const auto rest = p.app.remaining();
    const std::string first = rest.empty() ? "" : rest.front();
    if (first.rfind("-", 0) == 0)
      throw InputError("options come after a command: " + std::string(kProgram) + " COMMAND " + first +
                       " … (commands: " + Parser::list(command_names()) + ", bench, help)");
    throw InputError("unknown command '" + first + "' (commands: " + Parser::list(command_names()) +
                     ", bench, help)");
  }
  CLI::App* cmd = subs[0];
  out.command = cmd->get_name();
  if (cmd == p.help) {
    out.help = p.help_for(p.help_topic);
    return out;
  }
  if (cmd == p.bench) {
    const auto inner = cmd->get_subcommands();
    if (inner.empty()) {
      const auto rest = cmd->remaining();
      if (rest.empty())
        throw InputError("bench needs a name: " + Parser::list(benchmark_names()) + " (see " + kProgram +
                         " bench --help)");
      throw InputError("unknown benchmark '" + rest.front() + "' (" + Parser::list(benchmark_names()) + ")");
    }
    out.benchmark = inner[0]->get_name();
    const std::string where = "bench " + out.benchmark;
    const auto& def = *std::find_if(benchmarks().begin(), benchmarks().end(),
                                    [&](const CommandDef& d) { return d.name == out.benchmark; });
    refuse_leftovers(*inner[0], where);
    refuse_leftovers(*cmd, "bench");
    out.args = args_from(*inner[0], where, def.options);
    return out;
  }
  const auto& def = *std::find_if(commands().begin(), commands().end(),
                                  [&](const CommandDef& d) { return d.name == out.command; });
  refuse_leftovers(*cmd, out.command);
  out.args = args_from(*cmd, out.command, def.options, def.positional);
  return out;
}

}  // namespace ts::cli
