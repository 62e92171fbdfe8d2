// Streams: data in and out as Buffers, holes for sparse transfers, and the
// stream event callback that lets lib/stream.ts drive non-blocking streams
// without parking a thread per stream.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "file_writer.h"
#include "js_call.h"
#include "results.h"
#include "runtime.h"

namespace vk {

namespace {

constexpr size_t kMaxChunk = 64 * 1024 * 1024;
constexpr const char *kEnded = "stream is not open: it was finished or aborted";

// The state of `this` (a Stream already checked by Self<Kind::Stream>).
std::shared_ptr<StreamState> StateOf(const Napi::CallbackInfo &info) {
  return Napi::ObjectWrap<Wrap<Kind::Stream>>::Unwrap(info.This().As<Napi::Object>())->stream;
}

// A call on one stream. libvirt 9.0's fd stream frees its private data inside
// virStreamAbort/virStreamFinish, while a send/recv/sendHole on another thread
// may have fetched it and be waiting on its lock (a use after free). So no
// abort/finish runs while another call on the same stream runs: calls share
// the stream's lock, abort and finish take it alone. An abort therefore waits
// for a blocking recv already running on that stream to return; the *All
// calls end first, because abort/finish cancel their handler waits.
struct StreamCall : Call {
  virStreamPtr s = nullptr;
  std::shared_ptr<StreamState> state;
  bool exclusive = false;
  void Bind(const Napi::CallbackInfo &info, virStreamPtr self) {
    s = Hold<Kind::Stream>(self);
    state = StateOf(info);
  }
  void Execute() override {
    if (exclusive) {
      std::unique_lock<std::shared_mutex> lk(state->mu);
      Call::Execute();
    } else {
      std::shared_lock<std::shared_mutex> lk(state->mu);
      Call::Execute();
    }
  }
};

// Stream#send(data): resolves to bytes sent, or -2 when a non-blocking
// stream would block.
Napi::Value Send(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 1, "Stream#send");
  struct C : StreamCall {
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
  c->Bind(info, self);
  return Submit(env, c.release());
}

// Stream#recv(nbytes) / #recvFlags(nbytes, flags): resolves to a Buffer (empty
// at end of stream), or -2 (would block) / -3 (a hole, with STOP_AT_HOLE).
Napi::Value RecvImpl(const Napi::CallbackInfo &info, bool withFlags) {
  Napi::Env env = info.Env();
  CheckArgCount(info, withFlags ? 2 : 1, withFlags ? "Stream#recvFlags" : "Stream#recv");
  struct C : StreamCall {
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
  if (n > kMaxChunk)
    throw Napi::RangeError::New(env, ArgName(0, "nbytes") + " must be at most 64 MiB");
  c->n = n;
  c->withFlags = withFlags;
  if (withFlags) c->flags = GetFlags(info, 1, "flags");
  c->Bind(info, self);
  return Submit(env, c.release());
}
Napi::Value Recv(const Napi::CallbackInfo &info) { return RecvImpl(info, false); }
Napi::Value RecvFlags(const Napi::CallbackInfo &info) { return RecvImpl(info, true); }

Napi::Value SendHole(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 2, "Stream#sendHole");
  struct C : StreamCall {
    long long length = 0;
    unsigned int flags = 0;
    bool Run() override {
      // libvirt 9.0's virFDStreamSendHole locks st->privateData without a
      // NULL check: after abort/finish it crashes the process.
      if (state->ended) {
        err.SetMessage(kEnded);
        return false;
      }
      return virStreamSendHole(s, length, flags) >= 0;
    }
    Napi::Value Done(Napi::Env env) override { return env.Undefined(); }
  };
  auto self = Self<Kind::Stream>(info);
  auto c = std::make_unique<C>();
  c->length = GetLLong(info, 0, "length");
  if (c->length < 0)
    throw Napi::RangeError::New(env, ArgName(0, "length") + " must not be negative");
  c->flags = GetFlags(info, 1, "flags");
  c->Bind(info, self);
  return Submit(env, c.release());
}

Napi::Value RecvHole(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 1, "Stream#recvHole");
  struct C : StreamCall {
    long long length = 0;
    unsigned int flags = 0;
    bool Run() override { return virStreamRecvHole(s, &length, flags) >= 0; }
    Napi::Value Done(Napi::Env env) override { return BigS(env, length); }
  };
  auto self = Self<Kind::Stream>(info);
  auto c = std::make_unique<C>();
  c->flags = GetFlags(info, 0, "flags");
  c->Bind(info, self);
  return Submit(env, c.release());
}

// ---- stream event callback -------------------------------------------------

// One per stream with a callback. Events are level-triggered: while a
// delivery is queued, later events are merged into it instead of flooding JS.
struct StreamSub {
  std::shared_ptr<EnvQueue> queue;
  napi_ref cb = nullptr;
  virStreamPtr stream = nullptr;  // key in gSubs; not a reference
  std::atomic<int> pending{0};
  std::atomic<bool> queued{false};
};

// The registered sub of each stream (JS thread). A successful
// eventRemoveCallback releases the listener and its keep-alive itself:
// libvirt 9.0's remote driver does not always call the free callback (seen
// after a volume download: the process then never exited), and an agent
// must not be kept alive by a callback it removed. The free callback, when
// it comes, then only frees the memory.
// (Each worker has its own streams, but the map is shared: hence the lock.)
std::mutex gSubsMu;
std::unordered_map<virStreamPtr, StreamSub *> gSubs;

void ReleaseSub(napi_env env, StreamSub *sub) {
  {
    std::lock_guard<std::mutex> lk(gSubsMu);
    auto it = gSubs.find(sub->stream);
    if (it != gSubs.end() && it->second == sub) gSubs.erase(it);
  }
  if (sub->cb) ReleaseListener(env, sub->cb, *sub->queue);  // clears sub->cb
}

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
    napi_value fn = ListenerOf(env, sub->cb);
    if (!fn || !events) return;
    virStreamPtr st = stream;
    virStreamRef(st);
    napi_value argv[2] = {Wrap<Kind::Stream>::NewOwned(env, st), Napi::Number::New(env, events)};
    CallListener(env, fn, 2, argv);
  }
};

