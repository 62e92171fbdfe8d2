#include "file_writer.h"

#include <unistd.h>

#include <cerrno>

namespace vk {

namespace {
// Chunks ahead of the disk: at most 2 MiB wait here; beyond that the receiver
// waits, and the sender with it.
constexpr size_t kBuffers = 8;
}  // namespace

FileWriter::FileWriter(int fd) : fd_(fd), thread_(&FileWriter::Run, this) {}

FileWriter::~FileWriter() { Finish(); }

char *FileWriter::Buffer() {
  std::unique_lock<std::mutex> lk(mu_);
  if (free_.empty() && all_.size() < kBuffers) {
    all_.emplace_back(new char[kChunk]);
    return all_.back().get();
  }
  space_.wait(lk, [this] { return !free_.empty() || err_.load() != 0; });
  if (err_.load() != 0) return nullptr;
  char *b = free_.back();
  free_.pop_back();
  return b;
}

void FileWriter::Unused(char *buf) {
  std::lock_guard<std::mutex> lk(mu_);
  free_.push_back(buf);
}

bool FileWriter::Queue(Item item) {
  std::lock_guard<std::mutex> lk(mu_);
  if (err_.load() != 0) {
    if (item.buf) free_.push_back(item.buf);
    return false;
  }
  q_.push_back(item);
  ready_.notify_one();
  return true;
}

bool FileWriter::Write(char *buf, size_t n) { return Queue({buf, n, 0}); }

bool FileWriter::Hole(long long len) { return Queue({nullptr, 0, len}); }

int FileWriter::Finish() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    done_ = true;
  }
  ready_.notify_one();
  if (thread_.joinable()) thread_.join();
  return err_.load();
}

int FileWriter::Apply(const Item &item) {
  if (!item.buf) {
    off_t at = lseek(fd_, item.len, SEEK_CUR);
    return at < 0 || ftruncate(fd_, at) < 0 ? errno : 0;
  }
  for (size_t done = 0; done < item.n;) {
    ssize_t w = write(fd_, item.buf + done, item.n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return errno;
    done += static_cast<size_t>(w);
  }
  return 0;
}

void FileWriter::Run() {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    ready_.wait(lk, [this] { return !q_.empty() || done_; });
    if (q_.empty()) return;  // done_, and everything queued is written
    Item item = q_.front();
    q_.pop_front();
    bool failed = err_.load() != 0;  // then the rest is dropped
    lk.unlock();
    int e = failed ? 0 : Apply(item);
    lk.lock();
    if (e != 0 && err_.load() == 0) err_.store(e);
    if (item.buf) free_.push_back(item.buf);
    space_.notify_all();  // a free buffer, or an error the receiver must see
  }
}

}  // namespace vk
