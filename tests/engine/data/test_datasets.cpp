// Real and synthetic data sets: the real digits file, generated good and broken IDX files (plain and gzip),
// synthetic sets, subsets, splits and standardisation, folders of PNG and JPEG images. NumPy and CIFAR files
// are in test_array_files.cpp.
#include <ATen/ATen.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb_image_write.h>

#include "TestHarness.h"
#include "core/Errors.h"
#include "core/Json.h"
#include "data/Data.h"
#include "data/NumpyFiles.h"
#include "data/ZipArchive.h"

using namespace ts;

namespace test_datasets {

namespace {

std::string tmp(const std::string& name) { return std::string(TS_TEST_TMP) + "/" + name; }

std::string be32(uint32_t v) {
  return std::string{char(v >> 24), char((v >> 16) & 0xff), char((v >> 8) & 0xff), char(v & 0xff)};
}

// An IDX file: magic 0x08NN, the dimensions, then the bytes (optionally gzip-compressed).
void write_idx(const std::string& path, std::vector<uint32_t> dims, const std::string& payload, bool gz,
               uint32_t magic = 0) {
  std::string data = be32(magic ? magic : 0x0800 + static_cast<uint32_t>(dims.size()));
  for (auto d : dims) data += be32(d);
  data += payload;
  if (gz) {
    gzFile f = gzopen(path.c_str(), "wb");
    gzwrite(f, data.data(), static_cast<unsigned>(data.size()));
    gzclose(f);
  } else {
    std::ofstream(path, std::ios::binary) << data;
  }
}

// A tiny MNIST-format pair: n images rows×cols with pixel (i, r, c) = (i + r + c) % 256, labels i % 10.
void write_pair(const std::string& dir, const std::string& split, uint32_t n, bool gz) {
  std::string img, lab;
  for (uint32_t i = 0; i < n; ++i) {
    for (uint32_t r = 0; r < 4; ++r)
      for (uint32_t c = 0; c < 3; ++c) img += char((i + r + c) % 256);
    lab += char(i % 10);
  }
  const std::string p = dir + "/" + (split == "train" ? "train" : "t10k");
  write_idx(p + "-images-idx3-ubyte" + (gz ? ".gz" : ""), {n, 4, 3}, img, gz);
  write_idx(p + "-labels-idx1-ubyte" + (gz ? ".gz" : ""), {n}, lab, gz);
}

// A PNG written here, independently of stb_image: `bits` 8 or 16, colour type 0 (grey), 2 (RGB), 4 (grey +
// alpha) or 6 (RGBA); sample (y, x, k) = value(y, x, k), rows unfiltered in one zlib stream.
template <class F>
void write_png(const std::string& path, int w, int h, int colour, int bits, F value) {
  const int ch = colour == 0 ? 1 : colour == 2 ? 3 : colour == 4 ? 2 : 4;
  std::string raw;
  for (int y = 0; y < h; ++y) {
    raw += char(0);
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < ch; ++k) {
        const unsigned v = value(y, x, k);
        if (bits == 16) raw += char(v >> 8);
        raw += char(v & 0xff);
      }
  }
  uLongf zn = compressBound(static_cast<uLong>(raw.size()));
  std::string z(zn, '\0');
  compress(reinterpret_cast<Bytef*>(z.data()), &zn, reinterpret_cast<const Bytef*>(raw.data()),
           static_cast<uLong>(raw.size()));
  z.resize(zn);
  auto chunk = [](const std::string& type, const std::string& body) {
    const std::string tb = type + body;
    return be32(static_cast<uint32_t>(body.size())) + tb +
           be32(static_cast<uint32_t>(
               crc32(0, reinterpret_cast<const Bytef*>(tb.data()), static_cast<uInt>(tb.size()))));
  };
  const std::string ihdr =
      be32(uint32_t(w)) + be32(uint32_t(h)) + char(bits) + char(colour) + '\0' + '\0' + '\0';
  std::ofstream(path, std::ios::binary)
      << std::string("\x89PNG\r\n\x1a\n", 8) + chunk("IHDR", ihdr) + chunk("IDAT", z) + chunk("IEND", "");
}

std::string slurp_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::vector<std::string> ten() {
  std::vector<std::string> v;
  for (int i = 0; i < 10; ++i) v.push_back(std::to_string(i));
  return v;
}

}  // namespace

