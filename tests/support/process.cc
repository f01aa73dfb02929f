#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace larder::test {
namespace {

struct ExecError {
  int stage;  // 0 stdout, 1 stderr, 2 cwd, 3 exec, 4 stdin, 5 rlimit
  int err;
};

[[noreturn]] void child_fail(int fd, int stage) {
  ExecError e{stage, errno};
  ssize_t n = ::write(fd, &e, sizeof e);
  (void)n;
  _exit(127);
}

int open_out(const std::string& path, bool append) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | (append ? 0 : O_TRUNC), 0644);
}

}  // namespace

std::string ExitStatus::describe() const {
  if (signal != 0) return "killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  return "exit code " + std::to_string(code);
}

ChildProcess::ChildProcess(const ChildOptions& opts) {
  if (opts.argv.empty()) throw std::runtime_error("ChildProcess: empty argv");
  // Everything the child needs is prepared before fork: after fork only async-signal-safe
  // calls are allowed.
  std::vector<std::string> env_strings;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    bool replaced = false;
    for (const auto& [k, v] : opts.env) replaced = replaced || kv.rfind(k + "=", 0) == 0;
    if (!replaced) env_strings.push_back(std::move(kv));
  }
  for (const auto& [k, v] : opts.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (const auto& a : opts.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  const bool merged = !opts.stdout_path.empty() && opts.stdout_path == opts.stderr_path;

  int errpipe[2];
  if (pipe2(errpipe, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("ChildProcess: pipe2: ") + std::strerror(errno));
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    ::close(errpipe[0]);
    ::close(errpipe[1]);
    throw std::runtime_error(std::string("ChildProcess: fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    ::close(errpipe[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);  // the parent died before prctl
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD}) ::signal(s, SIG_DFL);
    int in = ::open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0) child_fail(errpipe[1], 4);
    if (in > 2) ::close(in);
    if (!opts.stdout_path.empty()) {
      int fd = open_out(opts.stdout_path, opts.append_output);
      if (fd < 0 || dup2(fd, 1) < 0) child_fail(errpipe[1], 0);
      if (merged && dup2(fd, 2) < 0) child_fail(errpipe[1], 1);
      if (fd > 2) ::close(fd);
    }
    if (!opts.stderr_path.empty() && !merged) {
      int fd = open_out(opts.stderr_path, opts.append_output);
      if (fd < 0 || dup2(fd, 2) < 0) child_fail(errpipe[1], 1);
      if (fd > 2) ::close(fd);
    }
    if (!opts.cwd.empty() && chdir(opts.cwd.c_str()) != 0) child_fail(errpipe[1], 2);
    if (opts.file_size_limit) {
      ::signal(SIGXFSZ, SIG_IGN);
      // The soft limit only: the hard one stays, so the limit can be lifted again without
      // CAP_SYS_RESOURCE (which root in a container may lack).
      rlimit lim{};
      if (getrlimit(RLIMIT_FSIZE, &lim) != 0) child_fail(errpipe[1], 5);
      lim.rlim_cur = static_cast<rlim_t>(*opts.file_size_limit);
      if (setrlimit(RLIMIT_FSIZE, &lim) != 0) child_fail(errpipe[1], 5);
    }
    if (opts.in_child) opts.in_child();
    execvpe(argv[0], argv.data(), envp.data());
    child_fail(errpipe[1], 3);
  }
  ::close(errpipe[1]);
  pid_ = pid;
  ExecError e{};
  ssize_t n;
  do {
    n = ::read(errpipe[0], &e, sizeof e);
  } while (n < 0 && errno == EINTR);
  ::close(errpipe[0]);
  if (n == static_cast<ssize_t>(sizeof e)) {
    reap(true);
    static const char* stages[] = {"open stdout file", "open stderr file", "chdir", "exec", "open /dev/null",
                                   "setrlimit(RLIMIT_FSIZE)"};
    throw std::runtime_error("ChildProcess: cannot start '" + opts.argv[0] + "': " + stages[e.stage] +
                             ": " + std::strerror(e.err));
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) kill();
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_), status_(other.status_) {
  other.pid_ = 0;
  other.status_.reset();
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !status_) kill();
    pid_ = other.pid_;
    status_ = other.status_;
    other.pid_ = 0;
    other.status_.reset();
  }
  return *this;
}

bool ChildProcess::reap(bool block) {
  if (pid_ <= 0) return true;
  if (status_) return true;
  int st = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &st, block ? 0 : WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  ExitStatus s;
  if (r < 0) {
    s.code = -1;  // reaped elsewhere
  } else if (WIFEXITED(st)) {
    s.code = WEXITSTATUS(st);
  } else if (WIFSIGNALED(st)) {
    s.signal = WTERMSIG(st);
  }
  status_ = s;
  return true;
}

bool ChildProcess::running() { return pid_ > 0 && !reap(false); }

bool ChildProcess::signal(int sig) {
  if (!running()) return false;
  return ::kill(pid_, sig) == 0;
}

std::optional<ExitStatus> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reap(false)) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status_;
}

ExitStatus ChildProcess::kill() {
  if (pid_ <= 0) return {};
  if (!status_) ::kill(pid_, SIGKILL);
  reap(true);
  return *status_;
}

ExitStatus ChildProcess::terminate(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return {};
  signal(SIGTERM);
  if (auto s = wait(grace)) return *s;
  return kill();
}

bool set_file_size_limit(pid_t pid, std::uint64_t bytes) {
  // The soft limit, up to the hard one (raising the hard limit needs CAP_SYS_RESOURCE).
  rlimit lim{};
  if (::prlimit(pid, RLIMIT_FSIZE, nullptr, &lim) != 0) return false;
  lim.rlim_cur = bytes == kNoFileSizeLimit ? lim.rlim_max : static_cast<rlim_t>(bytes);
  return ::prlimit(pid, RLIMIT_FSIZE, &lim, nullptr) == 0;
}

std::string self_exe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
}

}  // namespace larder::test
