#include "cli/socket_path.h"

#include <gtest/gtest.h>

namespace orch::cli {
namespace {

TEST(SocketPathTest, FlagThenEnvironmentThenSystemThenLocal) {
  // Given each source in turn, the first one set wins, in the documented order.
  auto present = [](const std::string&) { return true; };
  auto absent = [](const std::string&) { return false; };
  EXPECT_EQ(ResolveSocketPath("/tmp/a.sock", "/tmp/b.sock", present), "/tmp/a.sock");
  EXPECT_EQ(ResolveSocketPath(std::nullopt, "/tmp/b.sock", present), "/tmp/b.sock");
  EXPECT_EQ(ResolveSocketPath(std::string(), "", present), kSystemSocket);
  EXPECT_EQ(ResolveSocketPath(std::nullopt, nullptr, absent), kLocalSocket);
}

}  // namespace
}  // namespace orch::cli
