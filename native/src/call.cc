// Async call plumbing: submitting to the pool, completing on the JS thread.
#include <mutex>

#include <dlfcn.h>
#include <sched.h>

#include <chrono>
#include <cstdlib>

#include "runtime.h"

namespace vk {

const QuietRefs &Quiet() {
  static const QuietRefs q = [] {
    QuietRefs r;
    if (std::getenv("VIRTKIT_PUBLIC_REFS")) return r;  // to compare, and a way out
    void *lib = dlopen("libvirt.so.0", RTLD_LAZY | RTLD_NOLOAD);
    if (!lib) return r;
    auto ref = reinterpret_cast<void *(*)(void *)>(dlsym(lib, "virObjectRef"));
    auto unref = reinterpret_cast<bool (*)(void *)>(dlsym(lib, "virObjectUnref"));
    if (ref && unref) r.ref = ref, r.unref = unref;  // both or neither: counts must pair
    return r;
  }();
  return q;
}

void Call::Execute() {
  virResetLastError();  // a 0 result is told from a failure by the last error
  ok = Run();
  if (!ok && !err.set) err.Capture();  // same thread, before anything else resets it
  for (auto &h : held) FreeNow(h.first, h.second);
  held.clear();
}

Call::~Call() {
  for (auto &h : held) FreeLater(h.first, h.second);  // never executed
}

void Call::Abandon() {
  if (!done_) Discard();
  done_ = true;
}

static void RejectRestacked(napi_env env, napi_deferred deferred, napi_value error);

void Call::Complete(void *rawEnv) {
  Napi::Env env(static_cast<napi_env>(rawEnv));
  Napi::HandleScope scope(env);
  napi_value result;
  bool resolve = ok;
  if (ok) {
    try {
      Napi::Value v = Done(env);
      done_ = true;
      result = v.IsEmpty() ? env.Undefined() : static_cast<napi_value>(v);
    } catch (const Napi::Error &e) {
      Discard();
      done_ = true;
      resolve = false;
      result = e.Value();
    }
  } else {
    Discard();  // partial C results of a failed call
    done_ = true;
    napi_value st = nullptr;
    if (stack) napi_get_reference_value(env, stack, &st);
    result = MakeError(env, err, st);
  }
  if (stack) napi_delete_reference(env, stack);
  stack = nullptr;
  Finally(env);
  if (resolve) {
    napi_resolve_deferred(env, deferred, result);
  } else if (restack) {
    RejectRestacked(env, deferred, result);
  } else {
    napi_reject_deferred(env, deferred, result);
  }
}

napi_value ListenerOf(napi_env env, napi_ref cb) {
  napi_value fn = nullptr;
  if (!cb || napi_get_reference_value(env, cb, &fn) != napi_ok) return nullptr;
  return fn;
}

void CallListener(napi_env env, napi_value fn, size_t argc, const napi_value *argv) {
  napi_value global, result;
  napi_get_global(env, &global);
  if (napi_call_function(env, global, fn, argc, argv, &result) != napi_ok) {
    napi_value exc;
    if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
  }
}

void ReleaseListener(napi_env env, napi_ref &cb, EnvQueue &queue) {
  if (cb) napi_delete_reference(env, cb);
  cb = nullptr;
  queue.keepAlive--;
  queue.UpdateRef();
}

// `p.then(undefined, restack)`: a rejection's stack is captured again in the
// handler, which runs in a reaction whose promise the caller awaits, so V8 adds
// the awaiting async functions ("at async main (app.js:12)").
static napi_value Restacked(napi_env env, AddonData *d, napi_value p) {
  napi_value restack = nullptr, then = nullptr, out;
  if (d->restack) {
    napi_get_reference_value(env, d->restack, &restack);
    napi_get_reference_value(env, d->promiseThen, &then);
  } else {
    if (napi_get_named_property(env, p, "then", &then) != napi_ok) {
      napi_value exc;
      napi_get_and_clear_last_exception(env, &exc);
      return p;
    }
    napi_ref fn = CompileFunction(env,
                                  "(function restack(e) { if (e instanceof Error) "
                                  "Error.captureStackTrace(e, restack); throw e; })");
    if (!fn) return p;
    d->restack = fn;
    napi_create_reference(env, then, 1, &d->promiseThen);
    napi_get_reference_value(env, fn, &restack);
  }
  napi_value args[2];
  napi_get_undefined(env, &args[0]);
  args[1] = restack;
  if (napi_call_function(env, p, then, 2, args, &out) != napi_ok) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    return p;
  }
  return out;
}

