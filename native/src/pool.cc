#include "pool.h"

#include <sched.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace vk {

void EnvQueue::UpdateRef() {
  if (!async) return;
  if (inFlight > 0 || keepAlive > 0)
    uv_ref(reinterpret_cast<uv_handle_t *>(async));
  else
    uv_unref(reinterpret_cast<uv_handle_t *>(async));
}

void EnvQueue::Push(Job *job) {
  {
    std::lock_guard<std::mutex> lk(mu);
    if (alive) {
      bool wake = done.empty() && !spinning;
      done.push_back(job);
      doneCount.store(done.size(), std::memory_order_release);
      if (wake) uv_async_send(async);
      return;
    }
  }
  // The environment is gone (worker terminated, process exiting): its JS
  // handles are invalid, so the job is dropped without completing.
  job->Abandon();
  delete job;
}

unsigned SpinMicros() {
  static const unsigned us = [] {
    const char *v = std::getenv("VIRTKIT_SPIN_US");
    if (!v) return 50u;
    long n = std::strtol(v, nullptr, 10);
    return n < 0 ? 0u : n > 1000 ? 1000u : static_cast<unsigned>(n);
  }();
  return us;
}

bool SpinWhileZero(const std::atomic<size_t> &v, unsigned micros) {
  auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(micros);
  for (unsigned k = 1; v.load(std::memory_order_acquire) == 0; k++) {
    __builtin_ia32_pause();
    if ((k & 15) == 0) sched_yield();  // others runnable here (libvirt's event thread) go first
    if ((k & 63) == 0 && std::chrono::steady_clock::now() >= until) return false;
  }
  return true;
}

Pool &Pool::Get() {
  static Pool *pool = new Pool();  // never destroyed: threads may outlive exit()
  return *pool;
}

size_t Pool::Threads() {
  std::lock_guard<std::mutex> lk(mu_);
  return threads_;
}

void Pool::Submit(Job *job) {
  std::unique_lock<std::mutex> lk(mu_);
  if (!inited_) {
    inited_ = true;
    if (const char *m = std::getenv("VIRTKIT_MAX_THREADS")) {
      long v = std::strtol(m, nullptr, 10);
      if (v >= 1 && v <= 4096) max_ = static_cast<size_t>(v);
    }
  }
  q_.push_back(job);
  queued_.store(q_.size(), std::memory_order_release);
  // Grow when more work is queued than threads are free: each blocked RPC
  // parks one thread. A thread counts as free as soon as its job is done,
  // before it hands the result back, so a caller awaiting one call at a time
  // reuses one thread instead of growing the pool.
  if (q_.size() > threads_ - busy_ && threads_ < max_) {
    threads_++;
    std::thread(&Pool::Worker, this).detach();
  } else if (spinners_ > 0 && q_.size() == 1) {
    // The spinning thread takes it (it rechecks the queue under mu_ when its
    // spin ends): waking a sleeper too would cost a futex wake and a context
    // switch per call for nothing (seen: 7.5 -> 40 us per awaited call once
    // an earlier burst had left 64 idle threads).
  } else {
    lk.unlock();
    cv_.notify_one();
  }
}

void Pool::Worker() {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    if (q_.empty() && spinners_ == 0 && busy_ == 0 && SpinMicros() > 0) {
      // A caller awaiting calls one at a time submits the next one a few
      // microseconds after this thread hands back a result: one thread spins
      // briefly before sleeping, which saves a futex sleep/wake pair per call
      // (measured here: 87 -> 32 us per awaited call). Only one spins, and
      // only when no other call is running, so a busy pool does not burn the
      // cores its RPCs need.
      // A spin that ends with nothing to do (the caller takes longer than
      // the spin to send its next call, as bulk stats does while it builds
      // its records) burned a core for nothing: backed off as on the JS
      // thread.
      if (!spin_.Skip()) {
        spinners_++;
        lk.unlock();
        bool got = SpinWhileZero(queued_, SpinMicros());
        lk.lock();
        spinners_--;
        spin_.Record(got);
      }
    }
    if (q_.empty()) {
      bool got = cv_.wait_for(lk, std::chrono::seconds(30), [this] { return !q_.empty(); });
      if (!got) {
        threads_--;
        return;
      }
    }
    Job *job = q_.front();
    q_.pop_front();
    queued_.store(q_.size(), std::memory_order_release);
    busy_++;
    lk.unlock();
    const uint64_t t0 = uv_hrtime();
    job->Execute();
    job->execNs = uv_hrtime() - t0;
    lk.lock();
    busy_--;
    lk.unlock();
    if (job->queue) {
      auto q = job->queue;
      q->Push(job);
    } else {
      delete job;
    }
    lk.lock();
  }
}

}  // namespace vk
