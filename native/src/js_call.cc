#include "js_call.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace vk {

struct JsWaitState {
  std::mutex mu;
  std::condition_variable cv;
  // claimed: the JS thread is running `take`, whose captures live in the
  // waiting frame, so a cancel must not let that frame return first.
  bool done = false, ok = false, claimed = false;
  std::string err;
  std::function<bool(Napi::Env, Napi::Value, std::string *)> take;
  // `unlessClaimed`: a cancel, which must not overtake a result being taken.
  void Finish(bool good, const std::string &e = std::string(), bool unlessClaimed = false) {
    std::lock_guard<std::mutex> lk(mu);
    if (done || (unlessClaimed && claimed)) return;
    done = true;
    ok = good;
    err = e;
    cv.notify_all();
  }
  bool Claim() {
    std::lock_guard<std::mutex> lk(mu);
    if (done || claimed) return false;
    claimed = true;
    return true;
  }
  bool Done() {
    std::lock_guard<std::mutex> lk(mu);
    return done;
  }
};

void WaitCancel::Cancel(const std::string &why) {
  std::shared_ptr<JsWaitState> st;
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (cancelled_) return;
    cancelled_ = true;
    why_ = why;
    st = current_;
  }
  if (st) st->Finish(false, why, true);
}

namespace {

using State = JsWaitState;

std::string MessageOf(Napi::Env env, napi_value v) {
  napi_value s;
  if (napi_coerce_to_string(env, v, &s) != napi_ok) return "callback failed";
  size_t n = 0;
  napi_get_value_string_utf8(env, s, nullptr, 0, &n);
  std::string out(n, '\0');
  napi_get_value_string_utf8(env, s, &out[0], n + 1, &n);
  return out;
}

void Settle(Napi::Env env, std::shared_ptr<State> st, Napi::Value v) {
  if (!st->Claim()) return;  // cancelled meanwhile
  std::string e;
  bool good = false;
  try {
    good = st->take(env, v, &e);
  } catch (const Napi::Error &x) {
    e = x.Message();
  }
  st->Finish(good, e);
}

struct JsJob : Job {
  std::shared_ptr<State> st;
  napi_ref fn;
  std::function<std::vector<napi_value>(Napi::Env)> args;
  void Execute() override {}
  void Complete(void *rawEnv) override {
    Napi::Env env(static_cast<napi_env>(rawEnv));
    if (st->Done()) return;  // cancelled before the handler ran: don't run it
    napi_value f, global, result;
    if (napi_get_reference_value(env, fn, &f) != napi_ok || !f)
      return st->Finish(false, "callback gone");
    std::vector<napi_value> argv;
    try {
      argv = args(env);
    } catch (const Napi::Error &x) {
      return st->Finish(false, x.Message());
    }
    napi_get_global(env, &global);
    if (napi_call_function(env, global, f, argv.size(), argv.data(), &result) != napi_ok) {
      napi_value exc;
      napi_get_and_clear_last_exception(env, &exc);
      return st->Finish(false, MessageOf(env, exc));
    }
    Napi::Value r(env, result);
    if (!r.IsPromise()) return Settle(env, st, r);
    // Wait for the Promise without blocking the JS thread.
    // The closures own `st`: a Promise that never settles (its stream was
    // aborted meanwhile) then costs nothing once the functions are collected.
    auto onOk = Napi::Function::New(
        env, [st = st](const Napi::CallbackInfo &i) { Settle(i.Env(), st, i[0]); });
    auto onErr = Napi::Function::New(env, [st = st](const Napi::CallbackInfo &i) {
      st->Finish(false, MessageOf(i.Env(), i[0]));
    });
    r.As<Napi::Object>().Get("then").As<Napi::Function>().Call(r, {onOk, onErr});
  }
};

}  // namespace

bool CallJsAndWait(const std::shared_ptr<EnvQueue> &queue, napi_ref fn,
                   std::function<std::vector<napi_value>(Napi::Env)> args,
                   std::function<bool(Napi::Env, Napi::Value, std::string *)> take,
                   std::string *err, WaitCancel *cancel) {
  auto st = std::make_shared<State>();
  st->take = std::move(take);
  if (cancel) {
    std::lock_guard<std::mutex> lk(cancel->mu_);
    if (cancel->cancelled_) {
      if (err) *err = cancel->why_;
      return false;
    }
    cancel->current_ = st;
  }
  struct Unset {
    WaitCancel *c;
    ~Unset() {
      if (!c) return;
      std::lock_guard<std::mutex> lk(c->mu_);
      c->current_.reset();
    }
  } unset{cancel};
  auto *job = new JsJob();
  job->st = st;
  job->fn = fn;
  job->args = std::move(args);
  job->queue = queue;
  queue->Push(job);
  std::unique_lock<std::mutex> lk(st->mu);
  while (!st->done) {
    st->cv.wait_for(lk, std::chrono::seconds(1));
    if (st->done) break;
    std::lock_guard<std::mutex> qlk(queue->mu);
    if (!queue->alive) {
      if (err) *err = "the JS environment went away";
      return false;
    }
  }
  if (!st->ok && err) *err = st->err;
  return st->ok;
}

}  // namespace vk
