// Hand-written bindings: connect.
//
// Connect.openAuth(name | null, {credtype, cb} | null, flags): virConnectOpenAuth runs
// on a pool thread; when libvirt asks for credentials, the auth callback (still
// on that pool thread) posts an AuthRequest job to the JS thread, which calls
// cb(creds) and hands the answers (or a settled Promise's answers) back through
// a mutex/condvar. An exception, a rejection or a malformed answer makes the
// callback return -1, so the open fails and the promise rejects with the JS
// error. The pool thread never waits forever: it gives up when the environment
// is torn down or after 5 minutes.
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>

#include "runtime.h"
#include "results.h"

namespace vk {

namespace {

constexpr int kAuthTimeoutSeconds = 300;

struct CredIn {
  int type;
  std::string prompt, challenge, defresult;
  bool hasChallenge, hasDefresult;
};

// One round of questions: shared by the waiting pool thread and the JS side.
struct Round {
  std::mutex mu;
  std::condition_variable cv;
  bool settled = false;  // answers (or a failure) are in
  bool ok = false;
  bool abandoned = false;  // the pool thread stopped waiting
  std::vector<std::string> answers;
  std::vector<bool> answered;
  void Finish(bool success) {
    {
      std::lock_guard<std::mutex> lk(mu);
      if (settled) return;
      settled = true;
      ok = success;
    }
    cv.notify_all();
  }
};

// The JS side of one openAuth call: touched on the JS thread only.
struct AuthJS {
  napi_env env = nullptr;
  napi_ref cb = nullptr;
  napi_ref error = nullptr;  // first JS error raised by cb, for the rejection
  bool finished = false;     // the open call completed: ignore late answers
  void SetError(napi_value e) {
    if (finished || error) return;
    napi_create_reference(env, e, 1, &error);
  }
  void Release() {
    finished = true;
    if (cb) napi_delete_reference(env, cb);
    if (error) napi_delete_reference(env, error);
    cb = error = nullptr;
  }
};

// Parses cb's answer: an array with one string | null | undefined per credential.
bool TakeAnswers(Napi::Env env, Napi::Value v, size_t ncred, Round &r, AuthJS &js) {
  if (!v.IsArray()) {
    js.SetError(Napi::TypeError::New(env,
                                     "openAuth: auth.cb must return (a Promise of) an array "
                                     "with one string or null per credential")
                    .Value());
    return false;
  }
  Napi::Array a = v.As<Napi::Array>();
  std::vector<std::string> ans(ncred);
  std::vector<bool> has(ncred, false);
  for (uint32_t i = 0; i < ncred; i++) {
    Napi::Value x = i < a.Length() ? a.Get(i) : env.Undefined();
    if (x.IsNull() || x.IsUndefined()) continue;
    if (!x.IsString()) {
      js.SetError(Napi::TypeError::New(
                      env, "openAuth: answer " + std::to_string(i) + " must be a string or null")
                      .Value());
      return false;
    }
    ans[i] = x.As<Napi::String>().Utf8Value();
    if (ans[i].find('\0') != std::string::npos) {
      js.SetError(Napi::TypeError::New(env, "openAuth: answer " + std::to_string(i) +
                                                " must not contain NUL characters")
                      .Value());
      return false;
    }
    has[i] = true;
  }
  std::lock_guard<std::mutex> lk(r.mu);
  r.answers.swap(ans);
  r.answered.swap(has);
  return true;
}

// Posted to the JS thread by the auth callback. Never run on the pool.
struct AuthRequest : Job {
  std::shared_ptr<Round> round;
  std::shared_ptr<AuthJS> js;
  std::vector<CredIn> creds;
  bool completed = false;
  ~AuthRequest() override {
    // Dropped without completing (environment gone): fail the round.
    if (!completed && round) round->Finish(false);
  }
  void Execute() override {}
  void Complete(void *rawEnv) override {
    completed = true;
    Napi::Env env(static_cast<napi_env>(rawEnv));
    Napi::HandleScope scope(env);
    std::shared_ptr<Round> r = round;
    std::shared_ptr<AuthJS> j = js;
    bool abandoned;
    {
      std::lock_guard<std::mutex> lk(r->mu);
      abandoned = r->abandoned;
    }
    if (abandoned || j->finished || !j->cb) {
      r->Finish(false);
      return;
    }
    try {
      Napi::Array arr = Napi::Array::New(env, creds.size());
      for (size_t i = 0; i < creds.size(); i++) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("type", Napi::Number::New(env, creds[i].type));
        o.Set("prompt", Napi::String::New(env, creds[i].prompt));
        o.Set("challenge", creds[i].hasChallenge
                               ? Napi::Value(Napi::String::New(env, creds[i].challenge))
                               : env.Null());
        o.Set("defresult", creds[i].hasDefresult
                               ? Napi::Value(Napi::String::New(env, creds[i].defresult))
                               : env.Null());
        arr.Set(static_cast<uint32_t>(i), o);
      }
      napi_value fnv;
      napi_get_reference_value(env, j->cb, &fnv);
      Napi::Function fn(env, fnv);
      Napi::Value res = fn.Call(env.Undefined(), {arr});
      size_t ncred = creds.size();
      bool thenable = false;
      if (res.IsPromise()) {
        thenable = true;
      } else if (res.IsObject() && !res.IsArray()) {
        thenable = res.As<Napi::Object>().Get("then").IsFunction();
      }
      if (!thenable) {
        r->Finish(TakeAnswers(env, res, ncred, *r, *j));
        return;
      }
      Napi::Function onOk = Napi::Function::New(env, [r, j, ncred](const Napi::CallbackInfo &ci) {
        Napi::Env e = ci.Env();
        bool ok = false;
        if (!j->finished) {
          try {
            ok = TakeAnswers(e, ci[0], ncred, *r, *j);
          } catch (const Napi::Error &err) {
            j->SetError(err.Value());
          }
        }
        r->Finish(ok);
        return e.Undefined();
      });
      Napi::Function onErr = Napi::Function::New(env, [r, j](const Napi::CallbackInfo &ci) {
        j->SetError(ci[0]);
        r->Finish(false);
        return ci.Env().Undefined();
      });
      res.As<Napi::Object>().Get("then").As<Napi::Function>().Call(res, {onOk, onErr});
    } catch (const Napi::Error &e) {
      j->SetError(e.Value());
      r->Finish(false);
    }
  }
};

struct OpenAuthCall : Call {
  std::string name;
  bool nameNull = false;
  std::vector<int> credtype;
  unsigned int flags = 0;
  std::shared_ptr<AuthJS> js;  // null: no auth (C NULL)
  virConnectPtr conn = nullptr;

