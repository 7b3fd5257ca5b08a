// Arrays as Python users have them: NumPy's .npy and .npz files as NumPy writes them
// (tests/fixtures/make_numpy_fixtures.py) and broken ones, and generated CIFAR-10/100 binary batches.
#include <ATen/ATen.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "TestHarness.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "data/Data.h"
#include "data/NumpyFiles.h"
#include "data/ZipArchive.h"

using namespace ts;

namespace test_array_files {

namespace {

std::string tmp(const std::string& name) { return std::string(TS_TEST_TMP) + "/" + name; }

std::string npy_fixture(const std::string& name) { return std::string(TS_FIXTURE_DIR) + "/numpy/" + name; }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  if (at == std::string::npos) throw std::runtime_error("test setup: '" + from + "' not found");
  return s.replace(at, from.size(), to);
}

// A version 1.0 .npy file with the header dict `dict` (padded as NumPy pads it) and the raw `payload`.
std::string make_npy(const std::string& dict, const std::string& payload) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += char(header.size() & 0xff);
  out += char(header.size() >> 8);
  return out + header + payload;
}

std::string le(uint64_t v, int bytes) {
  std::string s;
  for (int i = 0; i < bytes; ++i) s += char((v >> (8 * i)) & 0xff);
  return s;
}

// Raw deflate (RFC 1951): zlib's stream without its 2-byte header and 4-byte Adler-32 trailer.
std::string raw_deflate(const std::string& data) {
  uLongf size = compressBound(static_cast<uLong>(data.size()));
  std::string out(size, '\0');
  compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(data.data()),
            static_cast<uLong>(data.size()), 9);
  return out.substr(2, size - 6);
}

struct TestMember {
  std::string name, data;
  uint16_t method = 0;  // 0 stored, 8 deflated (data compressed here), anything else written as given
  uint16_t flags = 0;
};

// A zip archive as APPNOTE describes it; with zip64, every size and offset goes through the ZIP64 extra
// fields and end records (what a writer does for members over 4 GiB).
std::string make_zip(const std::vector<TestMember>& members, bool zip64, const std::string& comment = "") {
  std::string body, directory;
  for (const auto& m : members) {
    const std::string stored = m.method == 8 ? raw_deflate(m.data) : m.data;
    const uint32_t crc = static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(m.data.data()), static_cast<uInt>(m.data.size())));
    const uint64_t offset = body.size();
    const std::string sizes =
        zip64 ? le(0xffffffffu, 4) + le(0xffffffffu, 4) : le(stored.size(), 4) + le(m.data.size(), 4);
    const std::string local_extra =
        zip64 ? le(1, 2) + le(16, 2) + le(m.data.size(), 8) + le(stored.size(), 8) : "";
    body += le(0x04034b50, 4) + le(45, 2) + le(m.flags, 2) + le(m.method, 2) + le(0, 2) + le(0x21, 2) +
            le(crc, 4) + sizes + le(m.name.size(), 2) + le(local_extra.size(), 2) + m.name + local_extra +
            stored;
    const std::string extra =
        zip64 ? le(1, 2) + le(24, 2) + le(m.data.size(), 8) + le(stored.size(), 8) + le(offset, 8) : "";
    directory += le(0x02014b50, 4) + le(45, 2) + le(45, 2) + le(m.flags, 2) + le(m.method, 2) + le(0, 2) +
                 le(0x21, 2) + le(crc, 4) + sizes + le(m.name.size(), 2) + le(extra.size(), 2) + le(0, 2) +
                 le(0, 2) + le(0, 2) + le(0, 4) + le(zip64 ? 0xffffffffu : offset, 4) + m.name + extra;
  }
  const uint64_t dir_offset = body.size(), n = members.size();
  std::string out = body + directory;
  if (zip64) {
    const uint64_t record = out.size();
    out += le(0x06064b50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4) + le(n, 8) + le(n, 8) +
           le(directory.size(), 8) + le(dir_offset, 8);
    out += le(0x07064b50, 4) + le(0, 4) + le(record, 8) + le(1, 4);
    out += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(0xffff, 2) + le(0xffff, 2) + le(0xffffffffu, 4) +
           le(0xffffffffu, 4);
  } else {
    out += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(n, 2) + le(n, 2) + le(directory.size(), 4) +
           le(dir_offset, 4);
  }
  return out + le(comment.size(), 2) + comment;
}

// Bitwise equality of two float64 tensors (so −0.0 and 0.0 differ), with their shapes.
bool same_bits(const at::Tensor& a, const at::Tensor& b) {
  return a.sizes() == b.sizes() && a.scalar_type() == at::kDouble && b.scalar_type() == at::kDouble &&
         std::memcmp(a.contiguous().data_ptr<double>(), b.contiguous().data_ptr<double>(),
                     static_cast<size_t>(a.numel()) * sizeof(double)) == 0;
}

