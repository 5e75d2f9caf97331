// End-to-end: the real orchd with its database on a small tmpfs of its own. Filled up, the
// filesystem refuses orchd's writes: they answer 507 RESOURCE_EXHAUSTED and change nothing,
// reads are still served, GET /Status says the store is unhealthy and why, and the log says
// so once; with space back, the next write goes through without a restart. On the filesystem
// remounted read-only, orchd refuses to start, naming the file, and starts as before once it
// is writable again. On an ext4 filesystem that the kernel makes read-only under orchd, writes
// answer 507 naming the file and reads go on. Mounting needs root (CAP_SYS_ADMIN): without it
// each test says so and skips, and api/control/writes_off_loop_test.cc covers the same
// behaviour with injected faults.
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <initializer_list>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pki/test_certs.h"
#include "tests/e2e/db_content.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/jobs_e2e_support.h"
#include "tests/testing/read_only_switch.h"
#include "tests/testing/status_matchers.h"

namespace orch::e2e {
namespace {

using nlohmann::json;
namespace certs = pki::testing;

constexpr char kStoreFull[] = "the store takes no writes";

// Occurrences of `needle` in `text`.
size_t Count(const std::string& text, const std::string& needle) {
  size_t count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// January 1st of next year, by the real clock the daemon under test reads.
std::string NextYear() {
  const std::chrono::year_month_day today{
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())};
  return std::to_string(static_cast<int>(today.year()) + 1) + "-01-01T00:00:00Z";
}

// Writes to a new file at `path` until the filesystem has no space left; ok once it is full.
Status FillFilesystem(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return InternalError("cannot create " + path + ": " + std::strerror(errno));
  const std::string chunk(64 * 1024, 'f');
  int error = 0;
  for (size_t size : {chunk.size(), size_t{512}}) {
    // Big writes first; then small ones take what partial pages are left.
    for (;;) {
      const ssize_t n = ::write(fd, chunk.data(), size);
      if (n >= 0) continue;
      error = errno;
      break;
    }
    if (error != ENOSPC) break;
  }
  ::close(fd);
  if (error != ENOSPC) return InternalError("filling " + path + ": " + std::strerror(error));
  return Status::Ok();
}

// The first of `paths` that exists, or "".
std::string FirstExisting(std::initializer_list<const char*> paths) {
  for (const char* path : paths) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

// Runs `argv` to its end; ok when it exits 0, else its output.
Status RunTool(const std::vector<std::string>& argv, const std::string& log_path) {
  ORCH_ASSIGN_OR_RETURN(Process tool, Process::Start(argv, {}, log_path));
  const std::optional<int> code = tool.WaitExit();
  if (code == 0) return Status::Ok();
  return InternalError(argv[0] + " failed: " + tool.Log());
}

// An ext4 image of 16 MiB on a loop device, mounted with errors=remount-ro: once the kernel's
// test hook (/sys/fs/ext4/<device>/trigger_fs_error) records an error, the filesystem is
// read-only at once, files open for writing included, as after a failing disk. It stays so
// until it is unmounted and checked.
class ReadOnlyOnErrorExt4 {
 public:
  ReadOnlyOnErrorExt4(const std::string& image, const std::string& dir) : dir_(dir) {
    const std::string mkfs = FirstExisting({"/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4"});
    const std::string mount = FirstExisting({"/usr/bin/mount", "/bin/mount"});
    if (::geteuid() != 0 || mkfs.empty() || mount.empty()) {
      unusable_ = "needs root, mkfs.ext4 and mount";
      return;
    }
    const int fd = ::open(image.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    const bool sized = fd >= 0 && ::ftruncate(fd, 16 << 20) == 0;
    if (fd >= 0) ::close(fd);
    Status made = sized ? RunTool({mkfs, "-q", "-F", image}, image + ".log")
                        : InternalError("cannot make " + image);
    if (made.ok()) {
      made = RunTool({mount, "-o", "loop,errors=remount-ro", image, dir}, image + ".log");
    }
    if (!made.ok()) {
      unusable_ = made.message();
      return;
    }
    mounted_ = true;
    trigger_ = TriggerPath();
    if (trigger_.empty() || ::access(trigger_.c_str(), W_OK) != 0) {
      unusable_ = "no writable /sys/fs/ext4/<device>/trigger_fs_error for " + dir;
    }
  }
  ~ReadOnlyOnErrorExt4() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  ReadOnlyOnErrorExt4(const ReadOnlyOnErrorExt4&) = delete;
  ReadOnlyOnErrorExt4& operator=(const ReadOnlyOnErrorExt4&) = delete;

  /// Empty when the filesystem is mounted and can be made read-only; otherwise why not.
  const std::string& unusable() const { return unusable_; }
  /// Records an error: the kernel makes the filesystem read-only.
  bool MakeReadOnly() {
    const int fd = ::open(trigger_.c_str(), O_WRONLY | O_CLOEXEC);
    const bool written = fd >= 0 && ::write(fd, "orchd test\n", 11) == 11;
    if (fd >= 0) ::close(fd);
    return written;
  }

 private:
  // The kernel's hook for the block device the directory is mounted from, or "".
  std::string TriggerPath() const {
    struct stat info {};
    if (::stat(dir_.c_str(), &info) != 0) return "";
    const std::string block = "/sys/dev/block/" + std::to_string(major(info.st_dev)) + ":" +
                              std::to_string(minor(info.st_dev));
    char target[PATH_MAX] = {};
    const ssize_t n = ::readlink(block.c_str(), target, sizeof(target) - 1);
    if (n <= 0) return "";
    const std::string device(target, static_cast<size_t>(n));
    return "/sys/fs/ext4/" + device.substr(device.rfind('/') + 1) + "/trigger_fs_error";
  }

  std::string dir_;
  std::string trigger_;
  bool mounted_ = false;
  std::string unusable_;
};

class StoreFullE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_point_ = scratch_.File("fs");
    ASSERT_EQ(::mkdir(mount_point_.c_str(), 0700), 0) << std::strerror(errno);
    filesystem_.emplace(mount_point_, "8m");
    if (!filesystem_->mounted()) {
      const std::string why = ::geteuid() != 0 ? "not root" : filesystem_->unusable();
      RecordProperty("store_fault", "none: cannot mount a tmpfs (" + why + ")");
      std::cout << "store full e2e: cannot mount a tmpfs (" << why
                << "); WritesOffTheLoopTest covers this with injected faults\n";
      GTEST_SKIP() << "cannot mount a tmpfs (" << why << "); needs root or CAP_SYS_ADMIN";
    }
    RecordProperty("store_fault", "real tmpfs");
    std::cout << "store full e2e: real tmpfs at " << mount_point_ << "\n";
    StartOrchd();
  }

  void TearDown() override {
    api_.reset();
    orchd_.reset();       // stops orchd before its filesystem goes
    filesystem_.reset();  // unmounts it, whatever state the test left it in
    ext4_.reset();
  }

  /// Starts orchd with store.path in mount_point_.
  void StartOrchd() {
    orchd_.emplace("store:\n  path: " + DbPath() + "\n");
    ASSERT_OK(orchd_->Start());
    api_.emplace(*orchd_);
  }

  std::string DbPath() const { return mount_point_ + "/orchd.db"; }
  std::string FillerPath() const { return mount_point_ + "/filler"; }

  /// Imports a certificate and creates a store; answers an Add of the one into the other that
  /// runs in a year, so that no run changes what the reads answer meanwhile.
  json AddBody() {
    const HttpReply cert = api_->Import(certs::EcChain().leaf.cert_der);
    EXPECT_EQ(cert.status, 200) << cert.body;
    const std::string store = api_->CreateStore(PemStoreBody("web01"));
    return {{"CertificateId", cert.Json().value("Id", 0)},
            {"CertificateStores", {{{"CertificateStoreId", store}}}},
            {"Schedule", {{"ExactlyOnce", {{"Time", NextYear()}}}}}};
  }

  /// The reads an operator makes, each answered 200: what they answered, one after the other.
  std::string Reads() {
    std::string seen;
    for (const char* target : {"/OrchestratorJobs/ScheduledJobs", "/OrchestratorJobs/JobHistory",
                               "/CertificateStores"}) {
      const HttpReply read = api_->Call("GET", target);
      EXPECT_EQ(read.status, 200) << target << ": " << read.body;
      seen += read.body + "\n";
    }
    return seen;
  }

  /// Adds a job (AddBody()) and remembers the Add and what the reads answer then.
  void AddJob() {
    add_ = AddBody();
    const HttpReply added = api_->Call("POST", "/CertificateStores/Certificates/Add", add_);
    ASSERT_EQ(added.status, 200) << added.body;
    reads_before_ = Reads();
  }

  /// Twice over, every write answers 507 RESOURCE_EXHAUSTED with a message containing `cause`;
  /// the reads answer what they did after AddJob(), /Status says unhealthy with `cause` and the
  /// file, and the database still holds `content_before`.
  void ExpectWritesRefusedReadsServed(const std::string& cause, const std::string& content_before) {
    ExpectWritesRefused(cause);
    ExpectWritesRefused(cause);
    EXPECT_EQ(Reads(), reads_before_);
    const auto [healthy, message] = StoreHealth();
    EXPECT_FALSE(healthy);
    EXPECT_NE(message.find(cause), std::string::npos) << message;
    EXPECT_NE(message.find(DbPath()), std::string::npos) << message;
    EXPECT_EQ(DatabaseContent(DbPath()), content_before);
  }

  /// The next Add is written, the reads show it, the store is healthy and the database sound.
  void ExpectWritten() {
    const HttpReply added = api_->Call("POST", "/CertificateStores/Certificates/Add", add_);
    EXPECT_EQ(added.status, 200) << added.body;
    EXPECT_NE(Reads(), reads_before_);
    EXPECT_TRUE(StoreHealth().first);
    EXPECT_EQ(IntegrityCheck(DbPath()), "ok");
  }

  /// Every write answers 507 RESOURCE_EXHAUSTED with a message containing `cause`.
  void ExpectWritesRefused(const std::string& cause) {
    const HttpReply replies[] = {
        api_->Call("POST", "/CertificateStores/Certificates/Add", add_),
        api_->Call("POST", "/CertificateStores", PemStoreBody("web02")),
        api_->Call("POST", "/AgentPools", {{"Name", "web"}, {"Agents", json::array()}}),
    };
    for (const HttpReply& reply : replies) {
      ExpectError(reply, 507, "RESOURCE_EXHAUSTED");
      EXPECT_NE(reply.Json().value("errorMessage", "").find(cause), std::string::npos)
          << reply.body;
    }
  }

  /// GET /Status: whether the store is healthy, and its message when it is not.
  std::pair<bool, std::string> StoreHealth() {
    const HttpReply status = api_->Call("GET", "/Status");
    const json store = status.Json().value("Store", json::object());
    const bool healthy = store.value("Healthy", false);
    EXPECT_EQ(status.status, healthy ? 200 : 503) << status.body;
    return {healthy, store.value("Message", "")};
  }

  TempDir scratch_;
  std::string mount_point_;
  std::optional<orch::testing::ReadOnlySwitch> filesystem_;
  std::optional<ReadOnlyOnErrorExt4> ext4_;
  std::optional<OrchdFixture> orchd_;
  std::optional<JsonClient> api_;
  json add_;
  std::string reads_before_;
};

TEST_F(StoreFullE2E, AFullDiskRefusesWritesWith507ServesReadsAndRecoversWithoutRestart) {
  // Given a job added, then the filesystem filled up, then the filler removed.
  AddJob();
  const std::string content_before = DatabaseContent(DbPath());
  ASSERT_FALSE(content_before.empty());

  ASSERT_OK(FillFilesystem(FillerPath()));
  ExpectWritesRefusedReadsServed("disk full", content_before);
  // Said once for the change, not once per refused write.
  EXPECT_EQ(Count(orchd_->process().Log(), kStoreFull), 1u) << orchd_->process().Log();

  ASSERT_EQ(::unlink(FillerPath().c_str()), 0) << std::strerror(errno);
  ExpectWritten();
  EXPECT_NE(orchd_->process().Log().find("takes writes again"), std::string::npos);
}

// The same orchd on an ext4 filesystem instead, which the kernel makes read-only under it.
class StoreReadOnlyE2E : public StoreFullE2E {
 protected:
  void SetUp() override {
    mount_point_ = scratch_.File("fs");
    ASSERT_EQ(::mkdir(mount_point_.c_str(), 0700), 0) << std::strerror(errno);
    ext4_.emplace(scratch_.File("ext4.img"), mount_point_);
    if (!ext4_->unusable().empty()) {
      RecordProperty("store_fault", "none: " + ext4_->unusable());
      std::cout << "store read-only e2e: " << ext4_->unusable()
                << "; WritesOffTheLoopTest covers this with injected faults\n";
      GTEST_SKIP() << ext4_->unusable();
    }
    RecordProperty("store_fault", "real ext4 made read-only by the kernel");
    std::cout << "store read-only e2e: real ext4 at " << mount_point_ << "\n";
    StartOrchd();
  }
};

TEST_F(StoreReadOnlyE2E, AFilesystemTurnedReadOnlyUnderOrchdRefusesWritesWith507AndServesReads) {
  // Given a job added, then the filesystem made read-only by the kernel after an error while
  // orchd has the database open (errors=remount-ro). It stays read-only until it is checked,
  // so recovery is not part of this test (the full-disk test shows it).
  AddJob();
  const std::string content_before = DatabaseContent(DbPath());
  ASSERT_FALSE(content_before.empty());
  ASSERT_TRUE(ext4_->MakeReadOnly()) << std::strerror(errno);

  ExpectWritesRefusedReadsServed("read-only: database " + DbPath(), content_before);
  // The file is named once, not once per refused write.
  const std::string log = orchd_->process().Log();
  EXPECT_EQ(Count(log, kStoreFull), 1u) << log;
  EXPECT_EQ(Count(log, "read-only: database " + DbPath()), 1u) << log;
  EXPECT_FALSE(orchd_->process().WaitExit(milliseconds(0)).has_value());
}

TEST_F(StoreFullE2E, OnAReadOnlyFilesystemOrchdRefusesToStartNamingTheFileThenStartsAsBefore) {
  // Given a job added, orchd stopped and its filesystem remounted read-only (Linux refuses the
  // remount while orchd holds the database open for writing, and SQLite cannot open a cleanly
  // closed WAL database there at all), then the filesystem made writable again.
  AddJob();
  orchd_->process().Signal(SIGTERM);
  ASSERT_EQ(orchd_->process().WaitExit(), 0);
  const std::string content_before = DatabaseContent(DbPath());
  ASSERT_FALSE(content_before.empty());
  ASSERT_TRUE(filesystem_->MakeReadOnly(DbPath())) << std::strerror(errno);

  const size_t log_start = orchd_->process().Log().size();
  EXPECT_FALSE(orchd_->Start().ok());
  EXPECT_NE(orchd_->process().WaitExit(), std::optional<int>(0));
  const std::string log = orchd_->process().Log().substr(log_start);
  EXPECT_EQ(Count(log, "read-only: database " + DbPath() + " cannot be written"), 1u) << log;

  ASSERT_TRUE(filesystem_->MakeWritable(DbPath())) << std::strerror(errno);
  EXPECT_EQ(DatabaseContent(DbPath()), content_before);
  ASSERT_OK(orchd_->Start());
  EXPECT_EQ(Reads(), reads_before_);
  ExpectWritten();
}

}  // namespace
}  // namespace orch::e2e
