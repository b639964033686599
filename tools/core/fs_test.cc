#include "tools/core/fs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tools/core/test_util.h"

namespace ltskit {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(WriteOutputFile, ReplacesARegularFileAtomicallyKeepingItsMode) {
  TempDir dir;
  fs::path f = dir.write("out.json", "old");
  ASSERT_EQ(::chmod(f.c_str(), 0600), 0);
  ASSERT_TRUE(write_output_file(f, "new").ok());
  EXPECT_EQ(slurp(f), "new");
  struct stat st {};
  ASSERT_EQ(::stat(f.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_TRUE(write_output_file(dir / "fresh.json", "x").ok());
  EXPECT_EQ(slurp(dir / "fresh.json"), "x");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2);  // no temp files
}

TEST(WriteOutputFile, WritesThroughASymlinkAndKeepsTheLink) {
  TempDir dir;
  fs::path target = dir.write("real/vex.json", "old");
  fs::create_symlink(target, dir / "link.json");
  ASSERT_TRUE(write_output_file(dir / "link.json", "new").ok());
  EXPECT_TRUE(fs::is_symlink(dir / "link.json"));
  EXPECT_EQ(slurp(target), "new");
}

TEST(WriteOutputFile, WritesIntoAFifoInsteadOfReplacingIt) {
  TempDir dir;
  fs::path fifo = dir / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string got;
  std::thread reader([&] { got = slurp(fifo); });
  Status s = write_output_file(fifo, "through the pipe");
  reader.join();
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_EQ(got, "through the pipe");
  EXPECT_TRUE(fs::is_fifo(fifo));
}

TEST(WriteOutputFile, RefusesAFolder) {
  TempDir dir;
  fs::create_directories(dir / "d");
  Status s = write_output_file(dir / "d", "x");
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(fs::is_directory(dir / "d"));
}

// Issue 8, point 4: `vex -o /dev/null` as root replaced the device with a
// regular file. A character device (a copy of /dev/null made in a temporary
// folder, so that a regression cannot harm the machine) is written through.
TEST(WriteOutputFile, WritesThroughACharacterDevice) {
  TempDir dir;
  fs::path null = dir / "null";
  if (::mknod(null.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0)
    GTEST_SKIP() << "cannot create a device node here (needs CAP_MKNOD)";
  Status s = write_output_file(null, "discarded");
  ASSERT_TRUE(s.ok()) << s.error().describe();
  EXPECT_TRUE(fs::is_character_file(null));
  EXPECT_EQ(slurp(null), "");
}

}  // namespace
}  // namespace ltskit
