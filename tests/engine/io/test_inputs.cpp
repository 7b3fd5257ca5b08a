// Data loading and every bad-input path: each a clear error naming the input and the problem.
#include <ATen/ATen.h>

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "EngineTestConfig.h"
#include "TestHarness.h"
#include "autodiff/TangentMap.h"
#include "core/ErrorText.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "core/JsonFields.h"
#include "core/Numbers.h"
#include "core/TorchUtil.h"
#include "data/Data.h"
#include "io/OutputFiles.h"
#include "io/Spec.h"
#include "models/Model.h"

using namespace ts;

namespace test_inputs {

namespace {

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = std::string(TS_TEST_TMP) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// A struct with every kind of member a fields list names (core/JsonFields.h).
struct Sample {
  std::string name;
  int64_t count = 0;
  std::optional<double> exact;
  std::optional<double> error;
  std::string note;
  std::vector<int64_t> shape;
  double seconds = 0;
  std::string config_seed = "0";
  Json extra = "inf";  // a member kept as JSON as it is
};

template <class V>
void fields(V& v, Sample& s) {
  v("name", s.name);
  v("count", s.count, integers(0, 100));
  v("exact", s.exact);
  v.nullable("error", s.error);
  v.omit_empty("note", s.note);
  v.omit_empty("shape", s.shape);
  v.derived("twice", 2 * s.count);
  v.object("config", [&](auto& c) { c("seed", s.config_seed); });
  v("extra", s.extra);
}

}  // namespace

class TestInputs : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void csvWithHeaderAndLabels() {
    const std::string p = write_file("good.csv", "a,b,c,label\n1,2,3,0\n4,5,6.5,2\n\n7,8,9,1\n");
    const Dataset d = load_csv(p, "last");
    QCOMPARE(d.size(), int64_t(3));
    QCOMPARE(d.input_shape(), std::vector<int64_t>{3});
    QCOMPARE(d.num_classes, int64_t(3));
    TS_CHECK_CLOSE(d.inputs[1][2].item<double>(), 6.5, 0.0, 0.0);
    QCOMPARE(d.labels[1].item<int64_t>(), int64_t(2));
    const Dataset e = load_data("csv:" + p + ",label=last", {}, 0);
    QCOMPARE(e.size(), int64_t(3));
    const Dataset f = load_data("csv:" + write_file("noheader.csv", "1,2\n3,4\n"), {}, 0);
    QCOMPARE(f.size(), int64_t(2));
    QVERIFY(!f.labels.defined());
  }

  void csvErrors() {
    TS_EXPECT_THROW(InputError, load_csv(write_file("bad1.csv", "1,2,3\n4,x,6\n"), ""),
                    "line 2 column 2: 'x' is not a number");
    TS_EXPECT_THROW(InputError, load_csv(write_file("bad2.csv", "1,2,3\n4,5\n"), ""), "ragged");
    TS_EXPECT_THROW(InputError, load_csv(write_file("bad3.csv", "1,2\nnan,3\n"), ""), "NaN");
    TS_EXPECT_THROW(InputError, load_csv(write_file("bad4.csv", "1,2\n3,0.5\n"), "last"),
                    "is not an integer between 0 and 2^53");
    TS_EXPECT_THROW(InputError, load_csv(std::string(TS_TEST_TMP) + "/missing.csv", ""), "not found");
    TS_EXPECT_THROW(InputError, load_csv(write_file("empty.csv", "\n\n"), ""), "no data rows");
    TS_EXPECT_THROW(InputError, load_data("csv:" + write_file("w.csv", "1,2,3\n"), {4}, 0),
                    "model takes [4]");
  }

  void randomDataIsSeeded() {
    const Dataset a = load_data("random:n=5,shape=3x2,seed=4", {}, 0);
    const Dataset b = load_data("random:n=5,shape=3,2,seed=4", {}, 0);
    const Dataset c = load_data("random:n=5,shape=3x2,seed=5", {}, 0);
    QCOMPARE(a.input_shape(), (std::vector<int64_t>{3, 2}));
    QVERIFY(at::equal(a.inputs, b.inputs));
    QVERIFY(!at::equal(a.inputs, c.inputs));
    TS_EXPECT_THROW(InputError, load_data("random:n=5,shape=3,colour=red", {}, 0), "unknown key 'colour'");
    TS_EXPECT_THROW(InputError, load_data("pictures:n=5", {}, 0), "is not one of random, csv, digits");
  }