class TestDatasets : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // The real file from Debian's python3-sklearn (scripts/fetch-data digits).
  void realDigits() {
    const std::string path = data_dir() + "/sklearn/digits.csv.gz";
    if (!std::ifstream(path) && std::getenv("TS_ALLOW_MISSING_DATA"))
      QSKIP("digits not fetched on this machine");
    const Dataset d = load_digits(path);
    QCOMPARE(d.size(), int64_t(1797));
    QCOMPARE(d.input_shape(), (std::vector<int64_t>{1, 8, 8}));
    QCOMPARE(d.num_classes, int64_t(10));
    // First row of digits.csv.gz: 0,0,5,13,9,1,0,0,… label 0; the last label is 8.
    TS_CHECK_CLOSE(d.inputs[0][0][0][2].item<double>(), 5.0 / 16.0, 0.0, 1e-15);
    TS_CHECK_CLOSE(d.inputs[0][0][0][3].item<double>(), 13.0 / 16.0, 0.0, 1e-15);
    QCOMPARE(d.labels[0].item<int64_t>(), int64_t(0));
    QCOMPARE(d.labels[1796].item<int64_t>(), int64_t(8));
    QCOMPARE(at::bincount(d.labels).min().item<int64_t>(), int64_t(174));  // every class has 174–183 samples
    const Dataset s = load_data("digits:n=100,seed=3", {64}, 0);
    QCOMPARE(s.input_shape(), std::vector<int64_t>{64});
    const at::Tensor per_class =
        at::bincount(s.labels, {}, 10);  // stratified: 100 × (174…183)/1797 ≈ 9.7…10.2
    QVERIFY(per_class.min().item<int64_t>() >= 9 && per_class.max().item<int64_t>() <= 11);
  }

  void idxPlainAndGzip() {
    for (bool gz : {false, true}) {
      const std::string dir = tmp(gz ? "idx_gz" : "idx_plain");
      std::system(("mkdir -p " + dir).c_str());
      write_pair(dir, "train", 25, gz);
      write_pair(dir, "test", 7, gz);
      const Dataset tr = load_data("mnist:" + dir, {}, 0);
      QCOMPARE(tr.size(), int64_t(25));
      QCOMPARE(tr.input_shape(), (std::vector<int64_t>{1, 4, 3}));
      TS_CHECK_CLOSE(tr.inputs[3][0][2][1].item<double>(), (3 + 2 + 1) / 255.0, 0.0, 1e-15);
      QCOMPARE(tr.labels[13].item<int64_t>(), int64_t(3));
      const Dataset te = load_data("fashion-mnist:" + dir + ",split=test", {}, 0);
      QCOMPARE(te.size(), int64_t(7));
      QCOMPARE(te.class_names[9], std::string("Ankle boot"));
    }
  }

  void idxErrors() {
    const std::string dir = tmp("idx_bad");
    std::system(("mkdir -p " + dir).c_str());
    write_idx(dir + "/magic", {2, 2}, "abcd", false, 0x00000903);
    TS_EXPECT_THROW(InputError, read_idx(dir + "/magic"), "wrong magic number");
    write_idx(dir + "/short", {5, 2, 2}, "abcd", false);
    TS_EXPECT_THROW(InputError, read_idx(dir + "/short"), "(truncated)");
    write_idx(dir + "/long", {1}, "ab", false);
    TS_EXPECT_THROW(InputError, read_idx(dir + "/long"), "(trailing bytes)");
    std::ofstream(dir + "/tiny") << "ab";
    TS_EXPECT_THROW(InputError, read_idx(dir + "/tiny"), "too short");
    TS_EXPECT_THROW(InputError, read_idx(dir + "/absent"), "not found");
    // No samples; sizes whose product wraps 64 bits or is absurd: refused before any allocation.
    write_idx(dir + "/empty", {0, 28, 28}, "", false);
    TS_EXPECT_THROW(InputError, read_idx(dir + "/empty"), "holds no samples");
    write_idx(dir + "/huge", {2147483648u, 2147483648u, 4}, "abcd", false);
    TS_EXPECT_THROW(InputError, read_idx(dir + "/huge"), "more than 2^31 values");
    // A small gzip file that would unpack to gigabytes (a decompression bomb) is refused by its header.
    write_idx(dir + "/bomb.gz", {3000000000u}, std::string(1 << 20, '\0'), true);  // 1 KB compressed
    TS_EXPECT_THROW(InputError, read_idx(dir + "/bomb.gz"), "more than 2^31 values");
    // A gzip stream cut in the middle.
    write_idx(dir + "/cut.gz", {200, 4, 3}, std::string(2400, 'x'), true);
    {
      std::ifstream in(dir + "/cut.gz", std::ios::binary);
      std::string all((std::istreambuf_iterator<char>(in)), {});
      std::ofstream(dir + "/cut2.gz", std::ios::binary) << all.substr(0, all.size() / 2);
    }
    TS_EXPECT_THROW(InputError, read_idx(dir + "/cut2.gz"), "IDX file");
    // Counts that disagree between images and labels; labels out of range.
    write_idx(dir + "/train-images-idx3-ubyte", {3, 4, 3}, std::string(36, '\1'), false);
    write_idx(dir + "/train-labels-idx1-ubyte", {2}, std::string("\1\2"), false);
    TS_EXPECT_THROW(InputError, load_idx_pair(dir, "train", ten(), "MNIST"), "has 3 images but");
    write_idx(dir + "/train-labels-idx1-ubyte", {3}, std::string("\1\2\14"), false);
    TS_EXPECT_THROW(InputError, load_idx_pair(dir, "train", ten(), "MNIST"), "label 12 is out of range");
    TS_EXPECT_THROW(InputError, load_idx_pair(tmp("nowhere"), "train", ten(), "MNIST"),
                    "scripts/fetch-data mnist");
    TS_EXPECT_THROW(InputError, load_idx_pair(dir, "validation", ten(), "MNIST"),
                    "split must be train or test");
  }

  void digitsFileErrors() {
    std::ofstream(tmp("digits_bad.csv")) << std::string("0,") + std::string(63 * 2, ' ') + "\n";
    TS_EXPECT_THROW(InputError, load_digits(tmp("digits_bad.csv")), "digits file");
    std::string row;
    for (int i = 0; i < 64; ++i) row += "1,";
    std::ofstream(tmp("digits_label.csv")) << row << "12\n";
    TS_EXPECT_THROW(InputError, load_digits(tmp("digits_label.csv")), "is not 0…9");
  }

  void syntheticSetsAreSeeded() {
    for (const std::string spec : {"moons:size=100,noise=0.1", "spirals:size=90,classes=3",
                                   "blobs:size=60,classes=4,dim=3", "sine:size=50"}) {
      const Dataset a = load_data(spec + ",seed=1", {}, 0), b = load_data(spec + ",seed=1", {}, 0),
                    c = load_data(spec + ",seed=2", {}, 0);
      QVERIFY2(at::equal(a.inputs, b.inputs), spec.c_str());
      QVERIFY2(!at::equal(a.inputs, c.inputs), spec.c_str());
    }
    const Dataset m = make_moons(101, 0.0, 0);
    QCOMPARE(at::bincount(m.labels).numel(), int64_t(2));
    QCOMPARE(m.labels.sum().item<int64_t>(), int64_t(51));
    const Dataset s = make_sine(30, 0.0, 0);
    TS_CHECK_CLOSE((s.targets - at::sin(s.inputs)).abs().max().item<double>(), 0.0, 0.0, 1e-15);
    TS_EXPECT_THROW(InputError, load_data("moons:size=0", {}, 0), "key 'size' must be between 2");
  }

  void splitSubsetStandardize() {
    const Dataset d = make_blobs(300, 3, 2, 1.0, 5.0, 4);
    const auto [train, test] = train_test_split(d, 60, 7);
    QCOMPARE(train.size(), int64_t(240));
    QCOMPARE(test.size(), int64_t(60));
    QCOMPARE(at::bincount(test.labels).min().item<int64_t>(), int64_t(20));  // stratified: 20 per class
    // Disjoint and complete: every input row appears exactly once.
    const at::Tensor all = at::cat({train.inputs, test.inputs});
    QCOMPARE(std::get<0>(at::_unique(all.select(1, 0))).numel(), int64_t(300));
    const Dataset sub = subset(d, 30, 1);
    QCOMPARE(sub.size(), int64_t(30));
    QVERIFY(at::equal(sub.inputs, subset(d, 30, 1).inputs));
    const Dataset st = standardize(train, train);
    TS_CHECK_CLOSE(st.inputs.mean(0).abs().max().item<double>(), 0.0, 0.0, 1e-12);
    TS_CHECK_CLOSE(st.inputs.std(0, false).mean().item<double>(), 1.0, 1e-12, 0.0);
    TS_EXPECT_THROW(InputError, train_test_split(d, 300, 0), "test size");
  }

  // A label column is checked before any split: sparse labels (even an ID-like 2,000,000,000) are remapped to
  // 0…C−1 with the originals as class names; too many distinct values or a non-integer are refused by name.
  void csvLabelsValidatedAndRemapped() {
    {
      std::ofstream f(tmp("sparse_labels.csv"));
      const long long labels[] = {1000004, 3, 17, 2000000000, 3, 17};
      for (int i = 0; i < 6; ++i) f << 0.5 * i << "," << 1.0 - 0.1 * i << "," << labels[i] << "\n";
    }
    const Dataset d = load_data("csv:" + tmp("sparse_labels.csv") + ",label=last", {2}, 0);
    QCOMPARE(d.num_classes, int64_t(4));
    const std::vector<int64_t> want{2, 0, 1, 3, 0, 1};
    for (int i = 0; i < 6; ++i) QCOMPARE(d.labels[i].item<int64_t>(), want[static_cast<size_t>(i)]);
    QCOMPARE(d.class_names.at(3), std::string("2000000000"));
    QVERIFY2(d.description.find("remapped") != std::string::npos, d.description.c_str());
    {
      std::ofstream f(tmp("id_labels.csv"));
      for (int i = 0; i < 10005; ++i) f << i * 0.001 << "," << i << "\n";
    }
    TS_EXPECT_THROW(InputError, load_data("csv:" + tmp("id_labels.csv") + ",label=last", {1}, 0),
                    "ID column");
    // A UTF-8 byte-order mark (as spreadsheet programs write) is skipped.
    std::ofstream(tmp("bom.csv")) << "\xEF\xBB\xBF-0.627,1\n0.5,0\n";
    TS_CHECK_CLOSE(load_data("csv:" + tmp("bom.csv") + ",label=last", {1}, 0).inputs.min().item<double>(),
                   -0.627, 0.0, 1e-15);
    std::ofstream(tmp("half_label.csv")) << "0.1,1.5\n0.2,1\n";
    TS_EXPECT_THROW(InputError, load_data("csv:" + tmp("half_label.csv") + ",label=last", {1}, 0),
                    "label 1.5");
  }

  // Folders per class: sorted class names, sorted files, exact pixels from PNGs written here (8- and 16-bit,
  // grey, grey + alpha, RGB, RGBA), a JPEG close to its source, a subset drawn before decoding equal to the
  // subset of the whole set, and the model reshape.
  void imageFolders() {
    namespace fs = std::filesystem;
    const std::string dir = tmp("images_ok");
    fs::remove_all(dir);
    for (const char* c : {"zebra", "ant", "cat"}) fs::create_directories(dir + "/" + c);
    auto grey = [](int i) { return [i](int y, int x, int) { return unsigned(10 * i + 3 * y + x); }; };
    for (int i = 0; i < 4; ++i) write_png(dir + "/ant/a" + std::to_string(i) + ".png", 5, 4, 0, 8, grey(i));
    for (int i = 0; i < 3; ++i)
      write_png(dir + "/cat/c" + std::to_string(i) + ".PNG", 5, 4, 4, 8, grey(i + 4));
    fs::create_directories(dir + "/zebra/nested");
    write_png(dir + "/zebra/nested/z0.png", 5, 4, 0, 16,
              [](int y, int x, int) { return unsigned(1000 * y + x); });
    write_png(dir + "/zebra/z1.png", 5, 4, 0, 8, grey(9));
    std::ofstream(dir + "/zebra/README.txt") << "not an image";
    std::ofstream(dir + "/.hidden.png") << "skipped";
    const Dataset d = load_data("images:" + dir, {}, 0);
    QCOMPARE(d.size(), int64_t(9));
    QCOMPARE(d.class_names, (std::vector<std::string>{"ant", "cat", "zebra"}));
    QVERIFY(d.input_shape() == (std::vector<int64_t>{1, 4, 5}));
    QVERIFY(d.image_shape == (std::vector<int64_t>{1, 4, 5}));
    QCOMPARE(d.labels[3].item<int64_t>(), int64_t(0));
    QCOMPARE(d.labels[4].item<int64_t>(), int64_t(1));
    QCOMPARE(d.labels[8].item<int64_t>(), int64_t(2));
    TS_CHECK_CLOSE(d.inputs[2][0][3][4].item<double>(), (20 + 9 + 4) / 255.0, 0.0, 1e-15);
    TS_CHECK_CLOSE(d.inputs[6][0][1][2].item<double>(), (60 + 3 + 2) / 255.0, 0.0, 1e-15);  // alpha dropped
    TS_CHECK_CLOSE(d.inputs[7][0][3][4].item<double>(), 3004 / 65535.0, 0.0, 1e-15);  // zebra/nested/z0.png
    QVERIFY2(d.description.find("1 other files skipped") != std::string::npos, d.description.c_str());

    // A seeded subset, drawn from the labels before decoding, is the subset of the whole set.
    const Dataset s = load_data("images:" + dir + ",n=5,seed=3", {}, 0);
    const Dataset ref = subset(d, 5, 3);
    QCOMPARE(s.size(), int64_t(5));
    QVERIFY(at::equal(s.inputs, ref.inputs) && at::equal(s.labels, ref.labels));
    QVERIFY(at::equal(load_data("images:" + dir + ",n=5,seed=3", {}, 0).inputs, s.inputs));
    QVERIFY(load_data("images:" + dir + ",n=5,seed=3", {20}, 0).input_shape() == std::vector<int64_t>{20});
    // Three channels on request (grey repeated); standardisation as for every kind.
    const Dataset rgb = load_data("images:" + dir + ",channels=3,standardize=1", {}, 0);
    QVERIFY(rgb.input_shape() == (std::vector<int64_t>{3, 4, 5}));
    TS_CHECK_CLOSE(rgb.inputs.mean(0).abs().max().item<double>(), 0.0, 0.0, 1e-12);

    // Colour: RGB and RGBA PNGs exactly, channels=auto picks 3.
    const std::string col = tmp("images_rgb");
    fs::remove_all(col);
    fs::create_directories(col + "/a");
    fs::create_directories(col + "/b");
    auto rgb_value = [](int y, int x, int k) { return unsigned(40 * k + 16 * y + 8 * x); };
    write_png(col + "/a/0.png", 8, 8, 2, 8, rgb_value);
    write_png(col + "/a/1.png", 8, 8, 6, 8,
              [&](int y, int x, int k) { return k == 3 ? 7u : rgb_value(y, x, k); });
    write_png(col + "/b/0.png", 8, 8, 0, 8, [](int y, int x, int) { return unsigned(y * x); });
    const Dataset c = load_data("images:" + col, {}, 0);
    QVERIFY(c.input_shape() == (std::vector<int64_t>{3, 8, 8}));
    TS_CHECK_CLOSE(c.inputs[0][2][5][6].item<double>(), (80 + 80 + 48) / 255.0, 0.0, 1e-15);
    QVERIFY(at::equal(c.inputs[0], c.inputs[1]));
    QVERIFY(at::equal(c.inputs[2][0], c.inputs[2][2]));  // grey repeated
    TS_CHECK_CLOSE(c.inputs[2][1][7][7].item<double>(), 49 / 255.0, 0.0, 1e-15);
    // channels=1: RGB to luma as stb_image computes it, (77 r + 150 g + 29 b) >> 8.
    const Dataset g = load_data("images:" + col + ",channels=1", {}, 0);
    QVERIFY(g.input_shape() == (std::vector<int64_t>{1, 8, 8}));
    TS_CHECK_CLOSE(g.inputs[0][0][5][6].item<double>(),
                   double((77 * 128 + 150 * 168 + 29 * 208) >> 8) / 255.0, 0.0, 1e-15);
    // A JPEG (libjpeg-turbo) within its compression error of the PNG it was made from, recognised by content.
    std::vector<unsigned char> px;
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x)
        for (int k = 0; k < 3; ++k) px.push_back(static_cast<unsigned char>(rgb_value(y, x, k)));
    QVERIFY(stbi_write_jpg((col + "/b/1.jpg").c_str(), 8, 8, 3, px.data(), 100));
    std::rename((col + "/b/1.jpg").c_str(), (col + "/b/1.png").c_str());
    const Dataset j = load_data("images:" + col, {}, 0);
    QCOMPARE(j.size(), int64_t(4));
    const double jpeg_error = (j.inputs[3] - j.inputs[0]).abs().max().item<double>();
    QVERIFY2(jpeg_error > 0 && jpeg_error < 8.0 / 255.0, std::to_string(jpeg_error).c_str());
  }

  // Bad folders and files: each refused with the folder or file named and the problem said.
  void imageFolderErrors() {
    namespace fs = std::filesystem;
    const std::string dir = tmp("images_bad");
    auto fresh = [&] {
      fs::remove_all(dir);
      fs::create_directories(dir + "/a");
      fs::create_directories(dir + "/b");
      write_png(dir + "/a/0.png", 6, 6, 0, 8, [](int y, int x, int) { return unsigned(y * x); });
      write_png(dir + "/b/0.png", 6, 6, 0, 8, [](int y, int x, int) { return unsigned(y + x); });
    };
    TS_EXPECT_THROW(InputError, load_data("images:" + tmp("no_such_images"), {}, 0), "no such folder");
    fs::remove_all(dir);
    fs::create_directories(dir);
    TS_EXPECT_THROW(InputError, load_data("images:" + dir, {}, 0), "has no class subfolders");
    write_png(dir + "/loose.png", 2, 2, 0, 8, [](int, int, int) { return 1u; });
    TS_EXPECT_THROW(InputError, load_data("images:" + dir, {}, 0), "1 images lie in the folder itself");
    fresh();
    fs::create_directories(dir + "/empty");
    std::ofstream(dir + "/empty/notes.txt") << "x";
    TS_EXPECT_THROW(InputError, load_data("images:" + dir, {}, 0),
                    "class folder 'empty' holds no PNG or JPEG");
    fresh();
    write_png(dir + "/b/1.png", 7, 6, 0, 8, [](int, int, int) { return 0u; });
    TS_EXPECT_THROW(InputError, load_data("images:" + dir, {}, 0),
                    "image '" + dir + "/b/1.png' is 7×6 pixels but '" + dir + "/a/0.png' is 6×6");
    fresh();
    std::ofstream(dir + "/b/text.png") << "this is not a picture";
    TS_EXPECT_THROW(InputError, load_data("images:" + dir, {}, 0),
                    "image '" + dir + "/b/text.png': not a readable");
    fresh();
    const std::string png = slurp_file(dir + "/a/0.png");
    std::ofstream(dir + "/a/0.png", std::ios::binary) << png.substr(0, png.size() - 20);  // IDAT cut short
    TS_EXPECT_THROW(InputError, load_data("images:" + dir, {}, 0),
                    "image '" + dir + "/a/0.png': cannot be decoded");
    // JPEG: cut short (libjpeg's "premature end" is an error, not grey rows), and a Huffman table announcing
    // 300 codes (stb_image 2022-09-08 wrote past its table on this; libjpeg refuses it).
    fresh();
    std::vector<unsigned char> px(6 * 6 * 3);
    for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>(i * 7);
    QVERIFY(stbi_write_jpg((dir + "/b/1.jpg").c_str(), 6, 6, 3, px.data(), 90));
    const std::string jpg = slurp_file(dir + "/b/1.jpg");
    QVERIFY(load_data("images:" + dir, {}, 0).input_shape() == (std::vector<int64_t>{3, 6, 6}));
    std::ofstream(dir + "/b/1.jpg", std::ios::binary) << jpg.substr(0, jpg.size() - 6);
    TS_EXPECT_THROW(InputError, load_data("images:" + dir + ",channels=3", {}, 0),
                    "image '" + dir + "/b/1.jpg': cannot be decoded, corrupt or truncated (libjpeg:");
    std::string bad = jpg;
    const size_t dht = bad.find("\xFF\xC4");
    QVERIFY(dht != std::string::npos);
    bad[dht + 5 + 15] = char(255);  // the count of 16-bit codes, after marker, length and class byte
    bad[dht + 5 + 14] = char(45);
    std::ofstream(dir + "/b/1.jpg", std::ios::binary) << bad;
    TS_EXPECT_THROW(InputError, load_data("images:" + dir + ",channels=3", {}, 0),
                    "image '" + dir + "/b/1.jpg'");
    fresh();
    TS_EXPECT_THROW(MemoryBudgetError, load_data("images:" + dir, {}, 0, 400), "over the memory budget");
    QCOMPARE(load_data("images:" + dir, {}, 0, 600).size(), int64_t(2));  // 2 × 36 × 8 bytes = 576
    TS_EXPECT_THROW(InputError, load_data("images:" + dir + ",channels=2", {}, 0),
                    "channels must be auto, 1 or 3");
  }
};

}  // namespace test_datasets

TS_TEST_MAIN(test_datasets::TestDatasets, realDigits, idxPlainAndGzip, idxErrors, digitsFileErrors,
             syntheticSetsAreSeeded, splitSubsetStandardize, csvLabelsValidatedAndRemapped, imageFolders,
             imageFolderErrors)
#ifdef TS_HAVE_QT
#include "test_datasets.moc"
#endif
