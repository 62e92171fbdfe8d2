// Shared runtime of the addon: per-environment data, errors, wrappers, async calls
// and argument conversion. Generated and hand-written bindings build on this.
#pragma once
#include <napi.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "kinds.h"
#include "pool.h"

namespace vk {

// A copy of libvirt's thread-local last error, taken on the thread that failed.
struct ErrorInfo {
  bool set = false;
  int code = 0, domain = 0, level = 0, int1 = 0, int2 = 0;
  std::string message, str1, str2, str3;
  bool hasStr1 = false, hasStr2 = false, hasStr3 = false;
  void Capture();  // from virGetLastError(), or a generic one if none is set
  void SetMessage(const std::string &m, int code = VIR_ERR_INTERNAL_ERROR);
};

// Thrown for a call on a freed/closed object; promise-returning methods turn it
// into a rejection, synchronous ones throw it.
class FreedError;
class FreedError : public Napi::Error {
 public:
  FreedError(Napi::Env env, napi_value v) : Napi::Error(env, v) {}
};

class KeyCache;         // typed_params.cc
struct ParamShapes;     // shapes.cc
struct DomainRegistry;  // wrap.cc

struct AddonData {
  ~AddonData();
  Napi::FunctionReference ctors[static_cast<int>(Kind::Count)];
  KeyCache *keys = nullptr;            // typed-param field names as JS strings
  std::vector<napi_ref> shapes;        // by ShapeSlot(): makers of fixed-shape objects (shapes.cc)
  ParamShapes *paramShapes = nullptr;  // makers by typed-param field sequence (shapes.cc)
  // One live Domain wrapper per (connection, UUID); shared with the wrappers,
  // whose finalizers may run during teardown.
  std::shared_ptr<DomainRegistry> domains;
  Napi::FunctionReference errorCtor;  // LibvirtError, given by lib/ at load
  std::shared_ptr<EnvQueue> queue;
  // How a rejection gets its stack (setCaptureStacks): kCaller captures the
  // caller's stack at every call; kAwait re-captures it only when a call
  // fails, in a rejection handler, where V8's async stack trace names the
  // async functions awaiting the call (capturing at each call cost 2.5-8 us:
  // V8 rebuilds inlined frames of optimized code).
  enum StackMode { kStackOff, kStackCaller, kStackAwait } stackMode = kStackAwait;
  napi_ref restack = nullptr, promiseThen = nullptr;
  // Per kind, the last object Wrap<K>::Get accepted (a weak reference) and
  // its wrapper: a poller calls methods on the same objects over and over,
  // and the type-tag check and unwrap are two private-symbol lookups (~1,800
  // instructions) where a reference read and an identity test are ~150.
  struct LastWrap {
    napi_ref ref = nullptr;
    void *wrap = nullptr;
    uint32_t misses = 0;  // in a row, since the last hit
  } lastWrap[static_cast<int>(Kind::Count)];
  napi_env env = nullptr;
};

AddonData *Data(Napi::Env env);

// Builds a LibvirtError (or a plain Error before lib/ registered the class).
Napi::Value MakeError(Napi::Env env, const ErrorInfo &e, napi_value stack);
[[noreturn]] void ThrowLibvirt(Napi::Env env);  // from the current thread's last error
FreedError UsageError(Napi::Env env, const std::string &msg);  // freed/closed object

// ---- wrappers -----------------------------------------------------------

struct Holder {
  Kind kind;
  void *ptr;
};

napi_type_tag TagOf(Kind k);

// Per-Stream state that outlives free(): calls hold it by shared_ptr.
struct StreamState {
  // Set when abort()/finish() starts, or when a *All call failed (libvirt then
  // aborted the stream inside it). libvirt 9.0's fd streams (test driver,
  // local files) dereference their closed state in virStreamSendHole, so the
  // binding refuses sendHole on an ended stream itself.
  std::atomic<bool> ended{false};
  std::shared_mutex mu;  // calls share it, abort/finish hold it alone (manual_stream.cc)
};

template <Kind K>
class Wrap : public Napi::ObjectWrap<Wrap<K>> {
 public:
  using Ptr = typename KindTraits<K>::Ptr;
  explicit Wrap(const Napi::CallbackInfo &info);
  ~Wrap() override;
  static Napi::Function Define(Napi::Env env);
  // Takes ownership of one reference of `p`.
  // For a Domain: the connection's live wrapper of that UUID when there is one.
  static Napi::Object NewOwned(Napi::Env env, Ptr p);
  // Always a new wrapper.
  static Napi::Object Construct(Napi::Env env, Ptr p);
  // The live pointer behind `this` of a method call; throws TypeError for a
  // wrong receiver and rejects-with-error for a freed object (returns null).
  static Ptr Get(Napi::Value v, const char *what);
  Ptr ptr = nullptr;
  std::shared_ptr<StreamState> stream;       // Kind::Stream only
  std::shared_ptr<DomainRegistry> registry;  // Kind::Domain: set while registered
  void *regConn = nullptr;                   // the registry key of a registered Domain
  unsigned char regUUID[VIR_UUID_BUFLEN];
  Napi::Value Free(const Napi::CallbackInfo &info);
  Napi::Value IsFreed(const Napi::CallbackInfo &info);
};

// The connection's wrapper of domain `p` (taking over `p`'s reference), or a new
// one. A reused wrapper hands back the pointer it held in *displaced: the
// caller drops that reference (bulk stats leave it in the record list).
Napi::Object DomainToJS(Napi::Env env, virDomainPtr p, virDomainPtr *displaced);

void FreeLater(Kind k, void *p);  // drop a reference off the JS thread
void FreeNow(Kind k, void *p);    // on a pool thread
// `fn(p)` off the JS thread, batched with the FreeLater frees: for C results
// whose free is slow (libvirt formats a UUID for its debug log per object).
void FreeLaterWith(void (*fn)(void *), void *p);
// On a pool thread: runs every free queued so far (and waits for a batch that
// is running), so a free() orders before the call that invokes this.
void RunPendingFrees();
// Called between frees in a batch: after 20 us of freeing, sched_yield() lets a
// thread queued behind this one on its CPU run first. The frees of a poll (100
// domains: each last unref formats the UUID for libvirt's debug log, ~200 us in
// all) run on a third thread while the JS thread builds records and a pool
// thread runs the next call; on 2 cores the kernel queued that call's thread
// behind the frees, not on the core going idle, and it waited up to a time
// slice (1-4 ms) for it. Yielding, bulk stats over 100 domains: calls over
// 400 us 178-227 -> 9-13 of 3,000 in one period; in another, malloc arena lock
// contention between these frees and the next call dominated and yielding
// changed little (README, Performance: "Frees yield").
void YieldDuringFrees();
// While one lives on the JS thread, a first free queued does not wake a pool
// thread at once: the batch is handed to the pool when the outermost one ends.
// RunDone holds one across completing calls and the microtasks after them, so
// the wake (a futex call and a context switch, ~20 us per bulk-stats call
// here) comes after the awaiting code has resumed and sent its next call,
// instead of between a result and the code waiting for it.
class FreeSubmitHold {
 public:
  FreeSubmitHold();
  ~FreeSubmitHold();
  FreeSubmitHold(const FreeSubmitHold &) = delete;
  FreeSubmitHold &operator=(const FreeSubmitHold &) = delete;