  // Pool thread: libvirt's auth callback.
  static int Callback(virConnectCredentialPtr cred, unsigned int ncred, void *data) {
    auto *self = static_cast<OpenAuthCall *>(data);
    std::shared_ptr<EnvQueue> q = self->queue;
    if (!q || ncred == 0) return ncred == 0 ? 0 : -1;
    auto round = std::make_shared<Round>();
    auto *req = new AuthRequest();
    req->round = round;
    req->js = self->js;
    req->queue = q;
    req->creds.reserve(ncred);
    for (unsigned int i = 0; i < ncred; i++) {
      CredIn c;
      c.type = cred[i].type;
      c.prompt = cred[i].prompt ? cred[i].prompt : "";
      c.hasChallenge = cred[i].challenge != nullptr;
      c.challenge = c.hasChallenge ? cred[i].challenge : "";
      c.hasDefresult = cred[i].defresult != nullptr;
      c.defresult = c.hasDefresult ? cred[i].defresult : "";
      req->creds.push_back(std::move(c));
    }
    q->Push(req);  // deleted at once (failing the round) if the env is gone

    std::unique_lock<std::mutex> lk(round->mu);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kAuthTimeoutSeconds);
    while (!round->settled) {
      if (round->cv.wait_for(lk, std::chrono::seconds(1), [&] { return round->settled; })) break;
      bool alive;
      {
        std::lock_guard<std::mutex> qlk(q->mu);
        alive = q->alive;
      }
      if (!alive || std::chrono::steady_clock::now() >= deadline) {
        round->abandoned = true;
        return -1;
      }
    }
    if (!round->ok) return -1;
    for (unsigned int i = 0; i < ncred; i++) {
      cred[i].result = nullptr;
      cred[i].resultlen = 0;
      if (i < round->answered.size() && round->answered[i]) {
        const std::string &s = round->answers[i];
        char *p = static_cast<char *>(malloc(s.size() + 1));
        if (!p) return -1;
        memcpy(p, s.c_str(), s.size() + 1);
        cred[i].result = p;
        cred[i].resultlen = static_cast<unsigned int>(s.size());
      }
    }
    return 0;
  }

