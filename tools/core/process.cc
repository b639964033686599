#include "tools/core/process.h"

// Boost.Process v2 is used header-only (its default). Its std::filesystem mode
// does not compile in Boost 1.81, so paths cross this seam as strings.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/writable_pipe.hpp>
#include <boost/asio/write.hpp>
#include <boost/process/v2/environment.hpp>
// Boost 1.81 leaves process_environment::on_setup out of its header-only
// build; this, the only translation unit using Boost.Process, compiles it.
#include <boost/process/v2/impl/environment.ipp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/start_dir.hpp>
#include <boost/process/v2/stdio.hpp>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace ltskit {
namespace asio = boost::asio;
namespace bp = boost::process::v2;

std::string ProcessResult::describe_status(std::chrono::milliseconds timeout) const {
  if (timed_out) return "timed out after " + std::to_string(timeout.count()) + " ms";
  if (signal != 0) return std::string("was killed by signal ") + strsignal(signal);
  return "exited with status " + std::to_string(exit_code);
}

std::optional<std::filesystem::path> find_program(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    if (::access(program.c_str(), X_OK) == 0) return std::filesystem::path(program);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::string_view p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    size_t colon = p.find(':');
    std::string dir(p.substr(0, colon));
    if (dir.empty()) dir = ".";
    std::filesystem::path candidate = std::filesystem::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0 && !std::filesystem::is_directory(candidate)) return candidate;
    if (colon == std::string_view::npos) break;
    p.remove_prefix(colon + 1);
  }
  return std::nullopt;
}

namespace {

// Reads a pipe to its end into `sink`, keeping at most `limit` bytes.
class PipeReader {
 public:
  PipeReader(asio::readable_pipe& pipe, std::string& sink, size_t limit, bool& truncated)
      : pipe_(pipe), sink_(sink), limit_(limit), truncated_(truncated) {}
  void start() {
    pipe_.async_read_some(asio::buffer(buf_), [this](boost::system::error_code ec, size_t n) {
      if (n > 0) {
        size_t room = sink_.size() < limit_ ? limit_ - sink_.size() : 0;
        if (n > room) truncated_ = true;
        sink_.append(buf_, std::min(n, room));
      }
      if (!ec) start();
    });
  }

 private:
  asio::readable_pipe& pipe_;
  std::string& sink_;
  size_t limit_;
  bool& truncated_;
  char buf_[65536];
};

// In the child, before exec: the kernel kills it (SIGKILL) when the thread
// that started it goes away, so no nix-env outlives an ltskit that was
// killed (even with SIGKILL). If the parent died before this ran, the child
// exits at once.
struct DieWithParent {
  pid_t parent = ::getpid();
  template <typename Launcher>
  boost::system::error_code on_exec_setup(Launcher&, const bp::filesystem::path&, const char* const*) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    return {};
  }
};

}  // namespace

Result<ProcessResult> run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) return internal("run_process: empty argv");
  auto exe = find_program(argv[0]);
  if (!exe) return not_found("program '" + argv[0] + "' not found in PATH");

  std::vector<std::string> env;
  if (!options.clear_env) {
    for (char** e = environ; *e; ++e) {
      std::string_view kv(*e);
      std::string key(kv.substr(0, kv.find('=')));
      if (options.env.count(key)) continue;
      env.emplace_back(kv);
    }
  }
  for (const auto& [k, v] : options.env)
    if (v) env.push_back(k + "=" + *v);

  asio::io_context ctx;
  asio::readable_pipe out_pipe(ctx), err_pipe(ctx);
  asio::writable_pipe in_pipe(ctx);
  ProcessResult result;
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  boost::system::error_code ec;

  std::optional<bp::process> proc;
  try {
    std::filesystem::path cwd = options.cwd.empty() ? std::filesystem::current_path() : options.cwd;
    if (options.stdin_data) {
      proc.emplace(ctx, exe->string(), args, bp::process_stdio{in_pipe, out_pipe, err_pipe},
                   bp::process_start_dir{cwd.string()}, bp::process_environment{env}, DieWithParent{});
    } else {
      proc.emplace(ctx, exe->string(), args, bp::process_stdio{nullptr, out_pipe, err_pipe},
                   bp::process_start_dir{cwd.string()}, bp::process_environment{env}, DieWithParent{});
    }
  } catch (const boost::system::system_error& e) {
    return external("cannot start '" + argv[0] + "': " + e.code().message());
  }

  PipeReader out_reader(out_pipe, result.out, options.max_output, result.output_truncated);
  PipeReader err_reader(err_pipe, result.err, options.max_output, result.output_truncated);
  out_reader.start();
  err_reader.start();
  if (options.stdin_data) {
    asio::async_write(in_pipe, asio::buffer(*options.stdin_data),
                      [&](boost::system::error_code, size_t) { in_pipe.close(); });
  }

  asio::steady_timer timer(ctx);
  bool exited = false;
  if (options.timeout.count() > 0) {
    timer.expires_after(options.timeout);
    timer.async_wait([&](boost::system::error_code tec) {
      if (tec || exited) return;
      result.timed_out = true;
      boost::system::error_code kec;
      proc->terminate(kec);
      out_pipe.close(kec);
      err_pipe.close(kec);
      in_pipe.close(kec);
    });
  }
  proc->async_wait([&](boost::system::error_code, int) {
    exited = true;
    timer.cancel();
  });
  ctx.run();

  int native = proc->native_exit_code();
  if (WIFSIGNALED(native)) {
    result.signal = WTERMSIG(native);
  } else if (WIFEXITED(native)) {
    result.exit_code = WEXITSTATUS(native);
  }
  if (result.timed_out) result.signal = 0;
  return result;
}

}  // namespace ltskit
