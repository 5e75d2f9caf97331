#include "api/agent/session_touches.h"

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>
#include <gtest/gtest.h>

#include "common/fake_clock.h"
#include "common/guid.h"
#include "scheduler/timer.h"
#include "store/agent_store.h"
#include "store/sqlite_store.h"
#include "store/write_executor.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_loop.h"

namespace orch::api {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class SessionTouchesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "session_touches.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    // No busy wait: a lock held by another connection fails a write at once.
    ASSERT_OK_AND_ASSIGN(store_, store::SqliteStore::Open({.path = dir_ + "/orchd.db",
                                                           .orchd_version = "test",
                                                           .busy_timeout = milliseconds(0),
                                                           .clock = &clock_}));
    store::Agent agent;
    agent.agent_id = NewGuid();
    agent.client_machine = "web01";
    agent.username = "bootstrap";
    agent.created_at = clock_.WallNow();
    ASSERT_OK(agents().CreateAgent(agent));
    session_ = {"hash-1", agent.agent_id, "", clock_.WallNow(), clock_.WallNow()};
    ASSERT_OK(agents().CreateSession(session_));
    inline_writer_.emplace(*store_);
    touches_.emplace(*inline_writer_, clock_, timer_);
  }
  void TearDown() override {
    touches_.reset();
    inline_writer_.reset();
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  store::SqliteAgentStore agents() { return store::SqliteAgentStore(*store_); }
  WallTime StoredLastCall() {
    return agents().FindSession(session_.token_hash)->value().last_call_at;
  }
  std::optional<WallTime> StoredLastSeen() {
    return agents().GetAgent(session_.agent_id)->last_seen;
  }

  std::string dir_;
  FakeClock clock_;
  scheduler::FakeTimer timer_;
  std::unique_ptr<store::SqliteStore> store_;
  store::SessionRecord session_;
  std::optional<store::InlineWriter> inline_writer_;
  std::optional<SessionTouches> touches_;
};

TEST_F(SessionTouchesTest, CallsAreWrittenTogetherOnceTheDelayHasPassed) {
  // Given calls on a session, nothing is written until the timer fires a second later; the
  // session's last call is known at once, and one write then records the latest call.
  const WallTime start = clock_.WallNow();
  clock_.Advance(seconds(5));
  touches_->Touch(session_, clock_.WallNow());
  ASSERT_TRUE(timer_.deadline().has_value());
  EXPECT_EQ(*timer_.deadline(), clock_.SteadyNow() + SessionTouches::kDefaultDelay);
  clock_.Advance(milliseconds(400));
  touches_->Touch(session_, clock_.WallNow());
  const WallTime latest = clock_.WallNow();
  // An older call arriving late does not move the session back.
  touches_->Touch(session_, latest - seconds(3));

  EXPECT_EQ(StoredLastCall(), start);
  EXPECT_EQ(StoredLastSeen(), std::nullopt);
  EXPECT_EQ(touches_->LastCall(agents().FindSession("hash-1")->value()), latest);
  EXPECT_EQ(touches_->pending(), 1u);

  EXPECT_FALSE(timer_.FireIfDue(clock_.SteadyNow()));
  clock_.Advance(milliseconds(600));
  EXPECT_TRUE(timer_.FireIfDue(clock_.SteadyNow()));
  EXPECT_EQ(StoredLastCall(), latest);
  EXPECT_EQ(StoredLastSeen(), latest);
  EXPECT_EQ(touches_->pending(), 0u);
  EXPECT_FALSE(timer_.deadline().has_value());  // nothing left to write, nothing armed
}

TEST_F(SessionTouchesTest, FlushWritesAtOnceAndDisarms) {
  // Given a pending call, Flush writes it now and the timer is no longer armed.
  clock_.Advance(seconds(7));
  touches_->Touch(session_, clock_.WallNow());
  touches_->Flush();
  EXPECT_EQ(StoredLastCall(), clock_.WallNow());
  EXPECT_FALSE(timer_.deadline().has_value());
  touches_->Flush();  // nothing pending: nothing to do
}