struct StreamReleaseJob : Job {
  StreamSub *sub;
  explicit StreamReleaseJob(StreamSub *s) : sub(s) {}
  ~StreamReleaseJob() override { delete sub; }
  void Execute() override {}
  void Complete(void *rawEnv) override { ReleaseSub(static_cast<napi_env>(rawEnv), sub); }
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
  struct C : StreamCall {
    int events = 0;
    StreamSub *sub = nullptr;
    StreamSub *added = nullptr;
    bool Run() override {
      if (virStreamEventAddCallback(s, events, OnStreamEvent, sub, FreeStreamSub) < 0) return false;
      added = sub;
      sub = nullptr;  // libvirt owns it now
      return true;
    }
    Napi::Value Done(Napi::Env env) override {
      // Not yet released: libvirt cannot have called the free callback of a
      // sub whose removal has not even been asked for.
      std::lock_guard<std::mutex> lk(gSubsMu);
      gSubs[added->stream] = added;
      return env.Undefined();
    }
    ~C() override {
      if (sub) FreeStreamSub(sub);  // never registered: release the JS side
    }
  };
  auto self = Self<Kind::Stream>(info);
  int events = GetInt(info, 0, "events");
  if (!info[1].IsFunction())
    throw Napi::TypeError::New(env, ArgName(1, "cb") + " must be a function");
  auto c = std::make_unique<C>();
  c->events = events;
  c->sub = new StreamSub();
  c->sub->queue = Data(env)->queue;
  c->sub->stream = self;
  napi_create_reference(env, info[1], 1, &c->sub->cb);
  c->sub->queue->keepAlive++;
  c->sub->queue->UpdateRef();
  c->Bind(info, self);
  return Submit(env, c.release());
}

Napi::Value EventUpdate(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 1, "Stream#eventUpdateCallback");
  struct C : StreamCall {
    int events = 0;
    bool Run() override { return virStreamEventUpdateCallback(s, events) >= 0; }
    Napi::Value Done(Napi::Env env) override { return env.Undefined(); }
  };
  auto self = Self<Kind::Stream>(info);
  auto c = std::make_unique<C>();
  c->events = GetInt(info, 0, "events");
  c->Bind(info, self);
  return Submit(env, c.release());
}

