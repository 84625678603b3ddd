// The test harness itself: temp directories do not outlive the test binary.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "tests/test_process.h"

namespace scim::testing {
namespace {

TEST(MakeTempDirTest, DirectoriesAreRemovedWhenTheProcessExits) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // the child makes a directory with a file, then exits
    close(fds[0]);
    const std::string dir = MakeTempDir("make_temp_dir_test");
    std::FILE* f = std::fopen((dir + "/file").c_str(), "w");
    if (f != nullptr) std::fclose(f);
    (void)!write(fds[1], dir.data(), dir.size());
    close(fds[1]);
    std::exit(0);
  }
  close(fds[1]);
  std::string dir;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;) dir.append(buf, n);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_FALSE(dir.empty());
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir << " outlived its test process";
}

}  // namespace
}  // namespace scim::testing