// Rejects the call's promise P through a handler that re-captures the stack:
// P is resolved with D = R.then(undefined, restack), then R is rejected. P's
// adoption of D runs first, so when `restack` runs, V8's async stack walk goes
// from D through P's resolving functions to the code awaiting P. Only failures
// pay for it: chaining `.then(restack)` onto every call's promise at submit
// cost each success a promise, a JS call and a microtask.
static void RejectRestacked(napi_env env, napi_deferred deferred, napi_value error) {
  napi_deferred inner;
  napi_value r;
  if (napi_create_promise(env, &inner, &r) != napi_ok) {
    napi_reject_deferred(env, deferred, error);
    return;
  }
  napi_resolve_deferred(env, deferred, Restacked(env, Data(Napi::Env(env)), r));
  napi_reject_deferred(env, inner, error);
}

Napi::Value Submit(Napi::Env env, Call *call) {
  AddonData *d = Data(env);
  napi_value promise;
  napi_create_promise(env, &call->deferred, &promise);
  if (d->stackMode == AddonData::kStackCaller) {
    // The caller's stack, so a rejection points at the line that made the call.
    napi_value msg, e;
    napi_create_string_utf8(env, "", 0, &msg);
    napi_create_error(env, nullptr, msg, &e);
    napi_create_reference(env, e, 1, &call->stack);
  }
  call->queue = d->queue;
  call->counted = true;
  d->queue->inFlight++;
  if (d->queue->inFlight == 1) d->queue->UpdateRef();
  call->restack = d->stackMode == AddonData::kStackAwait;
  Pool::Get().Submit(call);
  return Napi::Value(env, promise);
}

void FreeNow(Kind kind, void *ptr) {
  if (Quiet().unref && kind != Kind::Count) {  // every kind is a virObject
    Quiet().unref(ptr);
    return;
  }
  switch (kind) {
#define VK_FREE(N, T, R, F) \
  case Kind::N:             \
    F(static_cast<T>(ptr)); \
    break;
    VK_KINDS(VK_FREE)
#undef VK_FREE
    default:
      break;
  }
}

// Frees are batched: a GC that finalizes thousands of wrappers queues one job.
std::mutex g_freeMu;
struct PendingFree {
  Kind k;
  void *p;
  void (*fn)(void *);  // instead of the kind's free, when set
};
std::vector<PendingFree> g_freeList;

// Held while a batch of frees runs, so that RunPendingFrees() returns only
// after every free queued before it was called has taken effect.
std::mutex g_freeRunMu;

// See YieldDuringFrees: when this thread last gave others a turn.
thread_local std::chrono::steady_clock::time_point t_freeTurn;

void YieldDuringFrees() {
  auto now = std::chrono::steady_clock::now();
  if (now - t_freeTurn < std::chrono::microseconds(20)) return;
  sched_yield();
  t_freeTurn = std::chrono::steady_clock::now();
}

void RunPendingFrees() {
  std::lock_guard<std::mutex> run(g_freeRunMu);
  std::vector<PendingFree> list;
  {
    std::lock_guard<std::mutex> lk(g_freeMu);
    list.swap(g_freeList);
  }
  t_freeTurn = std::chrono::steady_clock::now();
  for (auto &e : list) {
    e.fn ? e.fn(e.p) : FreeNow(e.k, e.p);
    YieldDuringFrees();
  }
}

struct FreeJob : Job {
  void Execute() override { RunPendingFrees(); }
  void Complete(void *) override {}
};

// See FreeSubmitHold (JS thread only; thread_local keeps pool threads out).
thread_local bool t_holdFrees = false, t_freesHeld = false;

static void QueueFree(PendingFree f) {
  bool first;
  {
    std::lock_guard<std::mutex> lk(g_freeMu);
    first = g_freeList.empty();
    g_freeList.push_back(f);
  }
  if (!first) return;
  if (t_holdFrees)
    t_freesHeld = true;
  else
    Pool::Get().Submit(new FreeJob());
}

FreeSubmitHold::FreeSubmitHold() : outer_(t_holdFrees) { t_holdFrees = true; }

FreeSubmitHold::~FreeSubmitHold() {
  t_holdFrees = outer_;
  if (outer_ || !t_freesHeld) return;
  t_freesHeld = false;
  Pool::Get().Submit(new FreeJob());
}

void FreeLater(Kind k, void *p) {
  // The last unref of any object may drop the last reference of its
  // connection, which closes it with an RPC: never do that on the JS thread.
  if (p) QueueFree({k, p, nullptr});
}

void FreeLaterWith(void (*fn)(void *), void *p) {
  if (p) QueueFree({Kind::Count, p, fn});
}

}  // namespace vk