 private:
  bool outer_;
};
// Ends the pending handler waits of the stream's *All calls (manual_stream.cc).
void CancelStreamWaits(virStreamPtr s, const char *why);

template <Kind K>
inline typename KindTraits<K>::Ptr Self(const Napi::CallbackInfo &info) {
  return Wrap<K>::Get(info.This(), "this");
}

// A field's name as a cached JS string (typed_params.cc), for objects built
// property by property (MakeShaped without a maker).
napi_value FieldKey(napi_env env, const char *name, size_t len);
// An object {f0: argv[0], ...} for `fields` "f0,f1,..." (shapes.cc); `slot`
// from ShapeSlot(), once per shape (a function-local static).
int ShapeSlot();
bool ScriptsAllowed();  // false with VIRTKIT_NO_SCRIPTS set (shapes.cc)
// A reference to the function `src` evaluates to; null (exception cleared) if
// it cannot be compiled or scripts are not allowed.
napi_ref CompileFunction(napi_env env, const std::string &src);
napi_value MakeShaped(napi_env env, int slot, const char *fields, size_t argc,
                      const napi_value *argv);

// ---- async calls ----------------------------------------------------------

// libvirt's public virXxxRef/virXxxFree log each call, and for a domain the
// log line formats its UUID first even when nothing is logged (two snprintf,
// about a quarter of an awaited getInfo on test:///). The private
// virObjectRef/virObjectUnref they wrap count the same reference without the
// log line; they are looked up at run time, and a libvirt without them gets
// the public pair. Used for the references a call holds (Hold) and for every
// free off the JS thread (FreeNow).
struct QuietRefs {
  void *(*ref)(void *) = nullptr;
  bool (*unref)(void *) = nullptr;
};
const QuietRefs &Quiet();

// The generated code subclasses Call: Run() on a pool thread, Done() on JS.
struct Call : Job {
  napi_deferred deferred = nullptr;
  napi_ref stack = nullptr;
  bool restack = false;  // setCaptureStacks('await') at submit: see RejectRestacked
  ErrorInfo err;
  bool ok = false;
  // References held for the duration of the call, dropped on the pool thread
  // after Run() so the last unref (which may close a connection) never blocks JS.
  std::vector<std::pair<Kind, void *>> held;
  template <Kind K>
  typename KindTraits<K>::Ptr Hold(typename KindTraits<K>::Ptr p) {
    Quiet().ref ? (void)Quiet().ref(p) : (void)KindTraits<K>::Ref(p);
    held.emplace_back(K, static_cast<void *>(p));
    return p;
  }
  virtual bool Run() = 0;
  virtual Napi::Value Done(Napi::Env env) = 0;
  // Frees C results when Done() was never reached (env gone, or Done threw).
  virtual void Discard() {}
  // JS thread, after Done or a failure: release JS references the call held.
  virtual void Finally(Napi::Env) {}
  void Execute() override;
  void Complete(void *env) override;
  void Abandon() override;
  ~Call() override;
  bool done_ = false;
};

// Queues the call and returns its promise.
Napi::Value Submit(Napi::Env env, Call *call);

// ---- JS listeners held by C callbacks (events, stream events, loop timers) --

// The listener behind `cb`, or null once it was released.
napi_value ListenerOf(napi_env env, napi_ref cb);
// Calls a listener; a throw is an uncaught exception, as with EventEmitter.
void CallListener(napi_env env, napi_value fn, size_t argc, const napi_value *argv);
// Drops a listener's reference and the keep-alive hold its subscription took.
void ReleaseListener(napi_env env, napi_ref &cb, EnvQueue &queue);

// ---- argument conversion (throw TypeError/RangeError before any C call) -----

std::string ArgName(size_t i, const char *name);
std::string GetString(const Napi::CallbackInfo &info, size_t i, const char *name);
// nullable: null/undefined -> isNull = true
std::string GetStringOrNull(const Napi::CallbackInfo &info, size_t i, const char *name,
                            bool &isNull);
int32_t GetInt(const Napi::CallbackInfo &info, size_t i, const char *name);
uint32_t GetUInt(const Napi::CallbackInfo &info, size_t i, const char *name);
// trailing flags: optional, default 0
uint32_t GetFlags(const Napi::CallbackInfo &info, size_t i, const char *name);
long GetLong(const Napi::CallbackInfo &info, size_t i, const char *name);
unsigned long GetULong(const Napi::CallbackInfo &info, size_t i, const char *name);
long long GetLLong(const Napi::CallbackInfo &info, size_t i, const char *name);
unsigned long long GetULLong(const Napi::CallbackInfo &info, size_t i, const char *name);
double GetDouble(const Napi::CallbackInfo &info, size_t i, const char *name);
bool GetBool(const Napi::CallbackInfo &info, size_t i, const char *name);
std::vector<std::string> GetStringArray(const Napi::CallbackInfo &info, size_t i, const char *name);
std::vector<unsigned char> GetBytes(const Napi::CallbackInfo &info, size_t i, const char *name);
void CheckArgCount(const Napi::CallbackInfo &info, size_t max, const char *fn);

// string vector -> const char* array view
std::vector<const char *> CStrs(const std::vector<std::string> &v);

// ---- results ---------------------------------------------------------------

Napi::Value Str(Napi::Env env, const char *s);  // null for NULL
Napi::Value BigU(Napi::Env env, unsigned long long v);
Napi::Value BigS(Napi::Env env, long long v);

// ---- typed parameters -------------------------------------------------------

Napi::Object TypedParamsToJS(Napi::Env env, virTypedParameterPtr params, int n);
napi_value TypedParamValue(napi_env env, const virTypedParameter &p);
// A bulk-stats record {domain, params}, property by property (typed_params.cc).
napi_value StatsRecordToJS(napi_env env, virTypedParameterPtr params, int n, napi_value domain);
// Params built by a maker compiled for their sequence of field names
// (shapes.cc); null when that sequence has none (repeated names, unusual
// characters, too many).
napi_value ParamsShaped(napi_env env, virTypedParameterPtr params, int n);
// The array of bulk-stats records, made in JS a few thousand values at a time
// (shapes.cc). Finish() throws if the JS call failed.
class RecordBatch {
 public:
  explicit RecordBatch(napi_env env);
  void Add(virTypedParameterPtr params, int n, napi_value domain);
  napi_value Finish();