Napi::Value EventRemove(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 0, "Stream#eventRemoveCallback");
  struct C : StreamCall {
    bool Run() override { return virStreamEventRemoveCallback(s) >= 0; }
    Napi::Value Done(Napi::Env env) override {
      StreamSub *sub = nullptr;
      {
        std::lock_guard<std::mutex> lk(gSubsMu);
        auto it = gSubs.find(s);
        if (it != gSubs.end()) sub = it->second;
      }
      if (sub) ReleaseSub(env, sub);
      return env.Undefined();
    }
  };
  auto self = Self<Kind::Stream>(info);
  auto c = std::make_unique<C>();
  c->Bind(info, self);
  return Submit(env, c.release());
}

// ---- the *All calls: C callback APIs driven by JS handlers ------------------
// The pool thread running virStream*All blocks while each handler runs on the
// JS thread (a handler may return a Promise). That is the C API's contract;
// the adapters in lib/stream.ts are the non-blocking alternative.

// The cancels of *All calls in flight, by stream: abort(), finish() and free()
// end a handler wait that would otherwise never end (a handler Promise that
// never settles), so the *All Promise rejects instead of hanging.
std::mutex gWaitsMu;
std::unordered_multimap<virStreamPtr, WaitCancel *> gWaits;

// Which of the four *All calls an AllCall makes (also the index of its name).
enum class AllMode { kSend, kRecv, kSparseSend, kSparseRecv };

struct AllCall : StreamCall {
  WaitCancel cancel;
  std::shared_ptr<EnvQueue> q;
  napi_ref handler = nullptr, hole = nullptr, skip = nullptr;
  std::vector<unsigned char> leftover;
  std::string jsErr;
  bool ended = false;  // SourceHole saw the stream ended
  AllMode mode = AllMode::kSend;
  int ret = 0;

  void Register() {
    std::lock_guard<std::mutex> lk(gWaitsMu);
    gWaits.emplace(s, &cancel);
  }
  ~AllCall() override {
    std::lock_guard<std::mutex> lk(gWaitsMu);
    auto range = gWaits.equal_range(s);
    for (auto it = range.first; it != range.second; ++it)
      if (it->second == &cancel) {
        gWaits.erase(it);
        break;
      }
  }

  static bool Bytes(Napi::Env env, Napi::Value v, std::vector<unsigned char> &out, std::string *e) {
    if (v.IsTypedArray()) {  // Buffers included
      auto t = v.As<Napi::TypedArray>();
      auto *p = static_cast<unsigned char *>(t.ArrayBuffer().Data()) + t.ByteOffset();
      out.assign(p, p + t.ByteLength());
    } else if (v.IsDataView()) {
      auto dv = v.As<Napi::DataView>();
      auto *p = static_cast<unsigned char *>(dv.ArrayBuffer().Data()) + dv.ByteOffset();
      out.assign(p, p + dv.ByteLength());
    } else if (v.IsString()) {
      std::string x = v.As<Napi::String>().Utf8Value();
      out.assign(x.begin(), x.end());
    } else if (v.IsNull() || v.IsUndefined()) {
      out.clear();
    } else {
      *e = "handler must return a Buffer, Uint8Array, string or null";
      return false;
    }
    return true;
  }

  static int Source(virStreamPtr, char *data, size_t nbytes, void *opaque) {
    auto *c = static_cast<AllCall *>(opaque);
    if (c->leftover.empty()) {
      std::vector<unsigned char> got;
      bool ok = CallJsAndWait(
          c->q, c->handler,
          [nbytes](Napi::Env env) {
            return std::vector<napi_value>{Napi::Number::New(env, (double)nbytes)};
          },
          [&got](Napi::Env env, Napi::Value v, std::string *e) { return Bytes(env, v, got, e); },
          &c->jsErr, &c->cancel);
      if (!ok) return -1;
      c->leftover.swap(got);
    }
    size_t n = std::min(nbytes, c->leftover.size());
    memcpy(data, c->leftover.data(), n);
    c->leftover.erase(c->leftover.begin(), c->leftover.begin() + n);
    return (int)n;
  }

  static int Sink(virStreamPtr, const char *data, size_t nbytes, void *opaque) {
    auto *c = static_cast<AllCall *>(opaque);
    auto copy = std::make_shared<std::vector<char>>(data, data + nbytes);
    bool ok = CallJsAndWait(
        c->q, c->handler,
        [copy](Napi::Env env) {
          return std::vector<napi_value>{Napi::Buffer<char>::Copy(env, copy->data(), copy->size())};
        },
        [](Napi::Env, Napi::Value, std::string *) { return true; }, &c->jsErr, &c->cancel);
    return ok ? (int)nbytes : -1;
  }

