#include "abi-check/file_io.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace ltskit::abi {
namespace {

namespace fs = std::filesystem;

class AtomicWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ltsabi-io-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string read(const fs::path& p) {
    auto r = read_file(p.string());
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : "";
  }
  std::set<std::string> names() {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.insert(e.path().filename().string());
    return out;
  }
  static mode_t mode(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0);
    return st.st_mode & 07777;
  }
  fs::path dir_;
};

TEST_F(AtomicWrite, CreatesAndReplacesLeavingNoTemporaryFile) {
  fs::path f = dir_ / "a.json";
  mode_t old_umask = ::umask(027);
  auto w = write_file_atomically(f.string(), "first");
  ::umask(old_umask);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(read(f), "first");
  EXPECT_EQ(mode(f), 0640u) << "a new file gets 0666 less the umask";
  EXPECT_EQ(names(), std::set<std::string>{"a.json"});

  ASSERT_EQ(::chmod(f.c_str(), 0600), 0);
  std::string big(200000, 'x');
  ASSERT_TRUE(write_file_atomically(f.string(), big).ok());
  EXPECT_EQ(read(f), big);
  EXPECT_EQ(mode(f), 0600u) << "a replaced file keeps its mode";
  EXPECT_EQ(names(), std::set<std::string>{"a.json"});
}

TEST_F(AtomicWrite, AFileNameWithoutAFolderGoesToTheWorkingFolder) {
  fs::path cwd = fs::current_path();
  fs::current_path(dir_);
  auto w = write_file_atomically("here.json", "x");
  fs::current_path(cwd);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(read(dir_ / "here.json"), "x");
  EXPECT_EQ(names(), std::set<std::string>{"here.json"});
}

TEST_F(AtomicWrite, MissingFolderIsNotFoundAndCreatesNothing) {
  std::string target = (dir_ / "missing" / "a.json").string();
  auto w = write_file_atomically(target, "x");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, ErrorCode::kNotFound);
  EXPECT_NE(w.error().message.find(target), std::string::npos) << w.error().message;
  EXPECT_TRUE(names().empty());
  auto no_name = write_file_atomically((dir_ / "").string() + "/", "x");
  ASSERT_FALSE(no_name.ok());
  EXPECT_EQ(no_name.error().code, ErrorCode::kUsage);
}

// A write that fails halfway (EFBIG here, as ENOSPC on a full disk) leaves
// the old file as it was and removes the temporary file.
TEST_F(AtomicWrite, FailedWriteKeepsTheOldFileAndRemovesTheTemporary) {
  fs::path f = dir_ / "a.json";
  std::ofstream(f) << "old";
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto w = write_file_atomically(f.string(), std::string(100000, 'n'));
  ::setrlimit(RLIMIT_FSIZE, &saved);
  ::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, ErrorCode::kIo);
  EXPECT_NE(w.error().message.find(f.string()), std::string::npos) << w.error().message;
  EXPECT_EQ(read(f), "old");
  EXPECT_EQ(names(), std::set<std::string>{"a.json"});
}

TEST_F(AtomicWrite, RenameOverAFolderFailsAndRemovesTheTemporary) {
  fs::create_directories(dir_ / "a.json" / "inside");
  auto w = write_file_atomically((dir_ / "a.json").string(), "x");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, ErrorCode::kIo);
  EXPECT_TRUE(fs::is_directory(dir_ / "a.json" / "inside"));
  EXPECT_EQ(names(), std::set<std::string>{"a.json"});
}

TEST(ReadFile, ErrorsTellMissingFromFolders) {
  auto missing = read_file("/nonexistent/ltsabi/file");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("/nonexistent/ltsabi/file"), std::string::npos);
  auto folder = read_file(fs::temp_directory_path().string());
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.error().code, ErrorCode::kInvalid);
}

}  // namespace
}  // namespace ltskit::abi
