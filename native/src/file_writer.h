// Writes what a stream receives to a file on a thread of its own, so the thread
// receiving goes back to the socket while the last chunk is still being written:
// reading and writing overlap, as they do in virsh, where libvirt's event-loop
// thread reads the socket ahead of the sink. The receiver fills the writer's own
// buffers (Buffer/Write), so no chunk is copied.
#pragma once
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace vk {

class FileWriter {
 public:
  // What libvirt's *RecvAll asks for at a time (VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX).
  static constexpr size_t kChunk = 256 * 1024;
  explicit FileWriter(int fd);
  ~FileWriter();  // finishes what is queued
  FileWriter(const FileWriter &) = delete;
  FileWriter &operator=(const FileWriter &) = delete;
  // A free buffer of kChunk bytes, waiting while all are queued for writing;
  // nullptr once a write has failed (Finish() says why).
  char *Buffer();
  // Queues `n` bytes of `buf` (from Buffer()) to be written; the buffer comes
  // back to the free list once written. False once a write has failed.
  bool Write(char *buf, size_t n);
  void Unused(char *buf);  // a buffer from Buffer() that will not be written
  // Queues a hole: seek past it and set the file's size (as virsh's sink does).
  bool Hole(long long len);
  // Waits until everything queued is written; 0 or the errno of the first failure.
  int Finish();

 private:
  struct Item {
    char *buf = nullptr;  // null: a hole of `len` bytes
    size_t n = 0;
    long long len = 0;
  };
  bool Queue(Item item);
  int Apply(const Item &item);  // writes or seeks: 0, or errno
  void Run();
  int fd_;
  std::mutex mu_;
  std::condition_variable ready_, space_;
  std::deque<Item> q_;
  std::vector<std::unique_ptr<char[]>> all_;
  std::vector<char *> free_;
  bool done_ = false;
  std::atomic<int> err_{0};
  std::thread thread_;
};

}  // namespace vk
