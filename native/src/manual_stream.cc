// Streams: data in and out as Buffers, holes for sparse transfers, and the
// stream event callback that lets lib/stream.ts drive non-blocking streams
// without parking a thread per stream.
#include <atomic>
#include <cstring>

#include "results.h"
#include "runtime.h"

namespace vk {

namespace {

constexpr size_t kMaxChunk = 64 * 1024 * 1024;

// Stream#send(data): resolves to bytes sent, or -2 when a non-blocking
// stream would block.
Napi::Value Send(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 1, "Stream#send");
  struct C : Call {
    virStreamPtr s = nullptr;
    std::vector<unsigned char> data;
    int ret = 0;
    bool Run() override {
      ret = virStreamSend(s, reinterpret_cast<const char *>(data.data()), data.size());
      return ret >= 0 || ret == -2;
    }
    Napi::Value Done(Napi::Env env) override { return Napi::Number::New(env, ret); }
  };
  auto self = Self<Kind::Stream>(info);
  auto c = std::make_unique<C>();
  c->data = GetBytes(info, 0, "data");
  c->s = c->Hold<Kind::Stream>(self);
  return Submit(env, c.release());
}

// Stream#recv(nbytes) / #recvFlags(nbytes, flags): resolves to a Buffer (empty
// at end of stream), or -2 (would block) / -3 (a hole, with STOP_AT_HOLE).
Napi::Value RecvImpl(const Napi::CallbackInfo &info, bool withFlags) {
  Napi::Env env = info.Env();
  CheckArgCount(info, withFlags ? 2 : 1, withFlags ? "Stream#recvFlags" : "Stream#recv");
  struct C : Call {
    virStreamPtr s = nullptr;
    size_t n = 0;
    unsigned int flags = 0;
    bool withFlags = false;
    char *buf = nullptr;
    int ret = 0;
    bool Run() override {
      buf = static_cast<char *>(malloc(n ? n : 1));
      if (!buf) return false;
      ret = withFlags ? virStreamRecvFlags(s, buf, n, flags) : virStreamRecv(s, buf, n);
      return ret >= 0 || ret == -2 || ret == -3;
    }
    Napi::Value Done(Napi::Env env) override {
      if (ret < 0) return Napi::Number::New(env, ret);
      // Hand the malloc'd block to a Buffer without copying.
      char *b = buf;
      buf = nullptr;
      return Napi::Buffer<char>::New(env, b, ret, [](Napi::Env, char *p) { free(p); });
    }
    void Discard() override {
      free(buf);
      buf = nullptr;
    }
  };
  auto self = Self<Kind::Stream>(info);
  auto c = std::make_unique<C>();
  unsigned long long n = GetULLong(info, 0, "nbytes");
  if (n > kMaxChunk) throw Napi::RangeError::New(env, ArgName(0, "nbytes") + " must be at most 64 MiB");
  c->n = n;
  c->withFlags = withFlags;
  if (withFlags) c->flags = GetFlags(info, 1, "flags");
  c->s = c->Hold<Kind::Stream>(self);
  return Submit(env, c.release());
}
Napi::Value Recv(const Napi::CallbackInfo &info) { return RecvImpl(info, false); }
Napi::Value RecvFlags(const Napi::CallbackInfo &info) { return RecvImpl(info, true); }

Napi::Value SendHole(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 2, "Stream#sendHole");
  struct C : Call {
    virStreamPtr s = nullptr;
    long long length = 0;
    unsigned int flags = 0;
    bool Run() override { return virStreamSendHole(s, length, flags) >= 0; }
    Napi::Value Done(Napi::Env env) override { return env.Undefined(); }
  };
  auto self = Self<Kind::Stream>(info);
  auto c = std::make_unique<C>();
  c->length = GetLLong(info, 0, "length");
  if (c->length < 0) throw Napi::RangeError::New(env, ArgName(0, "length") + " must not be negative");
  c->flags = GetFlags(info, 1, "flags");
  c->s = c->Hold<Kind::Stream>(self);
  return Submit(env, c.release());
}

Napi::Value RecvHole(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 1, "Stream#recvHole");
  struct C : Call {
    virStreamPtr s = nullptr;
    long long length = 0;
    unsigned int flags = 0;
    bool Run() override { return virStreamRecvHole(s, &length, flags) >= 0; }
    Napi::Value Done(Napi::Env env) override { return BigS(env, length); }
  };
  auto self = Self<Kind::Stream>(info);
  auto c = std::make_unique<C>();
  c->flags = GetFlags(info, 0, "flags");
  c->s = c->Hold<Kind::Stream>(self);
  return Submit(env, c.release());
}

// ---- stream event callback -------------------------------------------------

// One per stream with a callback. Events are level-triggered: while a
// delivery is queued, later events are merged into it instead of flooding JS.
struct StreamSub {
  std::shared_ptr<EnvQueue> queue;
  napi_ref cb = nullptr;
  std::atomic<int> pending{0};
  std::atomic<bool> queued{false};
};

