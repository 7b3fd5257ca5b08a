#pragma once
// Engine tests are QtTest classes. Built without Qt (TS_HAVE_QT undefined, as on the GPU machines) the same
// sources compile against a minimal stand-in for the QtTest macros they use, and TS_TEST_MAIN runs the listed
// test functions in order.
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>

#ifdef TS_HAVE_QT
#include <QObject>
#include <QtTest>
#define TS_TEST_MAIN(Class, ...) QTEST_APPLESS_MAIN(Class)
#else
#include <exception>
#include <functional>
#include <iostream>
#include <utility>
#include <vector>

class QObject {
 public:
  virtual ~QObject() = default;
};
#define Q_OBJECT
#define Q_SLOTS

namespace ts::test {
struct Failure : std::exception {
  std::string msg;
  explicit Failure(std::string m) : msg(std::move(m)) {}
  const char* what() const noexcept override { return msg.c_str(); }
};
struct Skip : Failure {
  using Failure::Failure;
};
template <class T>
int run_all(T& t, const char* names, std::vector<void (T::*)()> fns) {
  std::vector<std::string> list;
  std::stringstream ss(names);
  std::string n;
  while (std::getline(ss, n, ',')) list.push_back(n.substr(n.find_first_not_of(' ')));
  int failed = 0, passed = 0, skipped = 0;
  for (size_t i = 0; i < fns.size(); ++i) {
    try {
      (t.*fns[i])();
      ++passed;
      std::cout << "PASS   : " << list[i] << "\n";
    } catch (const Skip& s) {
      ++skipped;
      std::cout << "SKIP   : " << list[i] << " " << s.msg << "\n";
    } catch (const std::exception& e) {
      ++failed;
      std::cout << "FAIL!  : " << list[i] << " " << e.what() << "\n";
    }
  }
  std::cout << "Totals: " << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
  return failed ? 1 : 0;
}
}  // namespace ts::test

#define TS_LOC (std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": ")
#define QVERIFY(c) \
  do { if (!(c)) throw ts::test::Failure(TS_LOC + "QVERIFY(" #c ")"); } while (0)
#define QVERIFY2(c, m) \
  do { if (!(c)) throw ts::test::Failure(TS_LOC + "QVERIFY2(" #c "): " + std::string(m)); } while (0)
#define QCOMPARE(a, b) \
  do { if (!((a) == (b))) throw ts::test::Failure(TS_LOC + "QCOMPARE(" #a ", " #b ")"); } while (0)
#define QFAIL(m) throw ts::test::Failure(TS_LOC + std::string(m))
#define QSKIP(m) throw ts::test::Skip(m)

#define TS_FE_1(C, x) &C::x
#define TS_FE_2(C, x, ...) &C::x, TS_FE_1(C, __VA_ARGS__)
#define TS_FE_3(C, x, ...) &C::x, TS_FE_2(C, __VA_ARGS__)
#define TS_FE_4(C, x, ...) &C::x, TS_FE_3(C, __VA_ARGS__)
#define TS_FE_5(C, x, ...) &C::x, TS_FE_4(C, __VA_ARGS__)
#define TS_FE_6(C, x, ...) &C::x, TS_FE_5(C, __VA_ARGS__)
#define TS_FE_7(C, x, ...) &C::x, TS_FE_6(C, __VA_ARGS__)
#define TS_FE_8(C, x, ...) &C::x, TS_FE_7(C, __VA_ARGS__)
#define TS_FE_9(C, x, ...) &C::x, TS_FE_8(C, __VA_ARGS__)
#define TS_FE_10(C, x, ...) &C::x, TS_FE_9(C, __VA_ARGS__)
#define TS_FE_11(C, x, ...) &C::x, TS_FE_10(C, __VA_ARGS__)
#define TS_FE_12(C, x, ...) &C::x, TS_FE_11(C, __VA_ARGS__)
#define TS_FE_13(C, x, ...) &C::x, TS_FE_12(C, __VA_ARGS__)
#define TS_FE_14(C, x, ...) &C::x, TS_FE_13(C, __VA_ARGS__)
#define TS_FE_15(C, x, ...) &C::x, TS_FE_14(C, __VA_ARGS__)
#define TS_FE_16(C, x, ...) &C::x, TS_FE_15(C, __VA_ARGS__)
#define TS_FE_17(C, x, ...) &C::x, TS_FE_16(C, __VA_ARGS__)
#define TS_FE_18(C, x, ...) &C::x, TS_FE_17(C, __VA_ARGS__)
#define TS_FE_19(C, x, ...) &C::x, TS_FE_18(C, __VA_ARGS__)
#define TS_FE_20(C, x, ...) &C::x, TS_FE_19(C, __VA_ARGS__)
#define TS_FE_N(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, _18, _19, _20, N, ...) N
#define TS_FOR_EACH(C, ...)                                                                                         \
  TS_FE_N(__VA_ARGS__, TS_FE_20, TS_FE_19, TS_FE_18, TS_FE_17, TS_FE_16, TS_FE_15, TS_FE_14, TS_FE_13, TS_FE_12, \
          TS_FE_11, TS_FE_10, TS_FE_9, TS_FE_8, TS_FE_7, TS_FE_6, TS_FE_5, TS_FE_4, TS_FE_3, TS_FE_2, TS_FE_1)    \
  (C, __VA_ARGS__)
#define TS_TEST_MAIN(Class, ...)                                                       \
  int main() {                                                                         \
    Class t;                                                                           \
    return ts::test::run_all<Class>(t, #__VA_ARGS__, {TS_FOR_EACH(Class, __VA_ARGS__)}); \
  }
#endif

// Shared checks (work in both modes).
#define TS_CHECK_CLOSE(actual, expected, rtol, atol)                                                          \
  do {                                                                                                        \
    const double a_ = (actual), e_ = (expected);                                                              \
    if (!(std::fabs(a_ - e_) <= (atol) + (rtol) * std::fabs(e_))) {                                           \
      std::ostringstream m_;                                                                                  \
      m_.precision(17);                                                                                       \
      m_ << #actual << " = " << a_ << ", expected " << e_ << " (rtol " << (rtol) << ", atol " << (atol) << ")"; \
      QVERIFY2(false, m_.str().c_str());                                                                      \
    }                                                                                                         \
  } while (0)

// Expects `expr` to throw `Type` with `needle` in its message.
#define TS_EXPECT_THROW(Type, expr, needle)                                                                \
  do {                                                                                                     \
    bool thrown_ = false;                                                                                  \
    try {                                                                                                  \
      (void)(expr);                                                                                        \
    } catch (const Type& e_) {                                                                             \
      thrown_ = true;                                                                                      \
      const std::string msg_ = e_.what();                                                                  \
      QVERIFY2(msg_.find(needle) != std::string::npos, ("message '" + msg_ + "' lacks '" + needle + "'").c_str()); \
    }                                                                                                      \
    QVERIFY2(thrown_, "expected " #Type " from " #expr);                                                   \
  } while (0)

namespace ts::test {
/// The device engine tests run on: TS_TEST_DEVICE (e.g. cuda), default cpu.
inline std::string device() {
  const char* d = std::getenv("TS_TEST_DEVICE");
  return d && *d ? d : "cpu";
}
/// Folder of the generated TorchScript fixtures.
inline std::string fixtures() { return TS_FIXTURE_DIR; }
}  // namespace ts::test
