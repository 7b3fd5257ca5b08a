// tangentscope-cli launch --nproc N -- COMMAND …: N local ranks of one run, for a user without torchrun. Each
// rank is this program again, with the environment torchrun sets (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
// MASTER_PORT) and TS_DIST_TIMEOUT.
#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <ostream>
#include <thread>

#include "CliCommon.h"
#include "core/Errors.h"

extern char** environ;

namespace ts::cli {

namespace {

// A TCP port on 127.0.0.1 that was free a moment ago (the ranks' rendezvous; rank 0 binds it).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw InputError(std::string("launch: cannot open a socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  ::close(fd);
  if (!ok) throw InputError(std::string("launch: no free TCP port on 127.0.0.1: ") + std::strerror(errno));
  return ntohs(a.sin_port);
}

}  // namespace

std::string program_path() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) throw InputError("launch: cannot find this program's own path (/proc/self/exe)");
  return std::string(buf, static_cast<size_t>(n));
}

namespace {

std::string describe(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::strsignal(sig);
    return "was killed by signal " + std::to_string(sig) + (name ? std::string(" (") + name + ")" : "");
  }
  return "ended with status " + std::to_string(status);
}

const char* kAfterDashes =
    "launch: give the command after --, e.g. tangentscope-cli launch --nproc 2 -- trace --model … (see "
    "tangentscope-cli launch --help)";

int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

// Starts `nproc` ranks of `command` (the words after --) with the rendezvous in their environment.
std::vector<pid_t> start_ranks(const std::string& exe, const std::vector<std::string>& command, int nproc,
                               int port, int timeout) {
  // One thread per core share, unless the user said otherwise (ranks on one machine would oversubscribe it).
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const std::string threads = std::to_string(std::max(1u, cores / static_cast<unsigned>(nproc)));
  std::vector<pid_t> pids;
  for (int r = 0; r < nproc; ++r) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string kv = *e;
      const std::string key = kv.substr(0, kv.find('='));
      if (key == "RANK" || key == "WORLD_SIZE" || key == "LOCAL_RANK" || key == "LOCAL_WORLD_SIZE" ||
          key == "MASTER_ADDR" || key == "MASTER_PORT" || key == "TS_DIST_TIMEOUT")
        continue;
      env.push_back(kv);
    }
    env.push_back("RANK=" + std::to_string(r));
    env.push_back("LOCAL_RANK=" + std::to_string(r));
    env.push_back("WORLD_SIZE=" + std::to_string(nproc));
    env.push_back("LOCAL_WORLD_SIZE=" + std::to_string(nproc));
    env.push_back("MASTER_ADDR=127.0.0.1");
    env.push_back("MASTER_PORT=" + std::to_string(port));
    env.push_back("TS_DIST_TIMEOUT=" + std::to_string(timeout));
    if (std::getenv("OMP_NUM_THREADS") == nullptr) env.push_back("OMP_NUM_THREADS=" + threads);
    std::vector<std::string> argv{exe};
    argv.insert(argv.end(), command.begin(), command.end());
    std::vector<char*> cargv, cenv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    for (auto& e : env) cenv.push_back(e.data());
    cenv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, exe.c_str(), nullptr, nullptr, cargv.data(), cenv.data());
    if (rc != 0) {
      for (pid_t p : pids) ::kill(p, SIGKILL);
      for (pid_t p : pids) ::waitpid(p, nullptr, 0);
      throw InputError("launch: cannot start rank " + std::to_string(r) + ": " + std::strerror(rc));
    }
    pids.push_back(pid);
  }

  return pids;
}