  static int SourceHole(virStreamPtr, int *inData, long long *length, void *opaque) {
    auto *c = static_cast<AllCall *>(opaque);
    int in = 0;
    long long len = 0;
    bool ok = CallJsAndWait(
        c->q, c->hole, [](Napi::Env) { return std::vector<napi_value>{}; },
        [&](Napi::Env, Napi::Value v, std::string *e) {
          if (!v.IsObject()) {
            *e = "holeHandler must return {inData, length}";
            return false;
          }
          Napi::Object o = v.As<Napi::Object>();
          in = o.Get("inData").ToBoolean().Value() ? 1 : 0;
          Napi::Value l = o.Get("length");
          bool lossless = true;
          len = l.IsBigInt() ? l.As<Napi::BigInt>().Int64Value(&lossless)
                             : (long long)l.ToNumber().Int64Value();
          return lossless && len >= 0;
        },
        &c->jsErr, &c->cancel);
    if (!ok) return -1;
    // libvirt calls virStreamSendHole next (see SendHole).
    if (!in && c->state->ended) {
      c->ended = true;
      return -1;
    }
    *inData = in;
    *length = len;
    return 0;
  }

  static int LengthCall(AllCall *c, napi_ref fn, long long length) {
    bool ok = CallJsAndWait(
        c->q, fn, [length](Napi::Env env) { return std::vector<napi_value>{BigS(env, length)}; },
        [](Napi::Env, Napi::Value, std::string *) { return true; }, &c->jsErr, &c->cancel);
    return ok ? 0 : -1;
  }
  static int SourceSkip(virStreamPtr, long long length, void *opaque) {
    auto *c = static_cast<AllCall *>(opaque);
    return LengthCall(c, c->skip, length);
  }
  static int SinkHole(virStreamPtr, long long length, void *opaque) {
    auto *c = static_cast<AllCall *>(opaque);
    return LengthCall(c, c->hole, length);
  }

  bool Run() override {
    switch (mode) {
      case AllMode::kSend:
        ret = virStreamSendAll(s, Source, this);
        break;
      case AllMode::kRecv:
        ret = virStreamRecvAll(s, Sink, this);
        break;
      case AllMode::kSparseSend:
        ret = virStreamSparseSendAll(s, Source, SourceHole, SourceSkip, this);
        break;
      case AllMode::kSparseRecv:
        ret = virStreamSparseRecvAll(s, Sink, SinkHole, this);
        break;
    }
    // A failed *All call has aborted the stream itself (libvirt's contract), so
    // later calls see it ended as after abort() (sendHole would crash on it).
    if (ret < 0) state->ended = true;
    if (ret < 0 && ended)
      err.SetMessage(kEnded);
    else if (ret < 0 && !jsErr.empty())
      err.SetMessage("stream handler failed: " + jsErr);
    return ret >= 0;
  }
  Napi::Value Done(Napi::Env env) override { return env.Undefined(); }
  void Finally(Napi::Env env) override {
    for (napi_ref *r : {&handler, &hole, &skip})
      if (*r) napi_delete_reference(env, *r), *r = nullptr;
  }
};

