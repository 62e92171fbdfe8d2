#include "js_call.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace vk {

namespace {

struct State {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false, ok = false;
  std::string err;
  std::function<bool(Napi::Env, Napi::Value, std::string *)> take;
  void Finish(bool good, const std::string &e = std::string()) {
    std::lock_guard<std::mutex> lk(mu);
    done = true;
    ok = good;
    err = e;
    cv.notify_all();
  }
};

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
    napi_value f, global, result;
    if (napi_get_reference_value(env, fn, &f) != napi_ok || !f) return st->Finish(false, "callback gone");
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
    auto *hold = new std::shared_ptr<State>(st);
    auto onOk = Napi::Function::New(env, [hold](const Napi::CallbackInfo &i) {
      Settle(i.Env(), *hold, i[0]);
      delete hold;
    });
    auto onErr = Napi::Function::New(env, [hold](const Napi::CallbackInfo &i) {
      (*hold)->Finish(false, MessageOf(i.Env(), i[0]));
      delete hold;
    });
    r.As<Napi::Object>().Get("then").As<Napi::Function>().Call(r, {onOk, onErr});
  }
};

}  // namespace

bool CallJsAndWait(const std::shared_ptr<EnvQueue> &queue, napi_ref fn,
                   std::function<std::vector<napi_value>(Napi::Env)> args,
                   std::function<bool(Napi::Env, Napi::Value, std::string *)> take,
                   std::string *err) {
  auto st = std::make_shared<State>();
  st->take = std::move(take);
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