  void badModelFiles() {
    TS_EXPECT_THROW(InputError, load_torchscript(std::string(TS_TEST_TMP) + "/nope.pt", {5}),
                    "file not found");
    TS_EXPECT_THROW(InputError, load_torchscript(test::fixtures() + "/corrupt.pt", {5}), "cannot be loaded");
    TS_EXPECT_THROW(InputError, load_torchscript(test::fixtures() + "/not_a_model.pt", {5}),
                    "cannot be loaded");
    TS_EXPECT_THROW(InputError, load_torchscript(test::fixtures() + "/tiny_mlp.pt", {}), "input-shape");
  }

  void inputShapeThatDoesNotFit() {
    auto model = load_torchscript(test::fixtures() + "/tiny_mlp.pt", {4});  // the module takes 5 features
    model->to(at::TensorOptions().dtype(at::kDouble));
    TS_EXPECT_THROW(InputError, TangentMap(model, at::zeros({3, 4}, at::kDouble)),
                    "rejects an input batch of shape [3,4]");
    auto mlp = make_model("mlp:in=6,width=4,depth=2,out=2", {}, test::config());
    TS_EXPECT_THROW(InputError, TangentMap(mlp, at::zeros({3, 5}, mlp->options())),
                    "takes inputs of shape [6]");
    TS_EXPECT_THROW(InputError, make_model("mlp:in=6,width=4", {5}, test::config()),
                    "has 5 values but the MLP takes in=6");
  }

  void nanOutputsAreNamed() {
    auto mlp = make_model("mlp:in=3,width=4,depth=2,out=2", {}, test::config());
    auto params = mlp->parameters();
    params[0] = at::full_like(params[0], NAN);
    mlp->set_parameters(params);
    TS_EXPECT_THROW(NumericalError, TangentMap(mlp, at::ones({2, 3}, mlp->options())), "NaN or Inf");
  }

  void badSpecs() {
    TS_EXPECT_THROW(InputError, make_model("mlp:in=4,wdth=3", {}, test::config()), "unknown key 'wdth'");
    TS_EXPECT_THROW(InputError, make_model("mlp:in=4,act=swish", {}, test::config()), "activation 'swish'");
    TS_EXPECT_THROW(InputError, make_model("mlp:in=4,width=abc", {}, test::config()), "needs an integer");
    TS_EXPECT_THROW(InputError, make_model("resnet:depth=3", {}, test::config()), "is not mlp");
    TS_EXPECT_THROW(InputError, make_model("gru:in=3,hidden=4", {5, 2}, test::config()),
                    "a GRU input is [steps, in]");
    TS_EXPECT_THROW(InputError, parse_shape("3,-1", "--input-shape"), "positive integers");
    ComputeConfig c = test::config();
    c.dtype = "float16";
    TS_EXPECT_THROW(InputError, make_model("mlp:in=4", {}, c), "dtype 'float16'");
    c = test::config();
    c.device = "tpu";
    TS_EXPECT_THROW(InputError, make_model("mlp:in=4", {}, c), "device 'tpu'");
  }

  void unwritableExport() {
    auto mlp = make_model("mlp:in=3,width=4,depth=2,out=2", {}, test::config());
    TS_EXPECT_THROW(InputError, mlp->save_torchscript("/nonexistent-dir/x.pt"),
                    "cannot write '/nonexistent-dir/x.pt'");
  }