Napi::Value AllImpl(const Napi::CallbackInfo &info, AllMode mode) {
  Napi::Env env = info.Env();
  static const char *names[] = {"Stream#sendAll", "Stream#recvAll", "Stream#sparseSendAll",
                                "Stream#sparseRecvAll"};
  // the data handler, plus the hole and skip handlers of the sparse calls
  size_t nfn = mode == AllMode::kSparseSend ? 3 : mode == AllMode::kSparseRecv ? 2 : 1;
  CheckArgCount(info, nfn, names[static_cast<int>(mode)]);
  for (size_t i = 0; i < nfn; i++)
    if (i >= info.Length() || !info[i].IsFunction())
      throw Napi::TypeError::New(env, ArgName(i, i == 0   ? "handler"
                                                 : i == 1 ? "holeHandler"
                                                          : "skipHandler") +
                                          " must be a function");
  auto self = Self<Kind::Stream>(info);
  auto c = std::make_unique<AllCall>();
  c->mode = mode;
  c->q = Data(env)->queue;
  napi_create_reference(env, info[0], 1, &c->handler);
  if (nfn > 1) napi_create_reference(env, info[1], 1, &c->hole);
  if (nfn > 2) napi_create_reference(env, info[2], 1, &c->skip);
  c->Bind(info, self);
  c->Register();
  return Submit(env, c.release());
}
Napi::Value SendAll(const Napi::CallbackInfo &i) { return AllImpl(i, AllMode::kSend); }
Napi::Value RecvAll(const Napi::CallbackInfo &i) { return AllImpl(i, AllMode::kRecv); }
Napi::Value SparseSendAll(const Napi::CallbackInfo &i) { return AllImpl(i, AllMode::kSparseSend); }
Napi::Value SparseRecvAll(const Napi::CallbackInfo &i) { return AllImpl(i, AllMode::kSparseRecv); }

// ---- whole files on a blocking stream, all in C ---------------------------
// Stream#_sendFile(path, sparse) / #_recvFile(path, sparse): what virsh
// vol-upload/vol-download do: virStream(Sparse)SendAll/RecvAll with callbacks
// on the file's descriptor, on one pool thread, so no chunk is copied into JS
// and back. Holes are found with SEEK_DATA/SEEK_HOLE (never read) and written
// as holes (lseek + ftruncate). Resolve to the bytes covered (send: data and
// holes) or to the data bytes received (recv).
struct FileCall : StreamCall {
  std::string path;
  int fd = -1;
  int sysErr = 0;  // errno of a failed file operation in a callback
  long long total = 0;
  bool send = true, sparse = false;

  int Fail() {
    sysErr = errno;
    return -1;
  }
  static int Source(virStreamPtr, char *data, size_t nbytes, void *opaque) {
    auto *c = static_cast<FileCall *>(opaque);
    for (;;) {
      ssize_t r = read(c->fd, data, nbytes);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return c->Fail();
      c->total += r;
      return static_cast<int>(r);
    }
  }
  // Where the file stands at its offset: in data or in a hole, and for how long
  // (what libvirt's virFileInData does for virsh). At the end: a hole of 0.
  static int InData(virStreamPtr, int *inData, long long *length, void *opaque) {
    auto *c = static_cast<FileCall *>(opaque);
    off_t cur = lseek(c->fd, 0, SEEK_CUR), end = lseek(c->fd, 0, SEEK_END);
    if (cur < 0 || end < 0) return c->Fail();
    off_t data = lseek(c->fd, cur, SEEK_DATA);
    if (data < 0 && errno == ENXIO) {  // only a hole remains
      *inData = 0, *length = end - cur;
    } else if (data < 0) {  // no SEEK_DATA here (EINVAL): all data
      *inData = 1, *length = end - cur;
    } else if (data > cur) {
      *inData = 0, *length = data - cur;
    } else {
      off_t hole = lseek(c->fd, cur, SEEK_HOLE);
      if (hole < 0) return c->Fail();
      *inData = 1, *length = hole - cur;
    }
    return lseek(c->fd, cur, SEEK_SET) < 0 ? c->Fail() : 0;
  }
  static int Skip(virStreamPtr, long long length, void *opaque) {
    auto *c = static_cast<FileCall *>(opaque);
    if (lseek(c->fd, length, SEEK_CUR) < 0) return c->Fail();
    c->total += length;
    return 0;
  }
  // What virStream(Sparse)RecvAll does, receiving into the buffers of a writer
  // thread (file_writer.h) instead of one buffer and a sink that writes it.
  // As there, a failed sink (here: a failed write) aborts the stream, a failed
  // receive does not, and a hole is received with virStreamRecvHole.
  int Receive() {
    FileWriter w(fd);
    int ret = 0;
    for (;;) {
      char *buf = w.Buffer();
      if (!buf) {
        virStreamAbort(s);
        ret = -1;
        break;
      }
      int got = sparse
                    ? virStreamRecvFlags(s, buf, FileWriter::kChunk, VIR_STREAM_RECV_STOP_AT_HOLE)
                    : virStreamRecv(s, buf, FileWriter::kChunk);
      if (got > 0) {
        total += got;
        if (w.Write(buf, static_cast<size_t>(got))) continue;
        virStreamAbort(s);
        ret = -1;
        break;
      }
      w.Unused(buf);
      if (got == 0) break;
      long long hole = 0;
      if (got == -3 && sparse && virStreamRecvHole(s, &hole, 0) == 0) {
        if (w.Hole(hole)) continue;
        virStreamAbort(s);
      }
      ret = -1;  // libvirt's error (the last error of this thread), or the writer's
      break;
    }
    // The writer's error is the reason when there is one; after a complete
    // receive the stream is still open, and the caller aborts it.
    if (int e = w.Finish()) sysErr = e;
    return ret;
  }
  bool Run() override {
    fd = send ? open(path.c_str(), O_RDONLY | O_CLOEXEC)
              : open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
      err.SetMessage("cannot open " + path + ": " + strerror(errno), VIR_ERR_SYSTEM_ERROR);
      return false;
    }
    int ret;
    if (send) {
      ret = sparse ? virStreamSparseSendAll(s, Source, InData, Skip, this)
                   : virStreamSendAll(s, Source, this);
    } else {
      ret = Receive();
    }
    if (ret < 0) state->ended = true;  // libvirt aborted the stream (see AllCall::Run)
    int closeErr = close(fd) < 0 ? errno : 0;
    fd = -1;
    if (sysErr) {  // a failed read or write fails the transfer (after a complete receive too)
      err.SetMessage(
          std::string(send ? "cannot read " : "cannot write ") + path + ": " + strerror(sysErr),
          VIR_ERR_SYSTEM_ERROR);
      return false;
    }
    if (ret >= 0 && closeErr && !send) {  // a deferred write error (NFS, quota)
      err.SetMessage("cannot write " + path + ": " + strerror(closeErr), VIR_ERR_SYSTEM_ERROR);
      return false;
    }
    return ret >= 0;
  }
  Napi::Value Done(Napi::Env env) override {
    return Napi::Number::New(env, static_cast<double>(total));
  }
};