 private:
  void Flush();
  napi_env env_;
  napi_value out_ = nullptr, null_ = nullptr, fn_ = nullptr;
  ParamShapes *shapes_ = nullptr;  // null: no scripts, records stored one by one
  std::vector<napi_value> args_;   // [0]: the array so far (undefined at first)
  uint32_t count_ = 0;
  bool direct_ = false, failed_ = false;
};
void DeleteParamShapes(napi_env env, ParamShapes *s);
// Plain object -> typed params. A field's type comes from an explicit
// {type, value}, else from the documented macros of `family` (a macro-name
// prefix such as "VIR_MIGRATE_PARAM_"), else from the JS value's type.
struct TypedParamsIn {
  virTypedParameterPtr params = nullptr;
  int n = 0;
  int max = 0;
  ~TypedParamsIn();
};
void TypedParamsFromJS(Napi::Env env, Napi::Value v, const char *name, const char *family,
                       TypedParamsIn &out);
int TypedParamHint(const char *family, const std::string &field);  // -1 if unknown

// ---- registration -------------------------------------------------------------

typedef Napi::Value (*Method)(const Napi::CallbackInfo &);
struct MethodDef {
  int kind;  // Kind, or -1 for module functions
  const char *jsName;
  const char *cName;
  Method fn;
  bool isStatic;
  bool sync;  // false: returns a promise, so a freed receiver rejects instead of throwing
  const char *since = nullptr;  // the libvirt version that added cName
  bool missing = false;         // compiled out: the installed libvirt is older than `since`
};

// One method table: a generated owner's (native/generated/<owner>.cc) or a
// hand-written file's (native/generated/manual/<area>.inc).
struct MethodTable {
  const MethodDef *defs;
  const size_t *count;
};

const char *KindName(int k);

}  // namespace vk

namespace vk {
// A JS array of integers -> std::vector<T>, each checked against T's range.
template <typename T>
std::vector<T> GetNumberArray(const Napi::CallbackInfo &info, size_t i, const char *name) {
  Napi::Env env = info.Env();
  Napi::Value v = i < info.Length() ? info[i] : env.Undefined();
  if (!v.IsArray())
    throw Napi::TypeError::New(env, ArgName(i, name) + " must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<T> out;
  out.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value e = a.Get(k);
    if (!e.IsNumber())
      throw Napi::TypeError::New(env, ArgName(i, name) + " must be an array of integers");
    double d = e.As<Napi::Number>().DoubleValue();
    if (d != (double)(long long)d || d < (double)std::numeric_limits<T>::min() ||
        d > (double)std::numeric_limits<T>::max())
      throw Napi::RangeError::New(env, ArgName(i, name) + " has an element out of range");
    out.push_back(static_cast<T>(d));
  }
  return out;
}
}  // namespace vk