  // A multi-file output is one set: on a full disk every earlier file stays as it was and no partial file is
  // left; two outputs with one path are refused; a folder one run writes into is refused to a second.
  void outputSetsPublishTogether() {
    namespace fs = std::filesystem;
    const std::string dir = std::string(TS_TEST_TMP) + "/file-set";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string a = dir + "/K.npy", b = dir + "/J.npy";
    {
      FileSet first;
      first.add(a, std::string(1000, 'a'), "--out");
      first.add(b, std::string(1000, 'b'), "--factor-out");
      QCOMPARE(first.publish().size(), size_t(2));
    }
    set_disk_free_fault(1500);  // K fits, J does not
    FileSet second;
    second.add(a, std::string(1000, 'A'), "--out");
    second.add(b, std::string(1000, 'B'), "--factor-out");
    TS_EXPECT_THROW(InputError, second.publish(), "disk full?");
    set_disk_free_fault(-1);
    auto content = [](const std::string& p) {
      std::ifstream f(p, std::ios::binary);
      return std::string(std::istreambuf_iterator<char>(f), {});
    };
    QCOMPARE(content(a), std::string(1000, 'a'));  // the earlier set, untouched
    QCOMPARE(content(b), std::string(1000, 'b'));
    QCOMPARE(int(std::distance(fs::directory_iterator(dir), fs::directory_iterator())), 2);  // no leftovers
    FileSet same;
    same.add(a, "x", "--out");
    TS_EXPECT_THROW(InputError, same.add(dir + "/./K.npy", "y", "--factor-out"),
                    "--out and --factor-out name the same file");
    TS_EXPECT_THROW(InputError,
                    check_distinct_outputs({a, "", dir + "/../file-set/K.npy"}, {"--out", "--x", "--eig"}),
                    "--out and --eig name the same file");

    // A run folder: staged files are published only by commit, and a second run is kept out meanwhile.
    const std::string run = dir + "/run";
    {
      OutputFolder out(run);
      out.write_text("train.json", "{\"run\": 1}");
      TS_EXPECT_THROW(InputError, OutputFolder(run), "is in use by another run");
      out.commit();
    }
    QCOMPARE(content(run + "/train.json"), std::string("{\"run\": 1}"));
    {
      OutputFolder out(run);  // free again once the first is gone
      out.write_text("train.json", std::string(5000, ' ') + "{\"run\": 2}");
      set_disk_free_fault(5);  // the manifest no longer fits: nothing is published
      TS_EXPECT_THROW(InputError, out.commit(), "disk full?");
      set_disk_free_fault(-1);
    }
    QCOMPARE(content(run + "/train.json"), std::string("{\"run\": 1}"));
    for (const auto& e : fs::directory_iterator(run))
      QVERIFY2(e.path().filename().string().find("staging") == std::string::npos, e.path().c_str());
  }

  // FIFOs, sockets and devices are refused before they are opened (opening a FIFO blocks), and symbolic
  // links that loop are named.
  void specialFilesRefused() {
    namespace fs = std::filesystem;
    const std::string dir = std::string(TS_TEST_TMP) + "/special";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string fifo = dir + "/data.npy";
    QVERIFY(::mkfifo(fifo.c_str(), 0600) == 0);
    for (const std::string& spec : {"npy:" + fifo, "npz:" + fifo, "csv:" + fifo})
      TS_EXPECT_THROW(InputError, load_data(spec, {}, 0), "FIFO");
    TS_EXPECT_THROW(InputError, read_idx(fifo), "FIFO");
    const std::string fifo_model = dir + "/model.pt";
    QVERIFY(::mkfifo(fifo_model.c_str(), 0600) == 0);
    TS_EXPECT_THROW(InputError, make_model(fifo_model, {3}, test::config()), "FIFO");
    TS_EXPECT_THROW(InputError, load_data("csv:/dev/zero", {}, 0), "device");
    // An image folder whose class folder links back to the folder itself, and a link to itself.
    const std::string images = dir + "/images";
    fs::create_directories(images + "/cat");
    fs::create_directory_symlink("..", images + "/cat/loop");
    std::ofstream(images + "/cat/a.png") << "x";
    TS_EXPECT_THROW(InputError, load_data("images:" + images, {}, 0),
                    "leads back to a folder that contains it");
    fs::remove(images + "/cat/loop");
    fs::create_symlink(images + "/cat/self", images + "/cat/self");
    TS_EXPECT_THROW(InputError, load_data("images:" + images, {}, 0), "leads to itself");
  }

  // An allocation that fails says how much it needed and how much is free, never the allocator's words.
  void allocationFailuresExplained() {
    const std::string bad = error_text(std::bad_alloc());
    QVERIFY2(bad.find("not enough memory") == 0, bad.c_str());
    QVERIFY2(bad.find("free") != std::string::npos, bad.c_str());
    const std::runtime_error torch(
        "[enforce fail at alloc_cpu.cpp:75] data. DefaultCPUAllocator: not enough memory: you tried to "
        "allocate "
        "8589934592 bytes.");
    const std::string t = error_text(torch);
    QVERIFY2(t.find("needs 8.00 GiB") != std::string::npos, t.c_str());
    QVERIFY2(t.find("enforce") == std::string::npos, t.c_str());
    QCOMPARE(error_text(InputError("first\nsecond")), std::string("first"));
    // A real one: LibTorch's allocator asked for far more than the machine has.
    try {
      auto huge = at::empty({int64_t(1) << 50}, at::kDouble);
      QFAIL("an allocation of 8 PiB succeeded");
    } catch (const std::exception& e) {
      const std::string m = error_text(e);
      QVERIFY2(m.find("not enough memory") == 0, m.c_str());
    }
  }