TEST_F(SessionTouchesTest, ForgottenSessionsAreNotWritten) {
  // Given a pending call on a session that then ends, nothing is written for it.
  clock_.Advance(seconds(7));
  touches_->Touch(session_, clock_.WallNow());
  touches_->Forget(session_.token_hash);
  EXPECT_EQ(touches_->pending(), 0u);
  touches_->Flush();
  EXPECT_EQ(StoredLastCall(), session_.last_call_at);
}

TEST_F(SessionTouchesTest, AFailedWriteKeepsTheCallsAndRetries) {
  // Given another connection holding the write lock, the write fails, the calls stay pending
  // and the timer is armed again; once the lock is gone the retry writes them.
  clock_.Advance(seconds(9));
  touches_->Touch(session_, clock_.WallNow());
  const WallTime at = clock_.WallNow();
  {
    SQLite::Database other(dir_ + "/orchd.db", SQLite::OPEN_READWRITE);
    SQLite::Transaction lock(other, SQLite::TransactionBehavior::IMMEDIATE);
    touches_->Flush();
    EXPECT_EQ(touches_->pending(), 1u);
    ASSERT_TRUE(timer_.deadline().has_value());
    clock_.Advance(seconds(1));
    EXPECT_TRUE(timer_.FireIfDue(clock_.SteadyNow()));  // fails again, re-arms
    EXPECT_EQ(touches_->pending(), 1u);
    ASSERT_TRUE(timer_.deadline().has_value());
  }
  clock_.Advance(seconds(1));
  EXPECT_TRUE(timer_.FireIfDue(clock_.SteadyNow()));
  EXPECT_EQ(touches_->pending(), 0u);
  EXPECT_EQ(StoredLastCall(), at);
  EXPECT_EQ(StoredLastSeen(), at);
}

TEST_F(SessionTouchesTest, WithAWriterCallsAreWrittenOffTheLoopAndRetriedAfterAFailedCommit) {
  // Given a writer thread, Flush hands the calls over and answers at once; they count as
  // pending (and show in LastCall and PendingLastSeen) until the commit. A failed commit makes
  // them pending again with the timer armed; the next flush writes them.
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<store::SqliteStore> connection,
      store::SqliteStore::Open(
          {.path = dir_ + "/orchd.db", .orchd_version = "test", .clock = &clock_}));
  orch::testing::TestLoop loop;
  store::CommitFaults faults;
  store::WriteExecutor writer(std::move(connection), loop.Post(), {.faults = &faults});
  touches_.reset();
  touches_.emplace(writer, clock_, timer_);

  clock_.Advance(seconds(9));
  const WallTime at = clock_.WallNow();
  touches_->Touch(session_, at);
  faults.Fail(1, ResourceExhaustedError("disk full"));
  touches_->Flush();
  EXPECT_EQ(touches_->pending(), 1u);
  EXPECT_EQ(touches_->PendingLastSeen().at(session_.agent_id), at);
  EXPECT_EQ(touches_->LastCall(session_), at);
  ASSERT_TRUE(
      loop.RunUntil([&] { return writer.state().stats.failed_commits == 1 && timer_.deadline(); }));
  EXPECT_EQ(touches_->pending(), 1u);
  EXPECT_EQ(StoredLastCall(), session_.last_call_at);

  clock_.Advance(seconds(1));
  EXPECT_TRUE(timer_.FireIfDue(clock_.SteadyNow()));
  ASSERT_TRUE(loop.RunUntil([&] { return touches_->pending() == 0; }));
  EXPECT_EQ(StoredLastCall(), at);
  EXPECT_EQ(StoredLastSeen(), at);
  EXPECT_TRUE(touches_->PendingLastSeen().empty());
  touches_.reset();  // before the writer, whose answers it receives
}

}  // namespace
}  // namespace orch::api