  bool Run() override {
    virConnectAuth auth;
    auth.credtype = credtype.empty() ? nullptr : credtype.data();
    auth.ncredtype = static_cast<unsigned int>(credtype.size());
    auth.cb = &OpenAuthCall::Callback;
    auth.cbdata = this;
    conn = virConnectOpenAuth(nameNull ? nullptr : name.c_str(), js ? &auth : nullptr, flags);
    return conn != nullptr;
  }
  Napi::Value Done(Napi::Env env) override { return TakeObj<Kind::Connect>(env, conn); }
  void Discard() override {
    if (conn) virConnectClose(conn);
    conn = nullptr;
  }
  void Complete(void *rawEnv) override {
    // A JS error from cb is a better rejection than libvirt's "authentication failed".
    if (!ok && js && js->error) {
      Napi::Env env(static_cast<napi_env>(rawEnv));
      Napi::HandleScope scope(env);
      napi_value e;
      napi_get_reference_value(env, js->error, &e);
      js->Release();
      if (stack) napi_delete_reference(env, stack);
      stack = nullptr;
      napi_reject_deferred(env, deferred, e);
      return;
    }
    if (js) js->Release();
    Call::Complete(rawEnv);
  }
};

Napi::Value OpenAuth(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 3, "Connect.openAuth");
  auto owned = std::make_unique<OpenAuthCall>();
  OpenAuthCall *c = owned.get();
  c->name = GetStringOrNull(info, 0, "name", c->nameNull);
  Napi::Value a = info.Length() > 1 ? info[1] : env.Undefined();
  if (a.IsNull() || a.IsUndefined()) {
    c->flags = GetFlags(info, 2, "flags");
    return Submit(env, owned.release());
  }
  if (!a.IsObject() || a.IsArray() || a.IsFunction())
    throw Napi::TypeError::New(env, ArgName(1, "auth") + " must be an object {credtype, cb}");
  Napi::Object auth = a.As<Napi::Object>();
  Napi::Value ct = auth.Get("credtype");
  if (!ct.IsArray())
    throw Napi::TypeError::New(
        env, ArgName(1, "auth") + ".credtype must be an array of VIR_CRED_* numbers");
  Napi::Array cta = ct.As<Napi::Array>();
  for (uint32_t i = 0; i < cta.Length(); i++) {
    Napi::Value x = cta.Get(i);
    if (!x.IsNumber())
      throw Napi::TypeError::New(
          env, ArgName(1, "auth") + ".credtype[" + std::to_string(i) + "] must be a number");
    double d = x.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= 1000) || std::trunc(d) != d)
      throw Napi::RangeError::New(env, ArgName(1, "auth") + ".credtype[" + std::to_string(i) +
                                           "] must be a VIR_CRED_* value");
    c->credtype.push_back(static_cast<int>(d));
  }
  Napi::Value cb = auth.Get("cb");
  if (!cb.IsFunction())
    throw Napi::TypeError::New(env, ArgName(1, "auth") + ".cb must be a function");
  c->flags = GetFlags(info, 2, "flags");
  c->js = std::make_shared<AuthJS>();
  c->js->env = env;
  napi_create_reference(env, cb, 1, &c->js->cb);
  return Submit(env, owned.release());
}

}  // namespace

#include "../generated/manual/connect.inc"

}  // namespace vk