struct StreamEventJob : Job {
  StreamSub *sub;
  virStreamPtr stream;
  StreamEventJob(StreamSub *s, virStreamPtr st) : sub(s), stream(st) { virStreamRef(st); }
  ~StreamEventJob() override { FreeLater(Kind::Stream, stream); }
  void Execute() override {}
  void Complete(void *rawEnv) override {
    Napi::Env env(static_cast<napi_env>(rawEnv));
    sub->queued = false;  // first, so an event arriving now queues a new delivery
    int events = sub->pending.exchange(0);
    napi_value fn;
    if (!sub->cb || napi_get_reference_value(env, sub->cb, &fn) != napi_ok || !fn || !events) return;
    virStreamPtr st = stream;
    virStreamRef(st);
    napi_value argv[2] = {Wrap<Kind::Stream>::NewOwned(env, st), Napi::Number::New(env, events)};
    napi_value global, result;
    napi_get_global(env, &global);
    if (napi_call_function(env, global, fn, 2, argv, &result) != napi_ok) {
      napi_value exc;
      if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
    }
  }
};

struct StreamReleaseJob : Job {
  StreamSub *sub;
  explicit StreamReleaseJob(StreamSub *s) : sub(s) {}
  ~StreamReleaseJob() override { delete sub; }
  void Execute() override {}
  void Complete(void *rawEnv) override {
    napi_env env = static_cast<napi_env>(rawEnv);
    if (sub->cb) napi_delete_reference(env, sub->cb);
    sub->cb = nullptr;
    sub->queue->keepAlive--;
    sub->queue->UpdateRef();
  }
};

void OnStreamEvent(virStreamPtr st, int events, void *opaque) {
  auto *sub = static_cast<StreamSub *>(opaque);
  sub->pending |= events;
  if (sub->queued.exchange(true)) return;
  auto *j = new StreamEventJob(sub, st);
  j->queue = sub->queue;
  sub->queue->Push(j);
}

void FreeStreamSub(void *opaque) {
  auto *sub = static_cast<StreamSub *>(opaque);
  auto q = sub->queue;
  auto *j = new StreamReleaseJob(sub);
  j->queue = q;
  q->Push(j);
}

Napi::Value EventAdd(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 2, "Stream#eventAddCallback");
  struct C : Call {
    virStreamPtr s = nullptr;
    int events = 0;
    StreamSub *sub = nullptr;
    bool Run() override {
      if (virStreamEventAddCallback(s, events, OnStreamEvent, sub, FreeStreamSub) < 0) return false;
      sub = nullptr;  // libvirt owns it now
      return true;
    }
    Napi::Value Done(Napi::Env env) override { return env.Undefined(); }
    ~C() override {
      if (sub) FreeStreamSub(sub);  // never registered: release the JS side
    }
  };
  auto self = Self<Kind::Stream>(info);
  int events = GetInt(info, 0, "events");
  if (!info[1].IsFunction()) throw Napi::TypeError::New(env, ArgName(1, "cb") + " must be a function");
  auto c = std::make_unique<C>();
  c->events = events;
  c->sub = new StreamSub();
  c->sub->queue = Data(env)->queue;
  napi_create_reference(env, info[1], 1, &c->sub->cb);
  c->sub->queue->keepAlive++;
  c->sub->queue->UpdateRef();
  c->s = c->Hold<Kind::Stream>(self);
  return Submit(env, c.release());
}

Napi::Value EventUpdate(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 1, "Stream#eventUpdateCallback");
  struct C : Call {
    virStreamPtr s = nullptr;
    int events = 0;
    bool Run() override { return virStreamEventUpdateCallback(s, events) >= 0; }
    Napi::Value Done(Napi::Env env) override { return env.Undefined(); }
  };
  auto self = Self<Kind::Stream>(info);
  auto c = std::make_unique<C>();
  c->events = GetInt(info, 0, "events");
  c->s = c->Hold<Kind::Stream>(self);
  return Submit(env, c.release());
}

Napi::Value EventRemove(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 0, "Stream#eventRemoveCallback");
  struct C : Call {
    virStreamPtr s = nullptr;
    bool Run() override { return virStreamEventRemoveCallback(s) >= 0; }
    Napi::Value Done(Napi::Env env) override { return env.Undefined(); }
  };
  auto self = Self<Kind::Stream>(info);
  auto c = std::make_unique<C>();
  c->s = c->Hold<Kind::Stream>(self);
  return Submit(env, c.release());
}

}  // namespace

#define STREAM (int)Kind::Stream
extern const MethodDef kManual_stream[] = {
    {STREAM, "send", "virStreamSend", Send, false, false},
    {STREAM, "recv", "virStreamRecv", Recv, false, false},
    {STREAM, "recvFlags", "virStreamRecvFlags", RecvFlags, false, false},
    {STREAM, "sendHole", "virStreamSendHole", SendHole, false, false},
    {STREAM, "recvHole", "virStreamRecvHole", RecvHole, false, false},
    {STREAM, "eventAddCallback", "virStreamEventAddCallback", EventAdd, false, false},
    {STREAM, "eventUpdateCallback", "virStreamEventUpdateCallback", EventUpdate, false, false},
    {STREAM, "eventRemoveCallback", "virStreamEventRemoveCallback", EventRemove, false, false},
    {0, nullptr, nullptr, nullptr, false, false}};
#undef STREAM
extern const size_t kManual_streamCount = sizeof(kManual_stream) / sizeof(kManual_stream[0]) - 1;
extern const char *const kInternal_stream[] = {nullptr};
extern const size_t kInternal_streamCount = 0;

}  // namespace vk