// A CIFAR record: label byte(s), then the R, G and B planes. Pixel (c, y, x) of record `i` is
// (i + 7c + 3y + x) % 256, except record 0, whose planes are constant: R 255, G 0, B 128.
std::string cifar_record(int64_t i, const std::vector<uint8_t>& labels) {
  std::string r(labels.begin(), labels.end());
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 32; ++y)
      for (int x = 0; x < 32; ++x)
        r += char(i == 0 ? (c == 0 ? 255 : c == 1 ? 0 : 128) : (i + 7 * c + 3 * y + x) % 256);
  return r;
}

}  // namespace

class TestArrayFiles : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // Every array NumPy wrote (tests/fixtures/make_numpy_fixtures.py): each dtype with its extremes, both byte
  // orders, Fortran order, format versions 1.0, 2.0 and 3.0, read bit for bit as NumPy converts to float64.
  void npyRoundTrips() {
    const Json ref = parse_json(slurp(npy_fixture("reference.json")), "NumPy reference.json");
    int checked = 0;
    bool fortran = false, big_endian = false, half = false, v2 = false, v3 = false;
    for (const auto& [name, e] : ref.at("arrays").items()) {
      const NpyArray a = read_npy_file(npy_fixture(e.at("file").get<std::string>()), int64_t(1) << 30);
      const auto shape = e.at("shape").get<std::vector<int64_t>>();
      const at::Tensor want =
          at::tensor(e.at("values").get<std::vector<double>>(), at::kDouble).reshape(shape);
      QVERIFY2(same_bits(a.values, want), name.c_str());
      const std::string descr = e.at("descr").get<std::string>();
      QCOMPARE(a.descr, descr);
      QCOMPARE(a.integral, descr[1] != 'f');
      fortran |= e.at("fortran_order").get<bool>();
      big_endian |= descr[0] == '>';
      half |= descr.substr(1) == "f2";
      v2 |= e.at("version").at(0).get<int>() == 2;
      v3 |= e.at("version").at(0).get<int>() == 3;
      ++checked;
    }
    QCOMPARE(checked, 25);
    QVERIFY(fortran && big_endian && half && v2 && v3);
    // f8_c.npy starts with float64's extremes, −0.0, the smallest subnormal: exact, sign of zero included.
    const at::Tensor f8 = read_npy_file(npy_fixture("f8_c.npy"), int64_t(1) << 30).values.reshape({-1});
    QCOMPARE(f8[1].item<double>(), -1.7976931348623157e308);
    QVERIFY(std::signbit(f8[2].item<double>()) && f8[2].item<double>() == 0.0);
    QCOMPARE(f8[3].item<double>(), 4.9406564584124654e-324);
    // Byte order '=' (native) reads as '<' on this machine.
    const std::string native = tmp("native.npy");
    spit(native, replaced(slurp(npy_fixture("f8_c.npy")), "'<f8'", "'=f8'"));
    QVERIFY(same_bits(read_npy_file(native, int64_t(1) << 30).values,
                      read_npy_file(npy_fixture("f8_c.npy"), int64_t(1) << 30).values));
  }

  // npy:PATH,labels=PATH as a data set: exact values, every label dtype, and the keys every kind takes.
  void npyDataSpecs() {
    const std::string x = npy_fixture("x.npy"), y = npy_fixture("y.npy");
    const Dataset d = load_data("npy:" + x + ",labels=" + y, {}, 0);
    QCOMPARE(d.size(), int64_t(12));
    QCOMPARE(d.input_shape(), std::vector<int64_t>{4});
    QCOMPARE(d.num_classes, int64_t(3));
    QCOMPARE(d.class_names, (std::vector<std::string>{"0", "1", "2"}));
    for (int64_t i = 0; i < 12; ++i) {  // x = (arange(48) − 20) / 8 in float32, y = i mod 3
      QCOMPARE(d.labels[i].item<int64_t>(), i % 3);
      for (int64_t j = 0; j < 4; ++j)
        QCOMPARE(d.inputs[i][j].item<double>(), (4.0 * double(i) + double(j) - 20) / 8);
    }
    QVERIFY2(d.description.find("12 inputs of shape [4] (<f4), 3 classes") != std::string::npos,
             d.description.c_str());
    for (const char* labels : {"y_u1.npy", "y_f4.npy", "y_col.npy"}) {
      const Dataset e = load_data("npy:" + x + ",labels=" + npy_fixture(labels), {}, 0);
      QVERIFY2(at::equal(e.labels, d.labels), labels);
    }
    // n= is a seeded subset stratified by class; standardize=1; the model's shape when the sizes agree.
    const Dataset s = load_data("npy:" + x + ",labels=" + y + ",n=6,seed=2", {}, 0);
    QCOMPARE(s.size(), int64_t(6));
    QCOMPARE(at::bincount(s.labels).min().item<int64_t>(), int64_t(2));
    QVERIFY(at::equal(s.inputs, load_data("npy:" + x + ",labels=" + y + ",n=6,seed=2", {}, 0).inputs));
    const Dataset st = load_data("npy:" + x + ",standardize=1", {2, 2}, 0);
    QCOMPARE(st.input_shape(), (std::vector<int64_t>{2, 2}));
    QVERIFY(!st.labels.defined());
    TS_CHECK_CLOSE(st.inputs.mean(0).abs().max().item<double>(), 0.0, 0.0, 1e-12);
    TS_EXPECT_THROW(InputError, load_data("npy:" + x, {5}, 0), "each input has 4 values");
    TS_EXPECT_THROW(InputError, load_data("npy:" + x + ",label=" + y, {}, 0), "unknown key 'label'");
    TS_EXPECT_THROW(InputError, load_data("npy:", {}, 0), "missing required key 'path'");
    // A 1-D array is N inputs of one value; a Fortran-order [N, 3, H, W] array is images.
    const Dataset one = load_data("npy:" + npy_fixture("one_d.npy"), {}, 0);
    QCOMPARE(one.input_shape(), std::vector<int64_t>{1});
    QCOMPARE(one.size(), int64_t(6));
    const Dataset img = load_data("npy:" + npy_fixture("f8_fortran_4d.npy") + ",n=1", {}, 0);
    QCOMPARE(img.image_shape, (std::vector<int64_t>{3, 4, 5}));
    QCOMPARE(img.size(), int64_t(1));
  }

  // npz:PATH as np.savez (stored), np.savez_compressed (deflated) and a streamed writer (data descriptors)
  // write it: the same values as the .npy files; keys chosen, defaulted and listed.
  void npzArchives() {
    const Dataset ref = load_data("npy:" + npy_fixture("x.npy") + ",labels=" + npy_fixture("y.npy"), {}, 0);
    for (const char* name : {"data.npz", "data_c.npz", "streamed.npz"}) {
      const std::string path = npy_fixture(name);
      const Dataset d = load_data("npz:" + path, {}, 0);  // x and y by default
      QVERIFY2(same_bits(d.inputs, ref.inputs), name);
      QVERIFY2(d.labels.defined() && at::equal(d.labels, ref.labels), name);
      QCOMPARE(d.num_classes, int64_t(3));
      const Dataset e = load_data("npz:" + path + ",x=x,y=none,n=5", {}, 0);
      QCOMPARE(e.size(), int64_t(5));
      QVERIFY(!e.labels.defined());
      QCOMPARE(npz_keys(path), (std::vector<std::string>{"x", "y"}));
    }
    // One positional array (arr_0) is the default; named keys are chosen with x= and y=.
    const Dataset single = load_data("npz:" + npy_fixture("single.npz"), {}, 0);
    QVERIFY(same_bits(single.inputs, ref.inputs * 2));
    QVERIFY(!single.labels.defined());
    const std::string many = npy_fixture("many.npz");
    QCOMPARE(npz_keys(many), (std::vector<std::string>{"images", "labels", "extra"}));
    const Dataset m = load_data("npz:" + many + ",x=images,y=labels", {}, 0);
    QVERIFY(same_bits(m.inputs, ref.inputs) && at::equal(m.labels, ref.labels));
    TS_EXPECT_THROW(InputError, load_data("npz:" + many, {}, 0),
                    "has no array 'x': give x=KEY (and y=KEY for labels); its arrays: images, labels, extra");
    TS_EXPECT_THROW(InputError, load_data("npz:" + many + ",x=pixels", {}, 0),
                    "has no array 'pixels' (its arrays: images, labels, extra)");
    TS_EXPECT_THROW(InputError, load_data("npz:" + many + ",x=images,y=extra", {}, 0), "has 3 labels but");
    TS_EXPECT_THROW(InputError, load_data("npz:" + many + ",x=images,y=images", {}, 0), "the same array");
    // A 1.4 MB member: inflated across many input buffers and output chunks.
    QVERIFY(same_bits(read_npz_array(npy_fixture("big_c.npz"), "x", int64_t(1) << 30).values,
                      read_npy_file(npy_fixture("big.npy"), int64_t(1) << 30).values));
    // ZIP64 (every size and offset in the 64-bit fields and end records), with an archive comment; and a
    // plain archive with a comment.
    const std::string xb = slurp(npy_fixture("x.npy")), yb = slurp(npy_fixture("y.npy"));
    for (bool zip64 : {true, false}) {
      const std::string path = tmp(zip64 ? "zip64.npz" : "commented.npz");
      spit(path, make_zip({{"x.npy", xb, 0}, {"y.npy", yb, 8}}, zip64, "made by a test, PK\x05\x06 inside"));
      const Dataset z = load_data("npz:" + path, {}, 0);
      QVERIFY2(same_bits(z.inputs, ref.inputs) && at::equal(z.labels, ref.labels), path.c_str());
    }
  }

  // Broken .npy files and data sets: each refused with the file and the problem, before any allocation.
  void npyErrors() {
    const std::string dir = tmp("npy_bad");
    std::system(("mkdir -p " + dir).c_str());
    const int64_t budget = int64_t(1) << 30;
    const std::string good = slurp(npy_fixture("x.npy"));  // float32 (12, 4)
    spit(dir + "/cut.npy", good.substr(0, good.size() - 5));
    TS_EXPECT_THROW(InputError, read_npy_file(dir + "/cut.npy", budget),
                    "NumPy file '" + dir +
                        "/cut.npy': the header announces (12, 4) × 4 bytes = 192 bytes of data, "
                        "but there are 187 (truncated)");
    spit(dir + "/lying.npy", replaced(good, "(12, 4)", "(13, 4)"));
    TS_EXPECT_THROW(InputError, read_npy_file(dir + "/lying.npy", budget), "(truncated)");
    spit(dir + "/long.npy", good + "xyz");
    TS_EXPECT_THROW(InputError, read_npy_file(dir + "/long.npy", budget), "(trailing bytes)");
    spit(dir + "/magic.npy", replaced(good, "NUMPY", "NUMPZ"));
    TS_EXPECT_THROW(InputError, read_npy_file(dir + "/magic.npy", budget), "wrong magic");
    spit(dir + "/version.npy", replaced(good, std::string("NUMPY\x01", 6), std::string("NUMPY\x04", 6)));
    TS_EXPECT_THROW(InputError, read_npy_file(dir + "/version.npy", budget), "format version 4.0");
    spit(dir + "/tiny.npy", "\x93NU");
    TS_EXPECT_THROW(InputError, read_npy_file(dir + "/tiny.npy", budget), "too short");
    spit(dir + "/header_len.npy", good.substr(0, 8) + "\xff\xff" + good.substr(10, 40));
    TS_EXPECT_THROW(InputError, read_npy_file(dir + "/header_len.npy", budget),
                    "the header announces 65535 bytes");
    TS_EXPECT_THROW(InputError, read_npy_file(dir + "/absent.npy", budget), "not found");
    TS_EXPECT_THROW(InputError, read_npy_file(dir, budget), "is a folder");
    TS_EXPECT_THROW(InputError, read_npy_file(npy_fixture("data.npz"), budget), "use npz:PATH");
    // Header dicts NumPy would not read (numpy.lib.format's rules), each named.
    const std::string payload(16, '\0');
    const std::vector<std::pair<std::string, std::string>> headers{
        {"{'descr': '<f8', 'fortran_order': False, }", "no 'shape'"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1, }", "unexpected key 'extra'"},
        {"{'descr': '<f8', 'fortran_order': 'no', 'shape': (2,), }", "fortran_order must be True or False"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }", "non-negative integers"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), } junk", "text after the closing"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'shape': (2,)}", "'shape' is given twice"},
        {"['descr', '<f8']", "expected '{'"},
        {"{'descr': '<f8, 'fortran_order': False, 'shape': (2,)}", "bad header"},
        {"{'descr': 'f8', 'fortran_order': False, 'shape': (2,), }", "no byte order"},
        {"{'descr': '<f3', 'fortran_order': False, 'shape': (2,), }", "not a dtype this reader knows"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000, 4000000000, 4000000000), }",
         "announces more than 2^64 values"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000), }",
         "8000000000000 bytes of data, but there are 16 (truncated)"},
    };
    for (const auto& [dict, needle] : headers) {
      spit(dir + "/header.npy", make_npy(dict, payload));
      TS_EXPECT_THROW(InputError, read_npy_file(dir + "/header.npy", budget), needle);
    }
    spit(dir + "/ok.npy",
         make_npy("{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2,)}", payload));
    QCOMPARE(read_npy_file(dir + "/ok.npy", budget).values.numel(), int64_t(2));
    // dtypes NumPy writes that are not numbers this tool reads.
    const std::vector<std::pair<std::string, std::string>> dtypes{
        {"object.npy", "an object array"},       {"structured.npy", "a structured dtype"},
        {"complex.npy", "complex numbers"},      {"text.npy", "holds text"},
        {"datetime.npy", "dates or time spans"}, {"longdouble.npy", "long double"}};
    for (const auto& [file, needle] : dtypes)
      TS_EXPECT_THROW(InputError, read_npy_file(npy_fixture(file), budget), needle);
    // Arrays that are no data set, and labels that are no labels.
    const std::string x = npy_fixture("x.npy");
    TS_EXPECT_THROW(InputError, load_data("npy:" + npy_fixture("scalar.npy"), {}, 0), "holds a single value");
    TS_EXPECT_THROW(InputError, load_data("npy:" + npy_fixture("empty.npy"), {}, 0), "holds no samples");
    TS_EXPECT_THROW(InputError, load_data("npy:" + npy_fixture("nan.npy"), {}, 0), "sample 5 holds NaN");
    TS_EXPECT_THROW(InputError, load_data("npy:" + x + ",labels=" + npy_fixture("y_negative.npy"), {}, 0),
                    "label -1 at index 7 is negative");
    TS_EXPECT_THROW(InputError, load_data("npy:" + x + ",labels=" + npy_fixture("y_fraction.npy"), {}, 0),
                    "label 1.5 at index 4 is not an integer");
    TS_EXPECT_THROW(InputError, load_data("npy:" + x + ",labels=" + npy_fixture("y_short.npy"), {}, 0),
                    "has 11 labels but NumPy file '" + x + "' has 12 samples");
    TS_EXPECT_THROW(InputError, load_data("npy:" + x + ",labels=" + x, {}, 0), "labels must have shape (N,)");
    // Over --memory-budget: refused from the header (1.4 MB of values, a 1 MiB budget).
    TS_EXPECT_THROW(MemoryBudgetError, load_data("npy:" + npy_fixture("big.npy"), {}, 0, int64_t(1) << 20),
                    "--memory-budget");
    TS_EXPECT_THROW(MemoryBudgetError, load_data("npz:" + npy_fixture("big_c.npz"), {}, 0, int64_t(1) << 20),
                    "--memory-budget");
  }

  // Broken .npz archives: bad zip structure, corrupt compressed data, lying sizes, unsupported members.
  void npzErrors() {
    const std::string dir = tmp("npz_bad");
    std::system(("mkdir -p " + dir).c_str());
    auto patch = [](std::string s, size_t at, uint64_t v, int bytes) {
      return s.replace(at, bytes, le(v, bytes));
    };
    auto first_data = [](const std::string& zip) {  // the first member's data, after its local header
      return 30 + (uint8_t(zip[26]) | (uint8_t(zip[27]) << 8)) + (uint8_t(zip[28]) | (uint8_t(zip[29]) << 8));
    };
    // A deflate stream whose first block has the reserved type 3.
    std::string zc = slurp(npy_fixture("data_c.npz"));
    std::string bad = zc;
    bad[first_data(bad)] = char(bad[first_data(bad)] | 0x06);
    spit(dir + "/deflate.npz", bad);
    TS_EXPECT_THROW(InputError, load_data("npz:" + dir + "/deflate.npz", {}, 0),
                    "NumPy archive '" + dir + "/deflate.npz' member 'x.npy': corrupt deflate stream (zlib: ");
    // A changed byte in stored data: a valid array, caught by the CRC-32.
    std::string zs = slurp(npy_fixture("data.npz"));
    bad = zs;
    bad[first_data(bad) + 319] = char(bad[first_data(bad) + 319] ^ 0x01);
    spit(dir + "/crc.npz", bad);
    TS_EXPECT_THROW(InputError, load_data("npz:" + dir + "/crc.npz", {}, 0),
                    "member 'x.npy': corrupt data (CRC-32");
    // Cut in the middle; not a zip at all; a .npy file; absent.
    spit(dir + "/cut.npz", zc.substr(0, zc.size() / 2));
    TS_EXPECT_THROW(InputError, load_data("npz:" + dir + "/cut.npz", {}, 0), "not a zip archive");
    spit(dir + "/text.npz", "hello, this is not an archive of any kind");
    TS_EXPECT_THROW(InputError, load_data("npz:" + dir + "/text.npz", {}, 0), "not a zip archive");
    TS_EXPECT_THROW(InputError, load_data("npz:" + npy_fixture("x.npy"), {}, 0), "use npy:PATH");
    TS_EXPECT_THROW(InputError, load_data("npz:" + dir + "/absent.npz", {}, 0), "not found");
    TS_EXPECT_THROW(InputError, load_data("npz:" + npy_fixture("object.npz") + ",y=y", {}, 0),
                    "an object array");
    // Lying offsets and sizes in the end record and the central directory.
    const std::string xb = slurp(npy_fixture("x.npy"));
    const std::string stored = make_zip({{"x.npy", xb, 0}}, false),
                      deflated = make_zip({{"x.npy", xb, 8}}, false);
    const size_t end = stored.size() - 22, central = stored.find("PK\x01\x02");
    spit(dir + "/dir.npz", patch(stored, end + 16, 0x7ffffff0, 4));
    TS_EXPECT_THROW(InputError, ZipArchive(dir + "/dir.npz", "NumPy archive"), "lies outside the file");
    spit(dir + "/count.npz", patch(patch(stored, end + 8, 900, 2), end + 10, 900, 2));
    TS_EXPECT_THROW(InputError, ZipArchive(dir + "/count.npz", "NumPy archive"), "announces 900 members");
    spit(dir + "/disk.npz", patch(stored, end + 4, 1, 2));
    TS_EXPECT_THROW(InputError, ZipArchive(dir + "/disk.npz", "NumPy archive"), "multi-disk");
    spit(dir + "/size.npz", patch(patch(stored, central + 20, 0x7ffffff0, 4), central + 24, 0x7ffffff0, 4));
    TS_EXPECT_THROW(InputError, ZipArchive(dir + "/size.npz", "NumPy archive"), "lies outside the file");
    spit(dir + "/offset.npz", patch(stored, central + 42, 0x7ffffff0, 4));
    TS_EXPECT_THROW(InputError, ZipArchive(dir + "/offset.npz", "NumPy archive"), "lies outside the file");
    const size_t dcentral = deflated.find("PK\x01\x02");
    spit(dir + "/bomb.npz", patch(deflated, dcentral + 24, 0x7ffffff0, 4));
    TS_EXPECT_THROW(InputError, ZipArchive(dir + "/bomb.npz", "NumPy archive"), "more than deflate can hold");
    // Announced sizes that disagree with the deflate stream: it ends early, or holds more.
    for (const uint64_t size : {xb.size() + 80, xb.size() - 80}) {
      spit(dir + "/ends.npz", patch(deflated, dcentral + 24, size, 4));
      const ZipArchive zip(dir + "/ends.npz", "NumPy archive");
      auto in = zip.open(zip.members().at(0));
      std::string all(size, '\0');
      const std::string needle = size > xb.size()
                                     ? "corrupt deflate stream (it ends after 320 of the announced 400 bytes)"
                                     : "holds more than the announced 240 bytes";
      TS_EXPECT_THROW(InputError, (in->read(all.data(), all.size()), in->finish()), needle);
    }
    // A local header that is not where the central directory says; methods and flags not read.
    spit(dir + "/local.npz", patch(stored, 0, 0x12345678, 4));
    TS_EXPECT_THROW(InputError, load_data("npz:" + dir + "/local.npz", {}, 0), "no local header");
    spit(dir + "/bzip2.npz", make_zip({{"x.npy", xb, 12}}, false));
    TS_EXPECT_THROW(InputError, load_data("npz:" + dir + "/bzip2.npz", {}, 0), "compression method 12");
    spit(dir + "/encrypted.npz", make_zip({{"x.npy", xb, 0, 1}}, false));
    TS_EXPECT_THROW(InputError, load_data("npz:" + dir + "/encrypted.npz", {}, 0), "encrypted");
    spit(dir + "/empty.npz", make_zip({}, false));
    TS_EXPECT_THROW(InputError, load_data("npz:" + dir + "/empty.npz", {}, 0), "holds no arrays");
  }

  // A model taking integers (token ids) gets integer arrays exactly as int64, beyond 2^53 too, from .npy and
  // .npz alike, whatever their integer dtype and byte order; a float model still gets float64. Values that do
  // not fit are refused by name.
  void integerInputsExactly() {
    const std::string dir = tmp("npy_integers");
    std::system(("mkdir -p " + dir).c_str());
    const int64_t big = (int64_t(1) << 53) + 1;  // not a float64
    spit(dir + "/i8.npy", make_npy("{'descr': '<i8', 'fortran_order': False, 'shape': (4, 1), }",
                                   le(uint64_t(big), 8) + le(uint64_t(-5), 8) + le(0, 8) + le(7, 8)));
    const InputType ids{at::kLong};
    const Dataset d = load_data("npy:" + dir + "/i8.npy", {1}, 0, int64_t(1) << 30, ids);
    QCOMPARE(d.inputs.scalar_type(), at::kLong);
    QCOMPARE(d.inputs[0][0].item<int64_t>(), big);
    QCOMPARE(d.inputs[1][0].item<int64_t>(), int64_t(-5));
    const Dataset f = load_data("npy:" + dir + "/i8.npy", {1}, 0);
    QCOMPARE(f.inputs.scalar_type(), at::kDouble);
    QCOMPARE(f.inputs[0][0].item<double>(), double(big));  // rounded, as a float model always read it
    std::string be;                                        // big-endian int32: 1, 2
    for (int v : {1, 2}) be += std::string{0, 0, 0, char(v)};
    spit(dir + "/be.npy", make_npy("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", be));
    const Dataset b = load_data("npy:" + dir + "/be.npy", {1}, 0, int64_t(1) << 30, ids);
    QCOMPARE(b.inputs.reshape({-1})[1].item<int64_t>(), int64_t(2));
    spit(dir + "/x.npz", make_zip({{"x.npy", slurp(dir + "/i8.npy"), 0}}, false));
    QCOMPARE(load_data("npz:" + dir + "/x.npz", {1}, 0, int64_t(1) << 30, ids).inputs[0][0].item<int64_t>(),
             big);
    spit(dir + "/u8.npy",
         make_npy("{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", le(uint64_t(1) << 63, 8)));
    TS_EXPECT_THROW(InputError, load_data("npy:" + dir + "/u8.npy", {1}, 0, int64_t(1) << 30, ids),
                    "does not fit int64");
    TS_EXPECT_THROW(InputError,
                    load_data("npy:" + dir + "/i8.npy", {1}, 0, int64_t(1) << 30, InputType{at::kInt}),
                    "takes int32 inputs but the data holds values from -5 to 9007199254740993");
    const Dataset i32 = load_data("npy:" + dir + "/be.npy", {1}, 0, int64_t(1) << 30, InputType{at::kInt});
    QCOMPARE(i32.inputs.scalar_type(), at::kInt);
  }

  // CIFAR-10 and CIFAR-100 binary batches written here: plane order R, G, B, scaling to [0, 1], labels and
  // class names, the batches in order, and the keys every kind takes.
  void cifarBinaryFormats() {
    const std::string dir = tmp("cifar10");
    std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
    int64_t i = 0;
    for (int b = 1; b <= 5; ++b) {  // 5 batches of 4 records; record i has label i mod 10
      std::string bytes;
      for (int r = 0; r < 4; ++r, ++i) bytes += cifar_record(i, {uint8_t(i % 10)});
      spit(dir + "/data_batch_" + std::to_string(b) + ".bin", bytes);
    }
    spit(dir + "/test_batch.bin", cifar_record(0, {9}) + cifar_record(1, {8}) + cifar_record(2, {7}));
    std::ofstream(dir + "/batches.meta.txt")
        << "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";
    const Dataset d = load_data("cifar10:" + dir, {}, 0);
    QCOMPARE(d.size(), int64_t(20));
    QCOMPARE(d.input_shape(), (std::vector<int64_t>{3, 32, 32}));
    QCOMPARE(d.image_shape, (std::vector<int64_t>{3, 32, 32}));
    QCOMPARE(d.num_classes, int64_t(10));
    QCOMPARE(d.class_names.at(9), std::string("truck"));
    for (int64_t k = 0; k < 20; ++k) QCOMPARE(d.labels[k].item<int64_t>(), k % 10);
    // Record 0: the red plane 255, green 0, blue 128.
    QCOMPARE(d.inputs[0][0].min().item<double>(), 1.0);
    QCOMPARE(d.inputs[0][1].max().item<double>(), 0.0);
    QCOMPARE(d.inputs[0][2].min().item<double>(), 128.0 / 255.0);
    QCOMPARE(d.inputs[0][2].max().item<double>(), 128.0 / 255.0);
    // Record 13 (batch 4): pixel (c, y, x) = (13 + 7c + 3y + x) mod 256, over 255.
    for (int c = 0; c < 3; ++c)
      for (int y : {0, 5, 31})
        for (int x : {0, 17, 31})
          QCOMPARE(d.inputs[13][c][y][x].item<double>(), double((13 + 7 * c + 3 * y + x) % 256) / 255.0);
    const Dataset te = load_data("cifar10:" + dir + ",split=test", {}, 0);
    QCOMPARE(te.size(), int64_t(3));
    QCOMPARE(te.labels[0].item<int64_t>(), int64_t(9));
    QCOMPARE(te.labels[2].item<int64_t>(), int64_t(7));
    const Dataset s = load_data("cifar10:" + dir + ",n=10,seed=4,standardize=1", {3072}, 0);
    QCOMPARE(s.size(), int64_t(10));
    QCOMPARE(at::bincount(s.labels, {}, 10).max().item<int64_t>(), int64_t(1));  // stratified: one per class
    QCOMPARE(s.input_shape(), std::vector<int64_t>{3072});
    // Without batches.meta.txt the classes are "0"…"9".
    std::remove((dir + "/batches.meta.txt").c_str());
    QCOMPARE(load_data("cifar10:" + dir + ",split=test", {}, 0).class_names.at(3), std::string("3"));

    const std::string dir100 = tmp("cifar100");
    std::system(("rm -rf " + dir100 + " && mkdir -p " + dir100).c_str());
    std::string train;
    for (int64_t k = 0; k < 6; ++k) train += cifar_record(k, {uint8_t(k % 20), uint8_t((17 * k + 3) % 100)});
    spit(dir100 + "/train.bin", train);
    spit(dir100 + "/test.bin", cifar_record(5, {19, 99}));
    {
      std::ofstream names(dir100 + "/coarse_label_names.txt");
      for (int c = 0; c < 20; ++c) names << "superclass_" << c << "\n";
    }
    const Dataset fine = load_data("cifar100:" + dir100, {}, 0);
    QCOMPARE(fine.num_classes, int64_t(100));
    QCOMPARE(fine.class_names.at(42), std::string("42"));
    for (int64_t k = 0; k < 6; ++k) QCOMPARE(fine.labels[k].item<int64_t>(), (17 * k + 3) % 100);
    QCOMPARE(fine.inputs[4][2][1][6].item<double>(), double((4 + 14 + 3 + 6) % 256) / 255.0);
    const Dataset coarse = load_data("cifar100:" + dir100 + ",labels=coarse,split=test", {}, 0);
    QCOMPARE(coarse.num_classes, int64_t(20));
    QCOMPARE(coarse.labels[0].item<int64_t>(), int64_t(19));
    QCOMPARE(coarse.class_names.at(19), std::string("superclass_19"));
    QVERIFY2(coarse.description.find("CIFAR-100 test (coarse labels): 1 images") != std::string::npos,
             coarse.description.c_str());
  }

  void cifarErrors() {
    const std::string dir = tmp("cifar_bad");
    std::system(("rm -rf " + dir + " && mkdir -p " + dir).c_str());
    TS_EXPECT_THROW(InputError, load_data("cifar10:" + tmp("no_cifar"), {}, 0), "cifar-10-binary.tar.gz");
    TS_EXPECT_THROW(InputError, load_data("cifar100:" + tmp("no_cifar"), {}, 0), "cifar-100-binary.tar.gz");
    for (int b = 1; b <= 5; ++b)
      if (b != 3) spit(dir + "/data_batch_" + std::to_string(b) + ".bin", cifar_record(b, {1}));
    TS_EXPECT_THROW(InputError, load_data("cifar10:" + dir, {}, 0), "no file '" + dir + "/data_batch_3.bin'");
    spit(dir + "/data_batch_3.bin", cifar_record(0, {1}) + cifar_record(1, {2}).substr(1));
    TS_EXPECT_THROW(InputError, load_data("cifar10:" + dir, {}, 0),
                    "CIFAR-10 file '" + dir +
                        "/data_batch_3.bin': 6145 bytes is not a whole number of 3073-byte records");
    spit(dir + "/data_batch_3.bin", "");
    TS_EXPECT_THROW(InputError, load_data("cifar10:" + dir, {}, 0),
                    "(empty, or not a CIFAR-10 binary batch)");
    spit(dir + "/data_batch_3.bin", cifar_record(0, {1}) + cifar_record(1, {10}));
    TS_EXPECT_THROW(InputError, load_data("cifar10:" + dir, {}, 0),
                    "data_batch_3.bin' record 2: label 10 is out of range (0…9)");
    spit(dir + "/data_batch_3.bin", cifar_record(0, {1}));
    QCOMPARE(load_data("cifar10:" + dir, {}, 0).size(), int64_t(5));
    std::ofstream(dir + "/batches.meta.txt") << "a\nb\nc\nd\ne\nf\ng\nh\ni\n";
    TS_EXPECT_THROW(InputError, load_data("cifar10:" + dir, {}, 0), "has 9 names, expected 10");
    std::remove((dir + "/batches.meta.txt").c_str());
    TS_EXPECT_THROW(InputError, load_data("cifar10:" + dir + ",split=validation", {}, 0),
                    "split must be train or test");
    TS_EXPECT_THROW(InputError, load_data("cifar10:" + dir + ",labels=fine", {}, 0), "unknown key 'labels'");
    TS_EXPECT_THROW(MemoryBudgetError, load_data("cifar10:" + dir, {}, 0, 100000), "--memory-budget");
    spit(dir + "/train.bin", cifar_record(0, {3, 100}));
    TS_EXPECT_THROW(InputError, load_data("cifar100:" + dir, {}, 0),
                    "record 1: fine label 100 is out of range (0…99)");
    spit(dir + "/train.bin", cifar_record(0, {20, 5}));
    TS_EXPECT_THROW(InputError, load_data("cifar100:" + dir + ",labels=coarse", {}, 0),
                    "record 1: coarse label 20 is out of range (0…19)");
    spit(dir + "/train.bin", cifar_record(0, {3, 5}) + "x");
    TS_EXPECT_THROW(InputError, load_data("cifar100:" + dir, {}, 0), "3074-byte records");
    TS_EXPECT_THROW(InputError, load_data("cifar100:" + dir + ",labels=medium", {}, 0),
                    "labels must be fine or coarse");
  }
};

}  // namespace test_array_files

TS_TEST_MAIN(test_array_files::TestArrayFiles, npyRoundTrips, npyDataSpecs, npzArchives, npyErrors, npzErrors,
             integerInputsExactly, cifarBinaryFormats, cifarErrors)
#ifdef TS_HAVE_QT
#include "test_array_files.moc"
#endif