  // Every spec value is checked before any work, and sizes before any allocation, naming the key and the
  // range.
  void specValuesRangeChecked() {
    const std::vector<std::pair<std::string, std::string>> data_cases{
        {"moons:size=10,size=20", "key 'size' is given twice"},
        {"moons:size=10,n=500", "give n or size, not both"},
        {"random:n=5,shape=3,classes=-2", "key 'classes' must be between 0 and 100000, got -2"},
        {"moons:noise=-1", "key 'noise' must be between 0 and"},
        {"random:n=5,shape=3,seed=18446744073709551616", "from 0 to 18446744073709551615"},
        {"random:n=5,shape=3,seed=-1", "from 0 to 18446744073709551615"},
        {"csv:/tmp/x.csv,header=maybe", "header must be auto, yes or no, got 'maybe'"},
        {"moons:data.csv", "'data.csv' is not key=value"},
    };
    for (const auto& [spec, needle] : data_cases) TS_EXPECT_THROW(InputError, load_data(spec, {}, 0), needle);
    TS_EXPECT_THROW(MemoryBudgetError, load_data("random:n=1000000000000,shape=3", {}, 0), "--memory-budget");
    // The largest seed is taken exactly, and it is not the seed 2^64 − 2.
    const Dataset a = load_data("random:n=3,shape=2,seed=18446744073709551615", {}, 0);
    const Dataset b = load_data("random:n=3,shape=2,seed=18446744073709551614", {}, 0);
    QVERIFY(!at::equal(a.inputs, b.inputs));
    TS_EXPECT_THROW(MemoryBudgetError,
                    make_model("mlp:in=64,width=1000000,depth=3,out=10", {}, test::config()),
                    "over the memory budget");
    TS_EXPECT_THROW(MemoryBudgetError, make_model("mlp:in=4,depth=1000000000000", {}, test::config()),
                    "--memory-budget");
    TS_EXPECT_THROW(InputError, make_model("mlp:in=4,depth=0", {}, test::config()),
                    "key 'depth' must be between 1 and");
    TS_EXPECT_THROW(InputError, make_model("gru:in=3,hidden=-5", {}, test::config()),
                    "key 'hidden' must be between 1");
  }

  // JSON (nlohmann-json behind parse_json/json_text) keeps 64-bit integers (seeds) exactly, decodes \u
  // escapes to UTF-8, refuses bad escapes with a message naming the input, writes NaN as null and replaces
  // bytes that are not UTF-8 instead of failing a whole result file.
  void jsonKeepsSeedsAndUnicode() {
    Json j = Json::object();
    j["seed"] = uint64_t(18446744073709551615ull);
    j["low"] = int64_t(INT64_MIN);
    j["x"] = 0.1;
    j["nan"] = std::nan("");
    j["path"] = std::string("caf\xe9.pt");  // Latin-1, not UTF-8
    const std::string text = json_text(j);
    const Json r = parse_json(text, "round trip");
    QCOMPARE(json_unsigned(r.at("seed"), "seed"), uint64_t(18446744073709551615ull));
    QCOMPARE(r.at("low").get<int64_t>(), int64_t(INT64_MIN));
    QCOMPARE(r.at("x").get<double>(), 0.1);
    QVERIFY(r.at("nan").is_null());
    QCOMPARE(r.at("path").get<std::string>(), std::string("caf\xef\xbf\xbd.pt"));
    QCOMPARE(json_text(r), text);
    QVERIFY(text.find("18446744073709551615") != std::string::npos);
    QCOMPARE(parse_json("\"\\u00e9\\ud83d\\ude00\\/\\b\"").get<std::string>(),
             std::string("\u00e9\U0001F600/\b"));
    TS_EXPECT_THROW(InputError, parse_json("\"\\ud83d\"", "spec.json"), "spec.json is not valid JSON");
    TS_EXPECT_THROW(InputError, parse_json("\"\\ud83d\"", "spec.json"), "surrogate");
    TS_EXPECT_THROW(InputError, parse_json("\"\\uzzzz\""), "must be followed by 4 hex digits");
    TS_EXPECT_THROW(InputError, parse_json("\"\\q\""), "forbidden character after backslash");
    TS_EXPECT_THROW(InputError, parse_json("{\"a\": 1,}"), "syntax error while parsing object key");
    TS_EXPECT_THROW(InputError, parse_json("[1e308, -1e309]", "w.json"),
                    "w.json is not valid JSON");  // overflow
    TS_EXPECT_THROW(InputError, json_unsigned(parse_json("-1"), "--seed"),
                    "--seed must be an integer from 0");
    TS_EXPECT_THROW(InputError, json_unsigned(parse_json("0.5"), "--seed"),
                    "--seed must be an integer from 0");
  }

