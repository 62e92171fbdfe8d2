// Module entry: per-environment data, completion queue, classes and methods.
#include <cstdlib>
#include <mutex>
#include <thread>

#include "runtime.h"

namespace vk {

extern const MethodTable kMethodTables[];  // native/generated/tables.cc
extern const size_t kMethodTableCount;
extern const char *const kInternalFunctions[];  // used inside the binding
extern const size_t kInternalFunctionCount;
extern std::atomic<int64_t> g_live[];
Napi::Value ConnectClose(const Napi::CallbackInfo &info);
Napi::Value TypedParamsRoundTrip(const Napi::CallbackInfo &info);
void StartEventLoop();

AddonData *Data(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

namespace {

struct EnvState {
  std::shared_ptr<EnvQueue> queue;
  Napi::AsyncContext *ctx = nullptr;
  uv_prepare_t *prepare = nullptr;
  // Started when OnPrepare stops a productive spin at its bound with a call in
  // flight: an active idle handle makes the loop's poll return at once, so the
  // next turn spins again instead of sleeping until the pool's eventfd write
  // wakes it (20-40 us on this VM, 1-2% of awaited getInfo calls).
  uv_idle_t *idle = nullptr;
  uv_loop_t *loop = nullptr;
  SpinBackoff spin;  // spins to skip after misses (see OnPrepare)
  // Swapped with the queue's `done` list: the two buffers go back and forth
  // between the threads, where a fresh list per turn cost a malloc on the pool
  // thread and a free on this one, a cross-thread free into another arena.
  std::vector<Job *> spare;
};

// Busy-poll before the loop sleeps. A short call (an in-process driver, a
// cached lookup) finishes a few microseconds after it was submitted; sleeping
// in epoll and being woken by the pool costs a context switch each way, more
// than the call itself on a VM. So with few calls in flight and nothing else
// due, the JS thread waits up to VIRTKIT_SPIN_US (default 50) for a result.
// A miss (the calls are slow: RPCs) doubles the number of loop turns that
// skip spinning, up to 64, so slow workloads burn next to nothing.
// (SpinMicros() is in pool.cc: the pool's idle thread spins as long.)

// Completes finished jobs on the JS thread. A callback scope drains microtasks
// afterwards, so awaits resume at once (and may submit the next call).
// The jobs are deleted after the microtasks: by then the code awaiting them has
// resumed and sent its next call, which no longer waits for the deletes.
void RunDone(EnvState *st, std::vector<Job *> &jobs) {
  EnvQueue &q = *st->queue;
  FreeSubmitHold hold;  // ends after the callback scope's microtasks
  {
    Napi::Env env(static_cast<napi_env>(q.env));
    Napi::HandleScope hs(env);
    Napi::CallbackScope cs(env, *st->ctx);
    uint32_t finished = 0;
    for (Job *j : jobs) {
      if (j->counted) {
        finished++;
        q.lastExecNs = j->execNs;
      }
      try {
        j->Complete(env);
      } catch (const Napi::Error &e) {
        napi_fatal_exception(env, e.Value());
      }
    }
    q.inFlight -= finished;
    if (q.inFlight == 0) q.UpdateRef();
  }
  for (Job *j : jobs) delete j;
}

// Under `mu`, so a job pushed while `spinning` was set is taken here: Push did
// not wake the loop for it.
void TakeDone(EnvQueue &q, std::vector<Job *> &jobs) {
  std::lock_guard<std::mutex> lk(q.mu);
  q.spinning = false;
  jobs.swap(q.done);
  q.doneCount.store(0, std::memory_order_release);
}

// Takes and completes the finished jobs, reusing the spare list (moved out
// first, so a nested turn would allocate its own instead of sharing it).
void TakeAndRun(EnvState *st) {
  std::vector<Job *> jobs = std::move(st->spare);
  jobs.clear();
  TakeDone(*st->queue, jobs);
  if (!jobs.empty()) RunDone(st, jobs);
  jobs.clear();
  st->spare = std::move(jobs);
}

void OnPrepare(uv_prepare_t *h) {
  auto *st = static_cast<EnvState *>(h->data);
  EnvQueue &q = *st->queue;
  uv_idle_stop(st->idle);  // before uv_backend_timeout below, which it would make 0
  unsigned budget = SpinMicros();
  if (budget == 0) return;
  // A caller awaiting short calls one at a time is served here, turn after
  // turn, without the loop's poll: each result is completed as soon as the
  // spin sees it, and the JS that resumes submits the next call. Bounded so
  // that sockets, timers and immediates wait at most ~0.5 ms for the poll.
  uint64_t until = uv_hrtime() + 500 * 1000;
  for (unsigned turn = 0; turn < 256; turn++) {
    if (q.inFlight == 0 || q.inFlight > 4 || st->loop->stop_flag) return;
    if (q.doneCount.load(std::memory_order_acquire) != 0) return;  // the async was sent
    if (uv_backend_timeout(st->loop) == 0) return;                 // other work is due now
    // The last call ran longer than a whole spin (bulk stats over many
    // domains): a spin would end in a miss, and meanwhile this core is not
    // free for the threads the call and its frees run on (on 2 cores,
    // busy-polling here put 30-50% on the mean of 100-domain bulk stats).
    // The backoff below alone did not catch it: a spin that starts late in a
    // long call hits, and resets it.
    if (q.lastExecNs > uint64_t{budget} * 1000) return;
    if (st->spin.Skip()) return;
    {
      std::lock_guard<std::mutex> lk(q.mu);
      if (!q.alive) return;
      q.spinning = true;
    }
    q.spins++;
    bool got = SpinWhileZero(q.doneCount, budget);
    TakeAndRun(st);
    st->spin.Record(got);
    if (!got) return;
    if (uv_hrtime() >= until) break;
  }
  if (q.inFlight > 0 && q.inFlight <= 4)  // the poll must not sleep: see EnvState::idle
    uv_idle_start(st->idle, [](uv_idle_t *) {});
}

void OnAsync(uv_async_t *h) { TakeAndRun(static_cast<EnvState *>(h->data)); }

// Closes a libuv handle and deletes it in the close callback, once libuv is done with it.
template <typename H>
void CloseAndDelete(H *&h) {
  uv_close(reinterpret_cast<uv_handle_t *>(h),
           [](uv_handle_t *p) { delete reinterpret_cast<H *>(p); });
  h = nullptr;
}

void Cleanup(void *arg) {
  auto *st = static_cast<EnvState *>(arg);
  std::vector<Job *> left;
  {
    std::lock_guard<std::mutex> lk(st->queue->mu);
    st->queue->alive = false;
    left.swap(st->queue->done);
    st->queue->doneCount.store(0);
  }
  for (Job *j : left) {
    j->Abandon();
    delete j;
  }
  CloseAndDelete(st->queue->async);
  CloseAndDelete(st->prepare);
  CloseAndDelete(st->idle);
  delete st->ctx;
  delete st;
}

void NoopErrorFunc(void *, virErrorPtr) {}

// Every bound method goes through here: a freed receiver or argument makes a
// promise-returning method reject rather than throw.
Napi::Value Trampoline(const Napi::CallbackInfo &info) {
  const MethodDef *m = static_cast<const MethodDef *>(info.Data());
  try {
    return m->fn(info);
  } catch (const FreedError &e) {
    if (m->sync) throw;
    auto d = Napi::Promise::Deferred::New(info.Env());
    d.Reject(e.Value());
    return d.Promise();
  }
}

// A function the libvirt this addon was built against lacks: the method exists
// and fails like a libvirt call would, naming the version it needs.
Napi::Value MissingFunction(const Napi::CallbackInfo &info) {
  const MethodDef *m = static_cast<const MethodDef *>(info.Data());
  Napi::Env env = info.Env();
  unsigned long v = LIBVIR_VERSION_NUMBER;
  ErrorInfo e;
  e.SetMessage(std::string(m->cName) + " needs libvirt >= " + (m->since ? m->since : "?") +
                   "; virtkit was built against libvirt " + std::to_string(v / 1000000) + "." +
                   std::to_string(v / 1000 % 1000) + "." + std::to_string(v % 1000),
               VIR_ERR_NO_SUPPORT);
  Napi::Value err = MakeError(env, e, nullptr);
  if (m->sync) throw Napi::Error(env, err);
  auto d = Napi::Promise::Deferred::New(env);
  d.Reject(err);
  return d.Promise();
}

// VIRTKIT_TEST_MISSING=virA,virB makes those functions behave as compiled out
// (tests of the message an older libvirt gives).
bool SimulatedMissing(const char *cName) {
  static const std::string list = [] {
    const char *v = std::getenv("VIRTKIT_TEST_MISSING");
    return v ? "," + std::string(v) + "," : std::string();
  }();
  return !list.empty() && list.find("," + std::string(cName) + ",") != std::string::npos;
}

Napi::Value Setup(const Napi::CallbackInfo &info) {
  AddonData *d = Data(info.Env());
  if (!info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "LibvirtError class expected");
  d->errorCtor = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Value SetCaptureStacks(const Napi::CallbackInfo &info) {
  AddonData *d = Data(info.Env());
  Napi::Value v = info[0];
  if (v.IsBoolean())
    d->stackMode = v.As<Napi::Boolean>().Value() ? AddonData::kStackCaller : AddonData::kStackOff;
  else if (v.IsString() && v.As<Napi::String>().Utf8Value() == "await")
    d->stackMode = AddonData::kStackAwait;
  else
    throw Napi::TypeError::New(info.Env(), "argument 1 (mode) must be true, false or 'await'");
  return info.Env().Undefined();
}

Napi::Value Diagnostics(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  Napi::Object live = Napi::Object::New(env);
#define VK_LIVE(N, T, R, F) \
  live.Set(#N, Napi::Number::New(env, (double)g_live[(int)Kind::N].load()));
  VK_KINDS(VK_LIVE)
#undef VK_LIVE
  o.Set("live", live);
  o.Set("poolThreads", Napi::Number::New(env, (double)Pool::Get().Threads()));
  o.Set("inFlight", Napi::Number::New(env, Data(env)->queue->inFlight));
  o.Set("keepAlive", Napi::Number::New(env, Data(env)->queue->keepAlive));
  o.Set("spins", Napi::Number::New(env, (double)Data(env)->queue->spins));
  return o;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  static std::once_flag once;
  std::call_once(once, [] {
    virInitialize();
    virSetErrorFunc(nullptr, NoopErrorFunc);  // no stderr printing
    StartEventLoop();                         // before any connection opens
  });

  auto *d = new AddonData();
  d->env = env;
  env.SetInstanceData<AddonData>(d);

  auto *st = new EnvState();
  st->queue = std::make_shared<EnvQueue>();
  st->queue->env = env;
  st->ctx = new Napi::AsyncContext(env, "virtkit");
  uv_loop_t *loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  st->queue->async = new uv_async_t();
  uv_async_init(loop, st->queue->async, OnAsync);
  st->queue->async->data = st;
  uv_unref(reinterpret_cast<uv_handle_t *>(st->queue->async));
  st->loop = loop;
  st->prepare = new uv_prepare_t();
  uv_prepare_init(loop, st->prepare);
  st->prepare->data = st;
  uv_prepare_start(st->prepare, OnPrepare);
  uv_unref(reinterpret_cast<uv_handle_t *>(st->prepare));
  st->idle = new uv_idle_t();
  uv_idle_init(loop, st->idle);
  uv_unref(reinterpret_cast<uv_handle_t *>(st->idle));
  d->queue = st->queue;
  napi_add_env_cleanup_hook(env, Cleanup, st);

  Napi::Function ctors[static_cast<int>(Kind::Count)];
#define VK_DEFINE(N, T, R, F)                                     \
  ctors[(int)Kind::N] = Wrap<Kind::N>::Define(env);               \
  d->ctors[(int)Kind::N] = Napi::Persistent(ctors[(int)Kind::N]); \
  exports.Set(#N, ctors[(int)Kind::N]);
  VK_KINDS(VK_DEFINE)
#undef VK_DEFINE

  Napi::Array bound = Napi::Array::New(env);
  uint32_t nb = 0;
  auto add = [&](const MethodDef &m) {
    Napi::Function f;
    bool missing = m.missing || (m.cName[0] && SimulatedMissing(m.cName));
    if (m.fn || missing)
      f = Napi::Function::New(env, missing ? MissingFunction : Trampoline, m.jsName,
                              const_cast<MethodDef *>(&m));
    if (!m.fn && !missing) {
      // already defined on the class
    } else if (m.kind < 0) {
      exports.Set(m.jsName, f);
    } else if (m.isStatic) {
      ctors[m.kind].Set(m.jsName, f);
    } else {
      ctors[m.kind].Get("prototype").As<Napi::Object>().Set(m.jsName, f);
    }
    if (!m.cName[0]) return;  // internal helper, not a libvirt function
    Napi::Object b = Napi::Object::New(env);
    b.Set("c", m.cName);
    b.Set("js", m.jsName);
    b.Set("owner", m.kind < 0 ? std::string("") : std::string(KindName(m.kind)));
    b.Set("static", m.isStatic);
    if (missing) b.Set("missingSince", m.since ? m.since : "");
    bound.Set(nb++, b);
  };
  for (size_t t = 0; t < kMethodTableCount; t++)
    for (size_t i = 0; i < *kMethodTables[t].count; i++) add(kMethodTables[t].defs[i]);
      // free() and close() are bound on every wrapper (native/src/wrap.cc).
#define VK_FREEDEF(N, T, R, F)                                                                 \
  add(MethodDef{(int)Kind::N, Kind::N == Kind::Connect ? "close" : "free", #F, nullptr, false, \
                false});
  VK_KINDS(VK_FREEDEF)
#undef VK_FREEDEF
  ctors[(int)Kind::Connect]
      .Get("prototype")
      .As<Napi::Object>()
      .Set("close", Napi::Function::New(env, ConnectClose, "close"));

  Napi::Array internal = Napi::Array::New(env);
  uint32_t ni = 0;
  for (size_t i = 0; i < kInternalFunctionCount; i++) internal.Set(ni++, kInternalFunctions[i]);
  exports.Set("_bound", bound);
  exports.Set("_internal", internal);
  exports.Set("_setup", Napi::Function::New(env, Setup, "_setup"));
  exports.Set("setCaptureStacks", Napi::Function::New(env, SetCaptureStacks, "setCaptureStacks"));
  exports.Set("_diagnostics", Napi::Function::New(env, Diagnostics, "_diagnostics"));
  exports.Set("_typedParamsRoundTrip",
              Napi::Function::New(env, TypedParamsRoundTrip, "_typedParamsRoundTrip"));
  return exports;
}

const char *KindName(int k) {
  static const char *names[] = {
#define VK_NAME(N, T, R, F) #N,
      VK_KINDS(VK_NAME)
#undef VK_NAME
  };
  return names[k];
}

}  // namespace vk

static Napi::Object InitAll(Napi::Env env, Napi::Object exports) { return vk::Init(env, exports); }
NODE_API_MODULE(virtkit, InitAll)
