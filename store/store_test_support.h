// Test-only: a database file in a fresh temporary directory, opened at the current schema.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "common/fake_clock.h"
#include "store/sqlite_repositories.h"
#include "store/sqlite_store.h"

namespace orch::store::testing {

/// Opens <tmp>/orchd.db on SetUp and removes the directory on TearDown.
class StoreFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "catalog_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    StatusOr<std::unique_ptr<SqliteStore>> opened =
        SqliteStore::Open({.path = dir_ + "/orchd.db", .orchd_version = "test", .clock = &clock_});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    repositories_ = RepositoriesOf(*store_);
  }
  void TearDown() override {
    repositories_.reset();
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  FakeClock clock_;
  std::string dir_;
  std::unique_ptr<SqliteStore> store_;
  // The repositories of store_.
  std::unique_ptr<Repositories> repositories_;
};

}  // namespace orch::store::testing
