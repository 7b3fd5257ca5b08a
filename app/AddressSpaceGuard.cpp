// Runs before any shared library's initializer (an executable's .preinit_array). OpenBLAS's initializer
// allocates a buffer per thread, and under a tight address-space limit (ulimit -v) it retries that allocation
// forever, before main() could say anything; a little more room and LibTorch's static initializers die of
// std::bad_alloc. Here, with the libraries mapped but none initialised, the room left under the limit is
// known: with too little for OpenBLAS's default threads the program starts itself again with
// OPENBLAS_NUM_THREADS set, and with too little for one thread it stops at once with a message, instead of
// hanging. The C library is not initialised yet either (no environ, no stdio, no locale): only system calls
// and hand-made text are used.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>

namespace {

// Beyond the mapped libraries (533 MiB for the CLI), start-up and a small run were measured to need 556 MiB
// (docs/RELIABILITY.md "Address-space limits"): with less, LibTorch's static initializers die of
// std::bad_alloc or OpenBLAS's retry forever. Each BLAS thread past the first may take one more buffer of
// OpenBLAS's (128 MiB).
constexpr unsigned long long kMiB = 1ULL << 20;
constexpr unsigned long long kBase = 600 * kMiB;
constexpr unsigned long long kPerThread = 128 * kMiB;

struct Text {  // a fixed buffer that numbers and words are appended to
  char buf[512];
  size_t n = 0;
  Text& operator<<(const char* s) {
    while (*s && n + 1 < sizeof buf) buf[n++] = *s++;
    return *this;
  }
  Text& operator<<(unsigned long long v) {
    char d[24];
    int k = 0;
    do d[k++] = char('0' + v % 10);
    while ((v /= 10) && k < 24);
    while (k && n + 1 < sizeof buf) buf[n++] = d[--k];
    return *this;
  }
  void to_stderr() const {
    if (::write(2, buf, n) < 0) return;
  }
};

// Bytes of address space in use now: the first field of /proc/self/statm, in pages; 0 if unknown.
unsigned long long address_space_in_use() {
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[64];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  unsigned long long pages = 0;
  for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) pages = pages * 10 + (buf[i] - '0');
  return pages * static_cast<unsigned long long>(::sysconf(_SC_PAGESIZE));
}

const char* find_env(char** envp, const char* name) {
  const size_t len = std::strlen(name);
  for (char** e = envp; e && *e; ++e)
    if (std::strncmp(*e, name, len) == 0 && (*e)[len] == '=') return *e + len + 1;
  return nullptr;
}

void guard_address_space(int, char** argv, char** envp) {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
  const unsigned long long used = address_space_in_use(), cap = limit.rlim_cur;
  const unsigned long long left = cap > used ? cap - used : 0;
  const char* slash = argv && argv[0] ? std::strrchr(argv[0], '/') : nullptr;
  const char* name = slash ? slash + 1 : (argv && argv[0] ? argv[0] : "tangentscope");
  if (find_env(envp, "TS_DEBUG_ADDRESS_SPACE"))
    (Text() << name << ": address space: " << used / kMiB << " MiB mapped before start-up, " << left / kMiB
            << " MiB left under the limit\n")
        .to_stderr();
  if (left < kBase) {
    (Text() << name << ": error: the address-space limit (ulimit -v " << cap / 1024 << ") leaves "
            << left / kMiB << " MiB once the libraries are loaded, and TangentScope needs about "
            << kBase / kMiB << " MiB more to start: raise the limit (ulimit -v "
            << (used + kBase + kPerThread) / 1024 << " or more, or unlimited)\n")
        .to_stderr();
    ::_exit(1);
  }
  const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  const unsigned long long fits = 1 + (left - kBase) / kPerThread;
  if (cores <= 0 || fits >= static_cast<unsigned long long>(cores) || find_env(envp, "OPENBLAS_NUM_THREADS"))
    return;
  // Start again with OPENBLAS_NUM_THREADS set: the environment is read by OpenBLAS's initializer, which has
  // not run yet, but the C library's own copy of the environment is not made yet either.
  static char setting[48];
  static char* env[4096];
  Text t;
  t << "OPENBLAS_NUM_THREADS=" << fits;
  std::memcpy(setting, t.buf, t.n);
  size_t k = 0;
  for (char** e = envp; e && *e && k + 2 < sizeof env / sizeof env[0]; ++e) env[k++] = *e;
  env[k++] = setting;
  env[k] = nullptr;
  (Text() << name << ": note: the address-space limit (ulimit -v " << cap / 1024 << ") leaves room for "
          << fits << " BLAS thread" << (fits == 1 ? "" : "s") << " of "
          << static_cast<unsigned long long>(cores) << ": matrix products run on "
          << (fits == 1 ? "one" : "fewer") << " (OPENBLAS_NUM_THREADS=" << fits << ")\n")
      .to_stderr();
  ::execve("/proc/self/exe", argv, env);  // returns only on failure: then go on as we are
}

}  // namespace

// Called by the dynamic linker before the initializers of the shared libraries (ELF .preinit_array).
__attribute__((section(".preinit_array"),
               used)) void (*const ts_guard_address_space)(int, char**, char**) = &guard_address_space;