Napi::Value FileImpl(const Napi::CallbackInfo &info, bool send) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 2, send ? "Stream#_sendFile" : "Stream#_recvFile");
  auto self = Self<Kind::Stream>(info);
  auto c = std::make_unique<FileCall>();
  c->send = send;
  c->path = GetString(info, 0, "path");
  if (!info[1].IsBoolean())
    throw Napi::TypeError::New(env, ArgName(1, "sparse") + " must be a boolean");
  c->sparse = info[1].As<Napi::Boolean>().Value();
  c->Bind(info, self);
  return Submit(env, c.release());
}
Napi::Value SendFile(const Napi::CallbackInfo &i) { return FileImpl(i, true); }
Napi::Value RecvFile(const Napi::CallbackInfo &i) { return FileImpl(i, false); }

// Stream#abort() / #finish(): as the C calls, after ending the handler waits
// of this stream's *All calls (see gWaits).
Napi::Value EndImpl(const Napi::CallbackInfo &info, bool abort) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 0, abort ? "Stream#abort" : "Stream#finish");
  struct C : StreamCall {
    bool abort = true;
    bool Run() override {
      // Before the C call: fdstream drops its private data inside it, failed or not.
      state->ended = true;
      return (abort ? virStreamAbort(s) : virStreamFinish(s)) >= 0;
    }
    Napi::Value Done(Napi::Env env) override { return env.Undefined(); }
  };
  auto self = Self<Kind::Stream>(info);
  CancelStreamWaits(self, abort ? "the stream was aborted while its handler was pending"
                                : "the stream was finished while its handler was pending");
  auto c = std::make_unique<C>();
  c->abort = abort;
  c->exclusive = true;
  c->Bind(info, self);
  return Submit(env, c.release());
}
Napi::Value Abort(const Napi::CallbackInfo &i) { return EndImpl(i, true); }
Napi::Value Finish(const Napi::CallbackInfo &i) { return EndImpl(i, false); }

}  // namespace

void CancelStreamWaits(virStreamPtr s, const char *why) {
  if (!s) return;
  std::lock_guard<std::mutex> lk(gWaitsMu);
  auto range = gWaits.equal_range(s);
  for (auto it = range.first; it != range.second; ++it) it->second->Cancel(why);
}

#include "../generated/manual/stream.inc"

}  // namespace vk