  // A fields list writes and reads one struct: optional members only when set, empty ones left out, nulls
  // kept, derived members written and not read, nested objects both ways, and every refusal named by path.
  void fieldListsWriteAndRead() {
    Sample s;
    s.name = "a";
    s.count = 3;
    const Json bare = write_fields(s);
    QCOMPARE(
        bare.dump(),
        std::string(R"({"name":"a","count":3,"error":null,"twice":6,"config":{"seed":"0"},"extra":"inf"})"));
    s.exact = 1.5;
    s.note = "n";
    s.shape = {2, 3};
    s.config_seed = "7";
    s.extra = Json::array({1, "two"});
    const Json full = write_fields(s);
    Sample back;
    read_fields(JsonField(full, "sample"), back);
    QCOMPARE(write_fields(back).dump(), full.dump());  // the same list both ways
    QCOMPARE(back.shape.size(), size_t(2));
    QCOMPARE(back.config_seed, std::string("7"));
    QCOMPARE(back.extra.dump(), std::string(R"([1,"two"])"));
    Json changed = full;
    changed["twice"] = 99;  // derived: not read back
    read_fields(JsonField(changed, "sample"), back);
    QCOMPARE(write_fields(back)["twice"].get<int64_t>(), int64_t(6));
    Json bad = full;
    bad["config"]["seed"] = 1;
    TS_EXPECT_THROW(InputError, read_fields(JsonField(bad, "sample"), back), "sample: config.seed");
    bad = full;
    bad["count"] = 101;
    TS_EXPECT_THROW(InputError, read_fields(JsonField(bad, "sample"), back), "count");
    bad = full;
    bad.erase("config");
    TS_EXPECT_THROW(InputError, read_fields(JsonField(bad, "sample"), back), "config");
  }

  // Values with errors as a measurement is written: the error to two significant digits, the value to the
  // same place, whatever the locale; a shared power of ten at the extremes.
  void numbersByTheirUncertainty() {
    QCOMPARE(format_uncertain(5094.746271, 16.6), std::string("5095 ± 17"));
    QCOMPARE(format_uncertain(0.9941234, 0.00031), std::string("0.99412 ± 0.00031"));
    QCOMPARE(format_uncertain(72952.91, 587.8), std::string("72950 ± 590"));
    QCOMPARE(format_uncertain(12.3456, 9.96), std::string("12 ± 10"));  // 9.96 rounds to two digits: 10
    QCOMPARE(format_uncertain(-3.14159, 0.0123), std::string("-3.142 ± 0.012"));
    QCOMPARE(format_uncertain(123456789.0, 45678.0), std::string("(1.23457 ± 0.00046)e+08"));
    QCOMPARE(format_uncertain(0.000123456, 0.0000021), std::string("(1.235 ± 0.021)e-04"));
    QCOMPARE(format_uncertain(2.5, 0.0), std::string("2.5"));  // no error: the value alone
    QCOMPARE(format_uncertain(2.5, std::nan("")), std::string("2.5"));
    QCOMPARE(format_uncertain(std::nan(""), 1.0), std::string("nan"));
    // Memory sizes as the CLI and the Preferences dialog read them, in the C locale.
    QCOMPARE(parse_memory_size("512M", "x"), int64_t(512) << 20);
    QCOMPARE(parse_memory_size("4G", "x"), int64_t(4) << 30);
    QCOMPARE(parse_memory_size(format_bytes(double(int64_t(4) << 30)), "x"), int64_t(4) << 30);  // "4.00 GiB"
    QCOMPARE(parse_memory_size("1e3K", "x"), int64_t(1024000));
    QCOMPARE(parse_memory_size("2048", "x"), int64_t(2048));
    TS_EXPECT_THROW(InputError, parse_memory_size("16E", "--memory-budget"),
                    "--memory-budget: '16E' is not a size");
    TS_EXPECT_THROW(InputError, parse_memory_size("4,5G", "budget"), "not a size");
    TS_EXPECT_THROW(InputError, parse_memory_size("-1G", "budget"), "not a positive size");
  }
};

}  // namespace test_inputs

TS_TEST_MAIN(test_inputs::TestInputs, csvWithHeaderAndLabels, csvErrors, randomDataIsSeeded, badModelFiles,
             inputShapeThatDoesNotFit, nanOutputsAreNamed, badSpecs, unwritableExport, specValuesRangeChecked,
             jsonKeepsSeedsAndUnicode, fieldListsWriteAndRead, numbersByTheirUncertainty,
             outputSetsPublishTogether, specialFilesRefused, allocationFailuresExplained)
#ifdef TS_HAVE_QT
#include "test_inputs.moc"
#endif
