// The main of a test executable: runs the registered test class named by the first argument (its file's base
// name, e.g. test_cli, or its class name), passing the remaining arguments to it; with no argument, every
// class.
#include <cstring>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "TestHarness.h"

#ifdef TS_TEST_GUI
#include <QApplication>
#endif

namespace ts::test {
namespace {
struct Entry {
  std::string class_name;
  Runner run;
};
std::map<std::string, Entry>& registry() {
  static std::map<std::string, Entry> r;
  return r;
}
}  // namespace

bool register_test(const char* class_name, const char* file, Runner run) {
  std::string stem = file;
  if (const auto slash = stem.find_last_of('/'); slash != std::string::npos) stem = stem.substr(slash + 1);
  if (const auto dot = stem.rfind('.'); dot != std::string::npos) stem = stem.substr(0, dot);
  registry()[stem] = {class_name, run};
  return true;
}
}  // namespace ts::test

int main(int argc, char** argv) {
#ifdef TS_TEST_GUI
  QApplication app(argc, argv);
  QApplication::setAttribute(Qt::AA_Use96Dpi, true);  // as QTEST_MAIN does
#endif
  const auto& tests = ts::test::registry();
  if (argc >= 2 && (std::strcmp(argv[1], "--list") == 0 || std::strcmp(argv[1], "-h") == 0 ||
                    std::strcmp(argv[1], "--help") == 0)) {
    std::cout << "usage: " << argv[0] << " [TEST [QtTest arguments…]]; tests:\n";
    for (const auto& [stem, e] : tests) std::cout << "  " << stem << " (" << e.class_name << ")\n";
    return 0;
  }
  if (argc < 2) {
    int failed = 0;
    for (const auto& [stem, e] : tests) {
      char* args[] = {argv[0], nullptr};
      if (e.run(1, args) != 0) {
        std::cout << "FAILED: " << stem << "\n";
        ++failed;
      }
    }
    return failed ? 1 : 0;
  }
  const std::string wanted = argv[1];
  for (const auto& [stem, e] : tests) {
    if (stem != wanted && e.class_name != wanted) continue;
    std::vector<char*> args{argv[0]};
    for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
    args.push_back(nullptr);
    return e.run(static_cast<int>(args.size()) - 1, args.data());
  }
  std::cerr << argv[0] << ": no test named '" << wanted << "' (--list shows them)\n";
  return 2;
}
