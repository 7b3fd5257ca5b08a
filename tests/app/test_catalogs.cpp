// The engine's catalogs (data sources, model kinds, activations, strategies, metrics, estimators, options,
// commands) are the one declaration of each concept: every entry runs, the command line's defaults and
// choices are the engine's, and docs/CLI.md is what the catalogs generate.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb_image_write.h>

#include "BenchmarkCatalog.h"
#include "CoverageBench.h"
#include "SeedBench.h"
#include "TestHarness.h"
#include "active_learning/StrategyCatalog.h"
#include "analysis/MetricCatalog.h"
#include "catalog/CommandCatalog.h"
#include "cli/Cli.h"
#include "cli/CliCommon.h"
#include "cli/CommandLine.h"
#include "core/Config.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "data/Data.h"
#include "data/DataSourceCatalog.h"
#include "estimators/EstimatorRegistry.h"
#include "jobs/AlJob.h"
#include "jobs/HessianJob.h"
#include "jobs/KernelJob.h"
#include "models/ModelCatalog.h"

using namespace ts;

namespace test_catalogs {

namespace {

struct Run {
  int code;
  std::string out, err;
};

Run run_cli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = cli::run(args, out, err);
  return {code, out.str(), err.str()};
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A spec that loads each data source from files this test writes or the fixtures hold. A new source without
// one here fails `everyDataSourceLoads`: give it an example.
std::map<std::string, std::string> example_specs(const std::string& dir) {
  const std::string np = std::string(TS_FIXTURE_DIR) + "/numpy";
  return {{"random", "random:n=5,shape=3"},
          {"csv", "csv:" + dir + "/d.csv,label=last"},
          {"npy", "npy:" + np + "/x.npy,labels=" + np + "/y.npy"},
          {"npz", "npz:" + np + "/data.npz"},
          {"images", "images:" + dir + "/img"},
          {"digits", "digits:n=20"},
          {"mnist", "mnist:n=20"},
          {"fashion-mnist", "fashion-mnist:n=20"},
          {"cifar10", "cifar10:n=20"},
          {"cifar100", "cifar100:n=20"},
          {"moons", "moons:size=20"},
          {"spirals", "spirals:size=20"},
          {"blobs", "blobs:size=20"},
          {"sine", "sine:size=20"}};
}

}  // namespace

class TestCatalogs : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void everyDataSourceLoads() {
    const std::string dir = std::string(TS_TEST_TMP) + "/catalog-data";
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir + "/img/a");
    std::filesystem::create_directories(dir + "/img/b");
    std::ofstream(dir + "/d.csv") << "1,2,0\n3,4,1\n5,6,1\n";
    std::vector<unsigned char> px(4 * 4, 100);
    QVERIFY(stbi_write_png((dir + "/img/a/1.png").c_str(), 4, 4, 1, px.data(), 4));
    QVERIFY(stbi_write_png((dir + "/img/b/1.png").c_str(), 4, 4, 1, px.data(), 4));
    const auto examples = example_specs(dir);
    for (const auto& source : data_sources()) {
      QVERIFY2(examples.count(source.kind), ("no example spec for the data source " + source.kind).c_str());
      QVERIFY2(source.load != nullptr && !source.syntax.empty() && !source.label.empty(),
               ("incomplete catalog entry " + source.kind).c_str());
      const std::string spec = examples.at(source.kind);
      try {
        const Dataset d = load_data(spec, {}, 0);
        QVERIFY2(d.size() > 0, spec.c_str());
        if (!source.shape.empty()) {  // the values of one input (digits come flat, 64 = 1 × 8 × 8)
          int64_t want = 1;
          for (int64_t s : source.shape) want *= s;
          QCOMPARE(d.inputs[0].numel(), want);
        }
        if (source.classes > 0) QCOMPARE(d.num_classes, source.classes);
      } catch (const InputError& e) {
        // A data set that must be fetched or downloaded first may be absent here: it must say how to get it
        // (scripts/fetch-data), or name the file it looked for in the data folder.
        const std::string msg = e.what();
        const bool says_how = source.fetch.empty()
                                  ? msg.find(data_dir()) != std::string::npos
                                  : msg.find("scripts/fetch-data " + source.fetch) != std::string::npos;
        QVERIFY2(says_how, msg.c_str());
      }
    }
    TS_EXPECT_THROW(InputError, load_data("pictures:n=5", {}, 0), "is not one of " + data_source_list());
  }

  void everyModelKindAndActivationBuilds() {
    for (const auto& act : activation_catalog()) {
      const Run r = run_cli({"info", "--model", "mlp:in=3,width=4,depth=2,out=2,act=" + act.name, "--data",
                             "random:n=2,shape=3", "--json"});
      QVERIFY2(r.code == 0, (act.name + ": " + r.err).c_str());
    }
    const std::map<std::string, std::pair<std::string, std::string>> examples{
        {"mlp", {"mlp:in=3,width=4,depth=2,out=2", "random:n=2,shape=3"}},
        {"cnn", {"cnn:width=2,out=2", "random:n=2,shape=1x8x8"}},
        {"gru", {"gru:in=2,hidden=3,steps=2", "random:n=2,shape=2x2"}}};
    for (const auto& kind : model_kind_catalog()) {
      QVERIFY2(examples.count(kind.name), ("no example for the model kind " + kind.name).c_str());
      const Run r = run_cli({"info", "--model", examples.at(kind.name).first, "--data",
                             examples.at(kind.name).second, "--json"});
      QVERIFY2(r.code == 0, (kind.name + ": " + r.err).c_str());
    }
  }

  void everyMetricComputes() {
    std::string all;
    for (const auto& m : metric_catalog()) all += (all.empty() ? "" : ",") + m.name;
    const Run r = run_cli({"metrics", "--model", "mlp:in=3,width=5,depth=2,out=2,seed=1", "--model-b",
                           "mlp:in=3,width=5,depth=2,out=2,seed=2", "--data", "random:n=4,shape=3,classes=2",
                           "--metrics", all, "--estimator", "exact", "--json"});
    QVERIFY2(r.code == 0, r.err.c_str());
    const Json j = parse_json(r.out);
    for (const auto& m : metric_catalog())
      QVERIFY2(r.out.find("\"" + m.name + "\"") != std::string::npos, m.name.c_str());
    QVERIFY(j.is_object());
  }

  void strategiesAndTheirDefaults() {
    QVERIFY(!default_strategies().empty());
    for (const auto& s : default_strategies()) QVERIFY(contains(strategy_names(), s));
    const AlRequest request;
    QVERIFY(request.strategies == default_strategies());
    for (const auto& s : strategy_catalog()) {
      QCOMPARE(canonical_strategy(s.name), s.name);
      QVERIFY2(!s.label.empty() && !s.summary.empty(), s.name.c_str());
      QCOMPARE(s.objective.empty(), s.name.rfind("mlmoc", 0) != 0);
    }
    // `al` without --strategy runs the catalog's defaults.
    const Run r = run_cli({"help", "al"});
    QVERIFY2(r.out.find("(default random,margin,mlmoc)") != std::string::npos, r.out.c_str());
  }

  // Every option a command takes is declared once, its default lies within its choices or range, and the
  // command accepts its own default.
  void optionDefaultsAreAccepted() {
    std::vector<const CommandInfo*> all;
    for (const auto& c : command_catalog()) all.push_back(&c);
    for (const auto& b : bench::benchmark_catalog()) all.push_back(&b);
    for (const CommandInfo* c : all) {
      for (const auto& name : c->options) {
        const OptionInfo& o = find_option(name);  // throws for an undeclared option
        const std::string def = option_default(*c, o);
        const auto choices = option_choices(*c, o);
        if (def.empty()) continue;
        if (!choices.empty()) {
          std::stringstream ss(def);
          std::string item;
          while (std::getline(ss, item, ','))
            QVERIFY2(contains(choices, item), (c->name + " --" + name + " default " + def).c_str());
        }
        if (o.ranged) QVERIFY2(std::stoll(def) >= o.lo && std::stoll(def) <= o.hi, name.c_str());
      }
    }
    // The engine's own defaults, as help states them.
    const CommandInfo& layers = *std::find_if(command_catalog().begin(), command_catalog().end(),
                                              [](const CommandInfo& c) { return c.name == "layers"; });
    QCOMPARE(option_default(layers, find_option("block")), std::to_string(LayerTraceOptions{}.block));
    QCOMPARE(option_choices(layers, find_option("estimator")),
             (std::vector<std::string>{"exact", "hutchinson", "hutchpp"}));
    const CommandInfo& trace = command_catalog().front();
    QCOMPARE(option_default(trace, find_option("block")), std::to_string(EstimatorOptions{}.block));
    QCOMPARE(option_default(trace, find_option("matvecs")), std::to_string(EstimatorOptions{}.matvecs));
    QCOMPARE(option_default(trace, find_option("estimator")), EstimatorOptions{}.method);
    const Run help = run_cli({"help", "layers"});
    QVERIFY2(
        help.out.find("(default " + std::to_string(LayerTraceOptions{}.block) + ")") != std::string::npos,
        help.out.c_str());
    QVERIFY2(help.out.find("xtrace") == std::string::npos, help.out.c_str());  // layers does not take it
  }

  void choicesAndRangesAreValidatedByTheParser() {
    const Run est = run_cli({"layers", "--estimator", "xtrace"});
    QVERIFY2(
        est.code == 1 && est.err.find("--estimator must be exact, hutchinson or hutchpp, got 'xtrace'") !=
                             std::string::npos,
        est.err.c_str());
    const Run strat = run_cli({"al", "--strategy", "random,nonsense"});
    QVERIFY2(
        strat.code == 1 && strat.err.find("--strategy: 'nonsense' is not one of random") != std::string::npos,
        strat.err.c_str());
    const Run metric = run_cli({"metrics", "--metrics", "trace,rank"});
    QVERIFY2(metric.code == 1 && metric.err.find("'rank' is not one of trace") != std::string::npos,
             metric.err.c_str());
    const Run mv = run_cli({"trace", "--matvecs", "0"});
    QVERIFY2(mv.code == 1 &&
                 mv.err.find("--matvecs must be between 1 and 10000000, got 0") != std::string::npos &&
                 mv.err.find("--matvecs: --matvecs") == std::string::npos,
             mv.err.c_str());
    // '_' reads as '-', as the engine reads it.
    const Run ok = run_cli({"help", "al"});
    QCOMPARE(ok.code, 0);
  }

  // Where a command starts from other defaults than the option's, its help says so (review of the catalogs).
  void commandDefaultsAreTheEngines() {
    const TrainOptions al = default_al_training();
    const CommandInfo& al_cmd = find_command("al");
    QCOMPARE(option_default(al_cmd, find_option("loss")), al.loss);
    QCOMPARE(option_default(al_cmd, find_option("batch-size")), std::to_string(al.batch_size));
    QCOMPARE(option_default(al_cmd, find_option("epochs")), std::to_string(al.epochs));
    QCOMPARE(option_default(find_command("hessian"), find_option("matvecs")),
             std::to_string(HessianRequest{}.probes));
    QCOMPARE(option_choices(find_command("hessian"), find_option("loss")), std::vector<std::string>{"mse"});
    std::string all;
    for (const auto& m : metric_names()) all += (all.empty() ? "" : ",") + m;
    QCOMPARE(option_default(find_command("dynamics"), find_option("metrics")), all);
    long long lo = 0, hi = 0;
    QVERIFY(option_range(find_command("layers"), find_option("matvecs"), &lo, &hi) && lo == 3);
    const Run layers = run_cli({"layers", "--matvecs", "2"});
    QVERIFY2(layers.code == 1 && layers.err.find("--matvecs must be between 3 and") != std::string::npos,
             layers.err.c_str());
    // Aliases the engine reads are still accepted, and '_' for '-' is rewritten for it.
    const Run dtype = run_cli({"info", "--model", "mlp:in=3,width=4,depth=2,out=2", "--data",
                               "random:n=2,shape=3", "--dtype", "double", "--json"});
    QVERIFY2(dtype.code == 0, dtype.err.c_str());
    const Run schedule = run_cli({"train", "--model", "mlp:in=3,width=4,depth=2,out=2", "--data",
                                  "random:n=12,shape=3,classes=2", "--epochs", "1", "--schedule", "one_cycle",
                                  "--out", std::string(TS_TEST_TMP) + "/catalog-train", "--json"});
    QVERIFY2(schedule.code == 0, schedule.err.c_str());
  }

  // docs/CLI.md holds, between its markers, exactly what `help options` prints from the catalogs.
  // A benchmark's defaults live in its options struct (bench/*.h): help shows them, and giving every default
  // it shows explicitly runs exactly what giving none does. Options without a default are the few that have
  // none (outputs, required models) or say in their help what they follow.
  void benchmarkDefaultsAreTheOnesTheyRunWith() {
    const std::set<std::string> without_default{
        "json",      "out",         "product-batch", "configs",        "resume",        "test-data",
        "test-size", "input-shape", "output",        "workload-model", "workload-data", "preset"};
    for (const CommandInfo& b : bench::benchmark_catalog()) {
      QVERIFY(b.benchmark);
      std::vector<std::string> explicit_args{"bench", b.name};
      for (const auto& name : b.options) {
        const OptionInfo& o = find_option(name);
        const std::string def = option_default(b, o);
        if (o.flag()) continue;
        if (def.empty()) {
          QVERIFY2(without_default.count(name),
                   ("bench " + b.name + " --" + name + " shows no default").c_str());
          continue;
        }
        explicit_args.push_back("--" + name);
        explicit_args.push_back(def);
      }
      const auto none = cli::parse_command_line({"bench", b.name});
      const auto all = cli::parse_command_line(explicit_args);
      QVERIFY(none.args && all.args);
      const Json a = cli::bench_options(b.name, *none.args), e = cli::bench_options(b.name, *all.args);
      QVERIFY2(
          a == e,
          ("bench " + b.name + ": " + json_text(a) + "\n  with its defaults given: " + json_text(e)).c_str());
      // And each default given alone (al-ablation's --data mnist once took the set-up of other data).
      for (size_t i = 2; i < explicit_args.size(); i += 2) {
        const auto one = cli::parse_command_line({"bench", b.name, explicit_args[i], explicit_args[i + 1]});
        QVERIFY(one.args);
        QVERIFY2(cli::bench_options(b.name, *one.args) == a,
                 ("bench " + b.name + " " + explicit_args[i] + " " + explicit_args[i + 1]).c_str());
      }
    }
    // The values come from the structs, and help states them.
    const Run help = run_cli({"bench", "calibration", "--help"});
    QVERIFY2(help.out.find("(default " + std::to_string(bench::CoverageBenchOptions{}.seeds) + ")") !=
                 std::string::npos,
             help.out.c_str());
    const Run gru = run_cli({"help", "bench", "hazelden-gru"});
    QVERIFY2(gru.out.find("(default " + std::to_string(bench::hazelden_workload("gru").baseline_limit) +
                          ")") != std::string::npos,
             gru.out.c_str());
    QVERIFY2(gru.out.find("(default gru:in=10,hidden=64,steps=15)") != std::string::npos, gru.out.c_str());
  }

  void docsOptionTablesAreGenerated() {
    const std::string doc = slurp(std::string(TS_SOURCE_DIR) + "/docs/CLI.md");
    const std::string begin = "<!-- generated: tangentscope-cli help options -->\n";
    const std::string end = "<!-- /generated -->";
    const auto a = doc.find(begin), b = doc.find(end);
    QVERIFY2(a != std::string::npos && b != std::string::npos, "docs/CLI.md has no generated part");
    const std::string generated = doc.substr(a + begin.size(), b - a - begin.size());
    const Run r = run_cli({"help", "options"});
    QCOMPARE(r.code, 0);
    QVERIFY2(generated == r.out,
             "docs/CLI.md is out of date: run scripts/docs-options (tangentscope-cli help options)");
  }
};

}  // namespace test_catalogs

TS_TEST_MAIN(test_catalogs::TestCatalogs, everyDataSourceLoads, everyModelKindAndActivationBuilds,
             everyMetricComputes, strategiesAndTheirDefaults, optionDefaultsAreAccepted,
             choicesAndRangesAreValidatedByTheParser, commandDefaultsAreTheEngines,
             benchmarkDefaultsAreTheOnesTheyRunWith, docsOptionTablesAreGenerated)
#ifdef TS_HAVE_QT
#include "test_catalogs.moc"
#endif