// Waits for every rank and returns the launch's exit code (the first failing rank's).
int wait_for_ranks(const std::vector<pid_t>& pids, int timeout, std::ostream& err) {
  const int nproc = static_cast<int>(pids.size());
  // Wait for every rank. After the first failure the others have the time-out (and a little more) to end on
  // their own with their own error; then they are stopped.
  std::vector<int> status(pids.size(), 0);
  std::vector<bool> done(pids.size(), false);
  int remaining = nproc, first_failure = -1, code = 0;
  bool forwarded = false;
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (remaining > 0) {
    int st = 0;
    const pid_t pid = ::waitpid(-1, &st, WNOHANG);
    if (pid > 0) {
      for (size_t r = 0; r < pids.size(); ++r) {
        if (pids[r] != pid) continue;
        done[r] = true;
        status[r] = st;
        --remaining;
        if (exit_code(st) != 0 && first_failure < 0) {
          first_failure = static_cast<int>(r);
          code = exit_code(st);
          deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout + 10);
        }
      }
      continue;
    }
    if (pid < 0 && errno != EINTR) break;
    if (pending_signal() != 0 && !forwarded) {  // Ctrl+C reaches the ranks too; SIGTERM may not
      for (size_t r = 0; r < pids.size(); ++r)
        if (!done[r]) ::kill(pids[r], pending_signal());
      forwarded = true;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      for (size_t r = 0; r < pids.size(); ++r)
        if (!done[r]) {
          err << "tangentscope-cli launch: rank " << r << " of " << nproc << " did not end " << timeout + 10
              << " s after rank " << first_failure << " failed; stopping it\n";
          ::kill(pids[r], SIGKILL);
        }
      deadline = std::chrono::steady_clock::time_point::max();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (size_t r = 0; r < pids.size(); ++r)
    if (exit_code(status[r]) != 0 && !(WIFEXITED(status[r]) && pending_signal() != 0))
      err << "tangentscope-cli launch: rank " << r << " of " << nproc << " " << describe(status[r]) << "\n";
  return code;
}

}  // namespace

int cmd_launch(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const auto dashes = std::find(args.begin(), args.end(), "--");
  CLI::App app{
      "Runs a command as N local ranks (processes) of one run over torch.distributed (Gloo on TCP): "
      "work is divided as --distribute says, the result equals one process's, and rank 0 alone "
      "prints and writes files.",
      "tangentscope-cli launch"};
  int nproc = 0, port = 0, timeout = 120;
  app.add_option("--nproc", nproc, "ranks to start, 1 to 64")->required()->check(CLI::Range(1, 64));
  app.add_option("--port", port, "rendezvous port on 127.0.0.1 (default: a free one)")
      ->check(CLI::Range(0, 65535));
  app.add_option(
         "--timeout", timeout,
         "seconds a rank may go without answering (or arriving) before every rank stops (default 120)")
      ->check(CLI::Range(1, 86400));
  app.footer(
      "Usage: tangentscope-cli launch --nproc N [--port P] [--timeout S] -- COMMAND [OPTIONS]\n"
      "Example: tangentscope-cli launch --nproc 2 -- trace --model mlp:in=64,width=256,depth=3,out=10 "
      "--data digits:n=200 --estimator xnystrace --matvecs 64\n"
      "Under torchrun, run tangentscope-cli itself: it reads RANK, WORLD_SIZE, MASTER_ADDR and "
      "MASTER_PORT.");
  std::vector<std::string> mine(args.begin() + 1, dashes);
  std::reverse(mine.begin(), mine.end());
  try {
    app.parse(mine);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::ExtrasError& e) {
    if (dashes == args.end()) throw InputError(kAfterDashes);  // "launch --nproc 2 trace …"
    throw InputError(std::string("launch: ") + e.what() + " (see tangentscope-cli launch --help)");
  } catch (const CLI::ParseError& e) {
    throw InputError(std::string("launch: ") + e.what() + " (see tangentscope-cli launch --help)");
  }
  if (dashes == args.end() || dashes + 1 == args.end()) throw InputError(kAfterDashes);
  if (*(dashes + 1) == "launch") throw InputError("launch: the command after -- cannot be launch itself");
  const std::string exe = program_path();
  if (port == 0) port = free_port();

  const std::vector<std::string> command(dashes + 1, args.end());
  return wait_for_ranks(start_ranks(exe, command, nproc, port, timeout), timeout, err);
}

}  // namespace ts::cli
