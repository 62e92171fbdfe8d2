// A process-wide thread pool for blocking libvirt calls, and the per-environment
// completion queue that hands finished work back to its JS thread.
//
// Why not libuv's pool: it has 4 threads by default and is shared with fs/dns, so
// 64 concurrent RPCs on one connection would be serialised 4 at a time, while
// libvirt's remote driver pipelines them. This pool grows on demand (up to
// VIRTKIT_MAX_THREADS, default 128) and idle threads exit after a while.
#pragma once
#include <uv.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace vk {

struct EnvQueue;

// Busy-waits up to `micros` for `v` to become non-zero; true if it did. Yields
// the CPU every few pauses: on 2 cores a pure spin starved libvirt's event
// thread (event p50 10 -> 512 us). Used where a futex sleep/wake pair would
// cost more than the wait (pool.cc, addon.cc).
bool SpinWhileZero(const std::atomic<size_t> &v, unsigned micros);
// VIRTKIT_SPIN_US (default 50, 0 = never spin): how long the JS thread waits
// for a result and an idle pool thread for work before sleeping.
unsigned SpinMicros();
// Which spins to skip after empty ones: each spin that ends with nothing
// doubles the turns that skip spinning, up to 64, and one that finds its work
// resets them, so slow workloads burn next to nothing (the JS thread's
// OnPrepare in addon.cc, an idle pool thread in Pool::Worker).
struct SpinBackoff {
  unsigned skip = 0, backoff = 0;
  // True when this turn skips the spin (and counts it).
  bool Skip() {
    if (skip == 0) return false;
    skip--;
    return true;
  }
  void Record(bool hit) {
    backoff = hit ? 0 : std::min(64u, backoff == 0 ? 1 : backoff * 2);
    skip = backoff;
  }
};

// One unit of blocking work. Execute() runs on a pool thread and may touch only
// plain C data; Complete() runs on the JS thread of the environment that made it.
struct Job {
  std::shared_ptr<EnvQueue> queue;  // null for fire-and-forget work (frees)
  bool counted = false;             // a call holding the loop alive (inFlight)
  uint64_t execNs = 0;              // how long Execute() ran (Pool::Worker)
  virtual ~Job() = default;
  virtual void Execute() = 0;
  // Called on the JS thread; must release its own JS references.
  virtual void Complete(void *env) = 0;
  // Called before `delete` when Complete() will never run (environment gone):
  // release C resources only. (A base destructor cannot reach the derived
  // object's members, so this cannot live in ~Job.)
  virtual void Abandon() {}
};

// Finished jobs of one environment. The uv_async_t lives while `alive`; after the
// environment's cleanup hook ran, finished jobs are deleted on the pool thread
// without touching JS (their JS handles died with the environment).
struct EnvQueue {
  std::mutex mu;
  bool alive = true;
  uv_async_t *async = nullptr;
  std::vector<Job *> done;
  std::atomic<size_t> doneCount{0};  // done.size(), readable without `mu`
  // Under `mu`: the JS thread is busy-waiting for `done` (addon.cc, OnPrepare)
  // and takes what it finds when the wait ends, so Push need not wake the
  // loop: the eventfd write, epoll wake and read cost more than a short call.
  bool spinning = false;
  void *env = nullptr;
  // JS-thread only: calls in flight; the async handle is ref'd while > 0, so a
  // pending promise keeps the process alive but an idle addon never does.
  uint32_t inFlight = 0;
  uint32_t keepAlive = 0;  // event subscriptions and other holders
  // JS-thread only: how long the last completed call ran on its pool thread,
  // which predicts the next one's (addon.cc, OnPrepare: whether to busy-poll).
  // Not submit-to-completion: that includes the wake-up a missed spin costs,
  // and would keep the spin off once one slow wake-up had turned it off.
  uint64_t lastExecNs = 0;
  uint64_t spins = 0;  // JS-thread only: busy-polls started (diagnostics())
  void UpdateRef();
  void Push(Job *job);
};

class Pool {
 public:
  static Pool &Get();
  void Submit(Job *job);
  size_t Threads();

 private:
  void Worker();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job *> q_;
  std::atomic<size_t> queued_{0};
  size_t threads_ = 0, busy_ = 0, spinners_ = 0, max_ = 128;
  SpinBackoff spin_;  // idle spins to skip after misses (Worker)
  bool inited_ = false;
};

}  // namespace vk
