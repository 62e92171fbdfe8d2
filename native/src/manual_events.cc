// Event subscriptions: domain (all 27 IDs of libvirt 9.0), network, storage
// pool, node device, secret, QEMU monitor events, the legacy lifecycle API and
// the connection close callback.
//
// libvirt calls our C callbacks on its event thread (events_loop.cc). Each
// copies its arguments into plain C data and queues an EventJob on the
// subscribing environment's queue; the JS callback runs on that environment's
// thread. libvirt's free callback queues a ReleaseJob, which drops the JS
// callback and the keep-alive hold. A subscription keeps the process alive, as
// a listening socket does; with none, the event machinery never does.
#include <libvirt/libvirt-qemu.h>

#include <array>
#include <bitset>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>
#include <utility>

#include "results.h"
#include "runtime.h"

namespace vk {

namespace {

// Event ID counts of libvirt 9.0 (the *_LAST sentinels are not exported).
constexpr int kDomainEventIDs = 27, kNetworkEventIDs = 1, kPoolEventIDs = 2, kDeviceEventIDs = 2,
              kSecretEventIDs = 2;

enum class Src { Domain, Network, StoragePool, NodeDevice, Secret, Close, Qemu, Legacy };

// One subscription. Owned by the JS thread; deleted by its ReleaseJob.
struct Sub {
  std::shared_ptr<EnvQueue> queue;
  napi_ref cb = nullptr;
  Src src;
  int eventID = 0;
  void *conn = nullptr;
  int slot = -1;
  std::atomic<bool> released{false};
  ~Sub();
};

// Close callbacks by connection. Drivers without close-callback support (the
// test driver) accept the registration, keep nothing and never call the free
// callback; unregistering then releases the subscription here instead.
std::mutex g_closeMu;
std::map<void *, Sub *> g_closeSubs;

// libvirt refuses a second registration of the same C function for the same
// event on one connection ("event callback already tracked"), whatever the
// opaque. So each subscription gets its own C entry point: kSlots distinct
// trampolines per callback, allocated per (connection, kind, event ID).
constexpr int kSlots = 128;
std::mutex g_slotMu;
std::map<std::tuple<void *, int, int>, std::bitset<kSlots>> g_slots;

int AllocSlot(void *conn, Src src, int id) {
  std::lock_guard<std::mutex> lk(g_slotMu);
  auto &bits = g_slots[std::make_tuple(conn, (int)src, id)];
  for (int i = 0; i < kSlots; i++)
    if (!bits[i]) {
      bits[i] = true;
      return i;
    }
  return -1;
}

Sub::~Sub() {
  if (slot < 0) return;
  std::lock_guard<std::mutex> lk(g_slotMu);
  auto it = g_slots.find(std::make_tuple(conn, (int)src, eventID));
  if (it != g_slots.end()) {
    it->second[slot] = false;
    if (it->second.none()) g_slots.erase(it);
  }
}

// libvirt's remote driver decides whether a registration needs an RPC to the
// daemon by counting the callbacks that already have a daemon-side ID; it drops
// its lock during that RPC. Two registrations of one event on one connection
// made at once both see none, both ask the daemon, and the daemon (one
// callback per client, event and object) refuses the second: "event callback
// already tracked". A deregistration racing a registration does the same. So
// registrations and deregistrations on one connection run one at a time
// (striped by connection; a collision only serialises two connections).
constexpr size_t kRegStripes = 64;
std::mutex g_regMu[kRegStripes];
std::mutex &RegLock(void *conn) {
  return g_regMu[(reinterpret_cast<uintptr_t>(conn) >> 4) % kRegStripes];
}

template <auto F, int N>
struct Tramp;
template <typename R, typename... A, R (*F)(A...), int N>
struct Tramp<F, N> {
  static R fn(A... a) { return F(a...); }
};
template <auto F, size_t... I>
constexpr std::array<decltype(F), sizeof...(I)> MakeTable(std::index_sequence<I...>) {
  return {&Tramp<F, (int)I>::fn...};
}
template <auto F>
decltype(F) Slot(int i) {
  static const auto table = MakeTable<F>(std::make_index_sequence<kSlots>());
  return table[i];
}

// A copied callback argument.
struct Arg {
  enum T { Int, UInt, LLong, ULLong, Str, Params, GAddr, GSubject } t;
  long long i = 0;
  unsigned long long u = 0;
  bool null = false;
  std::string s;
  // GAddr: {family, node, service}; GSubject: list of {type, name}
  int family = 0;
  std::string node, service;
  std::vector<std::pair<std::string, std::string>> ids;
  virTypedParameterPtr params = nullptr;
  int nparams = 0;
};

// Monotonic time (uv_hrtime, the clock of process.hrtime) at which libvirt
// called us for the event being delivered now; for latency measurement.
uint64_t g_deliveringStamp = 0;

// The class of the object an event (or a registration) is about.
Kind KindOf(Src s) {
  switch (s) {
    case Src::Network:
      return Kind::Network;
    case Src::StoragePool:
      return Kind::StoragePool;
    case Src::NodeDevice:
      return Kind::NodeDevice;
    case Src::Secret:
      return Kind::Secret;
    case Src::Close:
      return Kind::Connect;
    default:
      return Kind::Domain;
  }
}

// A wrapper taking over one reference of `p`, of class `k`.
Napi::Value NewOwnedOf(Napi::Env env, Kind k, void *p) {
  switch (k) {
#define VK_CASE(N, T, R, F) \
  case Kind::N:             \
    return Wrap<Kind::N>::NewOwned(env, static_cast<T>(p));
    VK_KINDS(VK_CASE)
#undef VK_CASE
    default:
      return env.Undefined();
  }
}

struct EventJob : Job {
  Sub *sub;
  Src src;
  uint64_t stamp = uv_hrtime();
  void *obj = nullptr;  // referenced object the event is about
  std::vector<Arg> args;
  EventJob(Sub *s, Src k) : sub(s), src(k) {}
  void Execute() override {}
  ~EventJob() override {
    for (auto &a : args)
      if (a.params) virTypedParamsFree(a.params, a.nparams);
    if (obj) FreeLater(KindOf(src), obj);
  }
  void Complete(void *rawEnv) override {
    Napi::Env env(static_cast<napi_env>(rawEnv));
    napi_value fn = ListenerOf(env, sub->cb);
    if (!fn) return;
    std::vector<napi_value> argv;
    void *o = obj;
    obj = nullptr;
    argv.push_back(NewOwnedOf(env, KindOf(src), o));
    for (auto &a : args) {
      switch (a.t) {
        case Arg::Int:
          argv.push_back(Napi::Number::New(env, (double)a.i));
          break;
        case Arg::UInt:
          argv.push_back(Napi::Number::New(env, (double)a.u));
          break;
        case Arg::LLong:
          argv.push_back(BigS(env, a.i));
          break;
        case Arg::ULLong:
          argv.push_back(BigU(env, a.u));
          break;
        case Arg::Str:
          argv.push_back(a.null ? env.Null() : Napi::Value(Napi::String::New(env, a.s)));
          break;
        case Arg::Params:
          argv.push_back(TypedParamsToJS(env, a.params, a.nparams));
          break;
        case Arg::GAddr: {
          if (a.null) {
            argv.push_back(env.Null());
            break;
          }
          Napi::Object x = Napi::Object::New(env);
          x.Set("family", a.family);
          x.Set("node", a.node);
          x.Set("service", a.service);
          argv.push_back(x);
          break;
        }
        case Arg::GSubject: {
          Napi::Array arr = Napi::Array::New(env, a.ids.size());
          for (size_t k = 0; k < a.ids.size(); k++) {
            Napi::Object x = Napi::Object::New(env);
            x.Set("type", a.ids[k].first);
            x.Set("name", a.ids[k].second);
            arr.Set(k, x);
          }
          argv.push_back(arr);
          break;
        }
      }
    }
    g_deliveringStamp = stamp;
    CallListener(env, fn, argv.size(), argv.data());
  }
};

struct ReleaseJob : Job {
  Sub *sub;
  explicit ReleaseJob(Sub *s) : sub(s) {}
  void Execute() override {}
  ~ReleaseJob() override { delete sub; }
  void Complete(void *rawEnv) override {
    ReleaseListener(static_cast<napi_env>(rawEnv), sub->cb, *sub->queue);
  }
};

void FreeSub(void *opaque) {
  Sub *s = static_cast<Sub *>(opaque);
  if (s->released.exchange(true)) return;  // libvirt and we may both release a close callback
  if (s->src == Src::Close) {
    std::lock_guard<std::mutex> lk(g_closeMu);
    auto it = g_closeSubs.find(s->conn);
    if (it != g_closeSubs.end() && it->second == s) g_closeSubs.erase(it);
  }
  auto q = s->queue;
  auto *j = new ReleaseJob(s);
  j->queue = q;
  q->Push(j);
}

EventJob *NewJob(void *opaque, Src src) {
  Sub *s = static_cast<Sub *>(opaque);
  auto *j = new EventJob(s, src);
  j->queue = s->queue;
  return j;
}

void Post(EventJob *j) { j->queue->Push(j); }

Arg I(long long v) {
  Arg a;
  a.t = Arg::Int;
  a.i = v;
  return a;
}
Arg U(unsigned long long v) {
  Arg a;
  a.t = Arg::UInt;
  a.u = v;
  return a;
}
Arg LL(long long v) {
  Arg a;
  a.t = Arg::LLong;
  a.i = v;
  return a;
}
Arg ULL(unsigned long long v) {
  Arg a;
  a.t = Arg::ULLong;
  a.u = v;
  return a;
}
Arg S(const char *v) {
  Arg a;
  a.t = Arg::Str;
  a.null = v == nullptr;
  if (v) a.s = v;
  return a;
}
Arg P(virTypedParameterPtr params, int n) {
  Arg a;
  a.t = Arg::Params;
  // libvirt frees its copy after the callback returns.
  int max = 0;
  for (int k = 0; k < n; k++) {
    const virTypedParameter &p = params[k];
    switch (p.type) {
      case VIR_TYPED_PARAM_INT:
        virTypedParamsAddInt(&a.params, &a.nparams, &max, p.field, p.value.i);
        break;
      case VIR_TYPED_PARAM_UINT:
        virTypedParamsAddUInt(&a.params, &a.nparams, &max, p.field, p.value.ui);
        break;
      case VIR_TYPED_PARAM_LLONG:
        virTypedParamsAddLLong(&a.params, &a.nparams, &max, p.field, p.value.l);
        break;
      case VIR_TYPED_PARAM_ULLONG:
        virTypedParamsAddULLong(&a.params, &a.nparams, &max, p.field, p.value.ul);
        break;
      case VIR_TYPED_PARAM_DOUBLE:
        virTypedParamsAddDouble(&a.params, &a.nparams, &max, p.field, p.value.d);
        break;
      case VIR_TYPED_PARAM_BOOLEAN:
        virTypedParamsAddBoolean(&a.params, &a.nparams, &max, p.field, p.value.b);
        break;
      case VIR_TYPED_PARAM_STRING:
        virTypedParamsAddString(&a.params, &a.nparams, &max, p.field, p.value.s ? p.value.s : "");
        break;
      default:
        break;
    }
  }
  return a;
}
Arg GA(virDomainEventGraphicsAddressPtr p) {
  Arg a;
  a.t = Arg::GAddr;
  a.null = p == nullptr;
  if (p) {
    a.family = p->family;
    a.node = p->node ? p->node : "";
    a.service = p->service ? p->service : "";
  }
  return a;
}
Arg GS(virDomainEventGraphicsSubjectPtr p) {
  Arg a;
  a.t = Arg::GSubject;
  if (p)
    for (int k = 0; k < p->nidentity; k++)
      a.ids.emplace_back(p->identities[k].type ? p->identities[k].type : "",
                         p->identities[k].name ? p->identities[k].name : "");
  return a;
}

EventJob *DomJob(void *opaque, virDomainPtr dom, Src src = Src::Domain) {
  EventJob *j = NewJob(opaque, src);
  virDomainRef(dom);  // libvirt's reference ends with the callback
  j->obj = dom;
  return j;
}

template <typename... A>
void DomPost(void *opaque, virDomainPtr dom, A... a) {
  EventJob *j = DomJob(opaque, dom);
  j->args = {a...};
  Post(j);
}

// One C callback per domain event ID (their signatures differ).
int cbLifecycle(virConnectPtr, virDomainPtr d, int ev, int det, void *o) {
  DomPost(o, d, I(ev), I(det));
  return 0;
}
void cbGeneric(virConnectPtr, virDomainPtr d, void *o) { DomPost(o, d); }
void cbRtc(virConnectPtr, virDomainPtr d, long long off, void *o) { DomPost(o, d, LL(off)); }
void cbWatchdog(virConnectPtr, virDomainPtr d, int action, void *o) { DomPost(o, d, I(action)); }
void cbIOError(virConnectPtr, virDomainPtr d, const char *src, const char *alias, int action,
               void *o) {
  DomPost(o, d, S(src), S(alias), I(action));
}
void cbGraphics(virConnectPtr, virDomainPtr d, int phase, virDomainEventGraphicsAddressPtr l,
                virDomainEventGraphicsAddressPtr r, const char *scheme,
                virDomainEventGraphicsSubjectPtr subj, void *o) {
  DomPost(o, d, I(phase), GA(l), GA(r), S(scheme), GS(subj));
}
void cbIOErrorReason(virConnectPtr, virDomainPtr d, const char *src, const char *alias, int action,
                     const char *reason, void *o) {
  DomPost(o, d, S(src), S(alias), I(action), S(reason));
}
void cbBlockJob(virConnectPtr, virDomainPtr d, const char *disk, int type, int status, void *o) {
  DomPost(o, d, S(disk), I(type), I(status));
}
void cbDiskChange(virConnectPtr, virDomainPtr d, const char *oldp, const char *newp,
                  const char *alias, int reason, void *o) {
  DomPost(o, d, S(oldp), S(newp), S(alias), I(reason));
}
void cbTray(virConnectPtr, virDomainPtr d, const char *alias, int reason, void *o) {
  DomPost(o, d, S(alias), I(reason));
}
void cbReason(virConnectPtr, virDomainPtr d, int reason, void *o) { DomPost(o, d, I(reason)); }
void cbBalloon(virConnectPtr, virDomainPtr d, unsigned long long actual, void *o) {
  DomPost(o, d, ULL(actual));
}
void cbAlias(virConnectPtr, virDomainPtr d, const char *alias, void *o) { DomPost(o, d, S(alias)); }
void cbParams(virConnectPtr, virDomainPtr d, virTypedParameterPtr p, int n, void *o) {
  DomPost(o, d, P(p, n));
}
void cbAgent(virConnectPtr, virDomainPtr d, int state, int reason, void *o) {
  DomPost(o, d, I(state), I(reason));
}
void cbMigrationIter(virConnectPtr, virDomainPtr d, int it, void *o) { DomPost(o, d, I(it)); }
void cbMetadata(virConnectPtr, virDomainPtr d, int type, const char *nsuri, void *o) {
  DomPost(o, d, I(type), S(nsuri));
}
void cbThreshold(virConnectPtr, virDomainPtr d, const char *dev, const char *path,
                 unsigned long long threshold, unsigned long long excess, void *o) {
  DomPost(o, d, S(dev), S(path), ULL(threshold), ULL(excess));
}
void cbMemFailure(virConnectPtr, virDomainPtr d, int recipient, int action, unsigned int flags,
                  void *o) {
  DomPost(o, d, I(recipient), I(action), U(flags));
}
void cbMemSize(virConnectPtr, virDomainPtr d, const char *alias, unsigned long long size, void *o) {
  DomPost(o, d, S(alias), ULL(size));
}

virConnectDomainEventGenericCallback DomainCallback(int id, int slot) {
  switch (id) {
    case VIR_DOMAIN_EVENT_ID_LIFECYCLE:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbLifecycle>(slot));
    case VIR_DOMAIN_EVENT_ID_REBOOT:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbGeneric>(slot));
    case VIR_DOMAIN_EVENT_ID_RTC_CHANGE:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbRtc>(slot));
    case VIR_DOMAIN_EVENT_ID_WATCHDOG:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbWatchdog>(slot));
    case VIR_DOMAIN_EVENT_ID_IO_ERROR:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbIOError>(slot));
    case VIR_DOMAIN_EVENT_ID_GRAPHICS:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbGraphics>(slot));
    case VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbIOErrorReason>(slot));
    case VIR_DOMAIN_EVENT_ID_CONTROL_ERROR:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbGeneric>(slot));
    case VIR_DOMAIN_EVENT_ID_BLOCK_JOB:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbBlockJob>(slot));
    case VIR_DOMAIN_EVENT_ID_DISK_CHANGE:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbDiskChange>(slot));
    case VIR_DOMAIN_EVENT_ID_TRAY_CHANGE:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbTray>(slot));
    case VIR_DOMAIN_EVENT_ID_PMWAKEUP:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbReason>(slot));
    case VIR_DOMAIN_EVENT_ID_PMSUSPEND:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbReason>(slot));
    case VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbBalloon>(slot));
    case VIR_DOMAIN_EVENT_ID_PMSUSPEND_DISK:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbReason>(slot));
    case VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbAlias>(slot));
    case VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbBlockJob>(slot));
    case VIR_DOMAIN_EVENT_ID_TUNABLE:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbParams>(slot));
    case VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbAgent>(slot));
    case VIR_DOMAIN_EVENT_ID_DEVICE_ADDED:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbAlias>(slot));
    case VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbMigrationIter>(slot));
    case VIR_DOMAIN_EVENT_ID_JOB_COMPLETED:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbParams>(slot));
    case VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbAlias>(slot));
    case VIR_DOMAIN_EVENT_ID_METADATA_CHANGE:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbMetadata>(slot));
    case VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbThreshold>(slot));
#if LIBVIR_CHECK_VERSION(7, 9, 0)
    case VIR_DOMAIN_EVENT_ID_MEMORY_FAILURE:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbMemFailure>(slot));
#endif
#if LIBVIR_CHECK_VERSION(7, 9, 0)
    case VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE:
      return VIR_DOMAIN_EVENT_CALLBACK(Slot<cbMemSize>(slot));
#endif
    default:
      return nullptr;
  }
}

// Object events of the other kinds.
template <typename P>
void ObjPost(void *opaque, P obj, Src src, std::vector<Arg> args, int (*ref)(P)) {
  EventJob *j = NewJob(opaque, src);
  ref(obj);
  j->obj = obj;
  j->args = std::move(args);
  Post(j);
}
void cbNetLifecycle(virConnectPtr, virNetworkPtr n, int ev, int det, void *o) {
  ObjPost(o, n, Src::Network, {I(ev), I(det)}, virNetworkRef);
}
void cbPoolLifecycle(virConnectPtr, virStoragePoolPtr p, int ev, int det, void *o) {
  ObjPost(o, p, Src::StoragePool, {I(ev), I(det)}, virStoragePoolRef);
}
void cbPoolGeneric(virConnectPtr, virStoragePoolPtr p, void *o) {
  ObjPost(o, p, Src::StoragePool, {}, virStoragePoolRef);
}
void cbDevLifecycle(virConnectPtr, virNodeDevicePtr d, int ev, int det, void *o) {
  ObjPost(o, d, Src::NodeDevice, {I(ev), I(det)}, virNodeDeviceRef);
}
void cbDevGeneric(virConnectPtr, virNodeDevicePtr d, void *o) {
  ObjPost(o, d, Src::NodeDevice, {}, virNodeDeviceRef);
}
void cbSecretLifecycle(virConnectPtr, virSecretPtr s, int ev, int det, void *o) {
  ObjPost(o, s, Src::Secret, {I(ev), I(det)}, virSecretRef);
}
void cbSecretGeneric(virConnectPtr, virSecretPtr s, void *o) {
  ObjPost(o, s, Src::Secret, {}, virSecretRef);
}
void cbClose(virConnectPtr c, int reason, void *o) {
  ObjPost(o, c, Src::Close, {I(reason)}, virConnectRef);
}
void cbCloseProbe(virConnectPtr, int, void *) {}
void cbQemu(virConnectPtr, virDomainPtr d, const char *event, long long secs, unsigned int micros,
            const char *details, void *o) {
  EventJob *j = DomJob(o, d, Src::Qemu);
  j->args = {S(event), LL(secs), U(micros), S(details)};
  Post(j);
}
// The legacy API identifies a registration by its C callback, so there is one
// per connection; its opaque is the Sub.
int cbLegacy(virConnectPtr, virDomainPtr d, int ev, int det, void *o) {
  EventJob *j = DomJob(o, d, Src::Legacy);
  j->args = {I(ev), I(det)};
  Post(j);
  return 0;
}

// Creates the subscription on the JS thread, with its callback referenced.
Sub *NewSub(Napi::Env env, Napi::Value cb, size_t argIndex, Src src, int id) {
  if (!cb.IsFunction())
    throw Napi::TypeError::New(env, ArgName(argIndex, "cb") + " must be a function");
  Sub *s = new Sub();
  s->queue = Data(env)->queue;
  s->src = src;
  s->eventID = id;
  napi_create_reference(env, cb, 1, &s->cb);
  return s;
}

// The registration call: Run() registers on a pool thread (it may be an RPC).
struct RegCall : Call {
  virConnectPtr conn = nullptr;
  void *target = nullptr;  // dom/net/pool/dev/secret or null for all
  Sub *sub = nullptr;
  int id = -1;
  int ret = -1;
  bool Run() override {
    std::lock_guard<std::mutex> serial(RegLock(conn));
    switch (sub->src) {
      case Src::Domain:
        ret = virConnectDomainEventRegisterAny(conn, (virDomainPtr)target, id,
                                               DomainCallback(id, sub->slot), sub, FreeSub);
        break;
      case Src::Network:
        ret = virConnectNetworkEventRegisterAny(
            conn, (virNetworkPtr)target, id,
            id == VIR_NETWORK_EVENT_ID_LIFECYCLE
                ? VIR_NETWORK_EVENT_CALLBACK(Slot<cbNetLifecycle>(sub->slot))
                : nullptr,
            sub, FreeSub);
        break;
      case Src::StoragePool:
        ret = virConnectStoragePoolEventRegisterAny(
            conn, (virStoragePoolPtr)target, id,
            id == VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE
                ? VIR_STORAGE_POOL_EVENT_CALLBACK(Slot<cbPoolLifecycle>(sub->slot))
                : VIR_STORAGE_POOL_EVENT_CALLBACK(Slot<cbPoolGeneric>(sub->slot)),
            sub, FreeSub);
        break;
      case Src::NodeDevice:
        ret = virConnectNodeDeviceEventRegisterAny(
            conn, (virNodeDevicePtr)target, id,
            id == VIR_NODE_DEVICE_EVENT_ID_LIFECYCLE
                ? VIR_NODE_DEVICE_EVENT_CALLBACK(Slot<cbDevLifecycle>(sub->slot))
                : VIR_NODE_DEVICE_EVENT_CALLBACK(Slot<cbDevGeneric>(sub->slot)),
            sub, FreeSub);
        break;
      case Src::Secret:
        ret = virConnectSecretEventRegisterAny(
            conn, (virSecretPtr)target, id,
            id == VIR_SECRET_EVENT_ID_LIFECYCLE
                ? VIR_SECRET_EVENT_CALLBACK(Slot<cbSecretLifecycle>(sub->slot))
                : VIR_SECRET_EVENT_CALLBACK(Slot<cbSecretGeneric>(sub->slot)),
            sub, FreeSub);
        break;
      case Src::Close:
        ret = virConnectRegisterCloseCallback(conn, cbClose, sub, FreeSub);
        if (ret >= 0) {
          // Some drivers (test://) accept a close callback and keep nothing:
          // it never fires and its free callback never runs. A second
          // registration tells: a driver that keeps one refuses another.
          if (virConnectRegisterCloseCallback(conn, cbCloseProbe, nullptr, nullptr) == 0) {
            virConnectUnregisterCloseCallback(conn, cbCloseProbe);
            notKept = true;
          }
          virResetLastError();
        }
        break;
      case Src::Qemu:
        ret = virConnectDomainQemuMonitorEventRegister(
            conn, (virDomainPtr)target, qemuEvent.empty() ? nullptr : qemuEvent.c_str(),
            Slot<cbQemu>(sub->slot), sub, FreeSub, qemuFlags);
        break;
      case Src::Legacy:
        ret = virConnectDomainEventRegister(conn, cbLegacy, sub, FreeSub);
        break;
    }
    if (target) {
      switch (sub->src) {
        case Src::Domain:
        case Src::Qemu:
          virDomainFree((virDomainPtr)target);
          break;
        case Src::Network:
          virNetworkFree((virNetworkPtr)target);
          break;
        case Src::StoragePool:
          virStoragePoolFree((virStoragePoolPtr)target);
          break;
        case Src::NodeDevice:
          virNodeDeviceFree((virNodeDevicePtr)target);
          break;
        case Src::Secret:
          virSecretFree((virSecretPtr)target);
          break;
        default:
          break;
      }
      target = nullptr;
    }
    return ret >= 0;
  }
  Napi::Value Done(Napi::Env env) override {
    registered = true;
    if (notKept) {
      FreeSub(sub);  // nothing will ever call or free it: release it now
      return env.Undefined();
    }
    if (sub->src == Src::Close && !sub->released) {
      std::lock_guard<std::mutex> lk(g_closeMu);
      g_closeSubs[sub->conn] = sub;
    }
    // Close and legacy registrations have no id; they resolve to undefined.
    if (sub->src == Src::Close || sub->src == Src::Legacy) return env.Undefined();
    return Napi::Number::New(env, ret);
  }
  void Discard() override {}
  ~RegCall() override {
    // Not registered: libvirt never took the Sub, so release it here (the
    // keep-alive hold taken at subscription goes with it).
    if (!registered && sub) {
      if (ok) return;  // registered but never completed (env gone): libvirt owns it
      FreeSub(sub);
    }
  }
  std::string qemuEvent;
  unsigned int qemuFlags = 0;
  bool registered = false;
  bool notKept = false;
};

template <Kind K>
void *OptionalTarget(const Napi::CallbackInfo &info, size_t i, const char *name) {
  if (i >= info.Length() || info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  auto p = Wrap<K>::Get(info[i], name);
  KindTraits<K>::Ref(p);
  return p;
}

Napi::Value Register(const Napi::CallbackInfo &info, Src src, int maxId) {
  Napi::Env env = info.Env();
  virConnectPtr conn = Self<Kind::Connect>(info);
  int id = GetInt(info, 1, "eventID");
  if (id < 0 || id >= maxId)
    throw Napi::RangeError::New(env, ArgName(1, "eventID") + " is not a known event ID");
  if (src == Src::Domain && !DomainCallback(id, 0))
    throw Napi::RangeError::New(env, "event ID not supported by this libvirt build");
  CheckArgCount(info, 3, "eventRegisterAny");
  if (!info[2].IsFunction())
    throw Napi::TypeError::New(env, ArgName(2, "cb") + " must be a function");
  void *target = nullptr;
  switch (src) {
    case Src::Domain:
      target = OptionalTarget<Kind::Domain>(info, 0, "dom");
      break;
    case Src::Network:
      target = OptionalTarget<Kind::Network>(info, 0, "net");
      break;
    case Src::StoragePool:
      target = OptionalTarget<Kind::StoragePool>(info, 0, "pool");
      break;
    case Src::NodeDevice:
      target = OptionalTarget<Kind::NodeDevice>(info, 0, "dev");
      break;
    case Src::Secret:
      target = OptionalTarget<Kind::Secret>(info, 0, "secret");
      break;
    default:
      break;
  }
  auto c = std::make_unique<RegCall>();
  c->conn = c->Hold<Kind::Connect>(conn);
  c->target = target;
  c->id = id;
  c->sub = NewSub(env, info[2], 2, src, id);
  c->sub->conn = conn;
  c->sub->slot = AllocSlot(conn, src, id);
  if (c->sub->slot < 0) {
    if (target) FreeLater(KindOf(src), target);
    c->target = nullptr;
    delete c->sub;
    c->sub = nullptr;
    throw Napi::RangeError::New(env,
                                "too many subscriptions to this event on one connection (128)");
  }
  c->sub->queue->keepAlive++;
  c->sub->queue->UpdateRef();
  return Submit(env, c.release());
}

Napi::Value DomainRegister(const Napi::CallbackInfo &i) {
  return Register(i, Src::Domain, kDomainEventIDs);
}
Napi::Value NetworkRegister(const Napi::CallbackInfo &i) {
  return Register(i, Src::Network, kNetworkEventIDs);
}
Napi::Value PoolRegister(const Napi::CallbackInfo &i) {
  return Register(i, Src::StoragePool, kPoolEventIDs);
}
Napi::Value DeviceRegister(const Napi::CallbackInfo &i) {
  return Register(i, Src::NodeDevice, kDeviceEventIDs);
}
Napi::Value SecretRegister(const Napi::CallbackInfo &i) {
  return Register(i, Src::Secret, kSecretEventIDs);
}

Napi::Value CloseRegister(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  virConnectPtr conn = Self<Kind::Connect>(info);
  CheckArgCount(info, 1, "Connect#registerCloseCallback");
  auto c = std::make_unique<RegCall>();
  c->sub = NewSub(env, info.Length() > 0 ? info[0] : env.Undefined(), 0, Src::Close, 0);
  c->sub->conn = conn;
  c->conn = c->Hold<Kind::Connect>(conn);
  c->sub->queue->keepAlive++;
  c->sub->queue->UpdateRef();
  return Submit(env, c.release());
}

Napi::Value LegacyRegister(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  virConnectPtr conn = Self<Kind::Connect>(info);
  CheckArgCount(info, 1, "Connect#domainEventRegister");
  auto c = std::make_unique<RegCall>();
  c->sub = NewSub(env, info.Length() > 0 ? info[0] : env.Undefined(), 0, Src::Legacy, 0);
  c->conn = c->Hold<Kind::Connect>(conn);
  c->sub->queue->keepAlive++;
  c->sub->queue->UpdateRef();
  return Submit(env, c.release());
}

Napi::Value QemuRegister(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  virConnectPtr conn = Self<Kind::Connect>(info);
  CheckArgCount(info, 4, "Connect#domainQemuMonitorEventRegister");
  void *target = OptionalTarget<Kind::Domain>(info, 0, "dom");
  auto c = std::make_unique<RegCall>();
  c->target = target;
  bool isNull = false;
  try {
    c->qemuEvent = GetStringOrNull(info, 1, "event", isNull);
    c->qemuFlags = GetFlags(info, 3, "flags");
    c->sub = NewSub(env, info.Length() > 2 ? info[2] : env.Undefined(), 2, Src::Qemu, 0);
    c->sub->conn = conn;
    c->sub->slot = AllocSlot(conn, Src::Qemu, 0);
    if (c->sub->slot < 0) {
      delete c->sub;
      c->sub = nullptr;
      throw Napi::RangeError::New(env,
                                  "too many QEMU monitor subscriptions on one connection (128)");
    }
  } catch (...) {
    if (target) FreeLater(Kind::Domain, target);
    c->target = nullptr;
    throw;
  }
  c->conn = c->Hold<Kind::Connect>(conn);
  c->sub->queue->keepAlive++;
  c->sub->queue->UpdateRef();
  return Submit(env, c.release());
}

// Deregistration: libvirt then calls FreeSub, which releases the JS side.
struct DeregCall : Call {
  virConnectPtr conn = nullptr;
  int id = 0;
  int (*fn)(virConnectPtr, int) = nullptr;
  bool Run() override {
    std::lock_guard<std::mutex> serial(RegLock(conn));
    return fn(conn, id) >= 0;
  }
  Napi::Value Done(Napi::Env env) override { return env.Undefined(); }
};

Napi::Value Deregister(const Napi::CallbackInfo &info, int (*fn)(virConnectPtr, int)) {
  Napi::Env env = info.Env();
  virConnectPtr conn = Self<Kind::Connect>(info);
  CheckArgCount(info, 1, "eventDeregisterAny");
  auto c = std::make_unique<DeregCall>();
  c->id = GetInt(info, 0, "callbackID");
  c->fn = fn;
  c->conn = c->Hold<Kind::Connect>(conn);
  return Submit(env, c.release());
}

Napi::Value DomainDeregister(const Napi::CallbackInfo &i) {
  return Deregister(i, virConnectDomainEventDeregisterAny);
}
Napi::Value NetworkDeregister(const Napi::CallbackInfo &i) {
  return Deregister(i, virConnectNetworkEventDeregisterAny);
}
Napi::Value PoolDeregister(const Napi::CallbackInfo &i) {
  return Deregister(i, virConnectStoragePoolEventDeregisterAny);
}
Napi::Value DeviceDeregister(const Napi::CallbackInfo &i) {
  return Deregister(i, virConnectNodeDeviceEventDeregisterAny);
}
Napi::Value SecretDeregister(const Napi::CallbackInfo &i) {
  return Deregister(i, virConnectSecretEventDeregisterAny);
}
Napi::Value QemuDeregister(const Napi::CallbackInfo &i) {
  return Deregister(i, virConnectDomainQemuMonitorEventDeregister);
}

int UnregisterClose(virConnectPtr c, int) {
  int r = virConnectUnregisterCloseCallback(c, cbClose);
  if (r < 0) return r;
  // Released by libvirt already where the driver kept it; otherwise now.
  Sub *s = nullptr;
  {
    std::lock_guard<std::mutex> lk(g_closeMu);
    auto it = g_closeSubs.find(c);
    if (it != g_closeSubs.end()) s = it->second;
  }
  if (s) FreeSub(s);
  return r;
}
int DeregisterLegacy(virConnectPtr c, int) { return virConnectDomainEventDeregister(c, cbLegacy); }

Napi::Value CloseUnregister(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  virConnectPtr conn = Self<Kind::Connect>(info);
  auto c = std::make_unique<DeregCall>();
  c->fn = UnregisterClose;
  c->conn = c->Hold<Kind::Connect>(conn);
  return Submit(env, c.release());
}

Napi::Value LegacyDeregister(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  virConnectPtr conn = Self<Kind::Connect>(info);
  auto c = std::make_unique<DeregCall>();
  c->fn = DeregisterLegacy;
  c->conn = c->Hold<Kind::Connect>(conn);
  return Submit(env, c.release());
}

// ---- libvirt's event loop for JS: timers and fd watches ---------------------
// They run on the addon's event thread; each firing is delivered to JS (merged
// while one is still queued). A live timer or watch keeps the process alive.

struct LoopSub {
  std::shared_ptr<EnvQueue> queue;
  napi_ref cb = nullptr;
  std::atomic<bool> queued{false};
  std::atomic<int> events{0};
  int id = -1, fd = -1;
  bool isHandle = false;
};

struct LoopFire : Job {
  LoopSub *sub;
  explicit LoopFire(LoopSub *s) : sub(s) {}
  void Execute() override {}
  void Complete(void *rawEnv) override {
    Napi::Env env(static_cast<napi_env>(rawEnv));
    sub->queued = false;
    int ev = sub->events.exchange(0);
    napi_value fn = ListenerOf(env, sub->cb);
    if (!fn) return;
    std::vector<napi_value> argv{Napi::Number::New(env, sub->id)};
    if (sub->isHandle) {
      argv.push_back(Napi::Number::New(env, sub->fd));
      argv.push_back(Napi::Number::New(env, ev));
    }
    CallListener(env, fn, argv.size(), argv.data());
  }
};

struct LoopRelease : Job {
  LoopSub *sub;
  explicit LoopRelease(LoopSub *s) : sub(s) {}
  ~LoopRelease() override { delete sub; }
  void Execute() override {}
  void Complete(void *rawEnv) override {
    ReleaseListener(static_cast<napi_env>(rawEnv), sub->cb, *sub->queue);
  }
};

void LoopPost(LoopSub *s, int events) {
  s->events |= events;
  if (s->queued.exchange(true)) return;
  auto *j = new LoopFire(s);
  j->queue = s->queue;
  s->queue->Push(j);
}
void OnTimer(int, void *opaque) { LoopPost(static_cast<LoopSub *>(opaque), 0); }
void OnHandle(int, int, int events, void *opaque) {
  LoopPost(static_cast<LoopSub *>(opaque), events);
}
void FreeLoopSub(void *opaque) {
  auto *s = static_cast<LoopSub *>(opaque);
  auto q = s->queue;
  auto *j = new LoopRelease(s);
  j->queue = q;
  q->Push(j);
}

LoopSub *NewLoopSub(const Napi::CallbackInfo &info, size_t cbIndex) {
  if (cbIndex >= info.Length() || !info[cbIndex].IsFunction())
    throw Napi::TypeError::New(info.Env(), ArgName(cbIndex, "cb") + " must be a function");
  auto *s = new LoopSub();
  s->queue = Data(info.Env())->queue;
  napi_create_reference(info.Env(), info[cbIndex], 1, &s->cb);
  return s;
}

// eventAddTimeout(timeoutMs, cb): -1 disabled, 0 every loop iteration, else a period.
Napi::Value AddTimeout(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 2, "eventAddTimeout");
  int ms = GetInt(info, 0, "timeout");
  if (ms < -1) throw Napi::RangeError::New(env, ArgName(0, "timeout") + " must be >= -1");
  LoopSub *s = NewLoopSub(info, 1);
  s->queue->keepAlive++;
  s->queue->UpdateRef();
  int id = virEventAddTimeout(ms, OnTimer, s, FreeLoopSub);
  if (id < 0) {
    FreeLoopSub(s);
    ThrowLibvirt(env);
  }
  s->id = id;
  return Napi::Number::New(env, id);
}

Napi::Value UpdateTimeout(const Napi::CallbackInfo &info) {
  CheckArgCount(info, 2, "eventUpdateTimeout");
  int id = GetInt(info, 0, "timer");
  int ms = GetInt(info, 1, "timeout");
  virEventUpdateTimeout(id, ms);
  return info.Env().Undefined();
}

Napi::Value RemoveTimeout(const Napi::CallbackInfo &info) {
  CheckArgCount(info, 1, "eventRemoveTimeout");
  if (virEventRemoveTimeout(GetInt(info, 0, "timer")) < 0) ThrowLibvirt(info.Env());
  return info.Env().Undefined();
}

// eventAddHandle(fd, events, cb(watch, fd, events)) with VIR_EVENT_HANDLE_* bits.
Napi::Value AddHandle(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 3, "eventAddHandle");
  int fd = GetInt(info, 0, "fd");
  int events = GetInt(info, 1, "events");
  if (fd < 0) throw Napi::RangeError::New(env, ArgName(0, "fd") + " must be >= 0");
  LoopSub *s = NewLoopSub(info, 2);
  s->isHandle = true;
  s->fd = fd;
  s->queue->keepAlive++;
  s->queue->UpdateRef();
  int id = virEventAddHandle(fd, events, OnHandle, s, FreeLoopSub);
  if (id < 0) {
    FreeLoopSub(s);
    ThrowLibvirt(env);
  }
  s->id = id;
  return Napi::Number::New(env, id);
}

Napi::Value UpdateHandle(const Napi::CallbackInfo &info) {
  CheckArgCount(info, 2, "eventUpdateHandle");
  virEventUpdateHandle(GetInt(info, 0, "watch"), GetInt(info, 1, "events"));
  return info.Env().Undefined();
}

Napi::Value RemoveHandle(const Napi::CallbackInfo &info) {
  CheckArgCount(info, 1, "eventRemoveHandle");
  if (virEventRemoveHandle(GetInt(info, 0, "watch")) < 0) ThrowLibvirt(info.Env());
  return info.Env().Undefined();
}

// _eventStamp(): when libvirt handed the event now being delivered to the addon.
Napi::Value EventStamp(const Napi::CallbackInfo &info) {
  return Napi::BigInt::New(info.Env(), (uint64_t)g_deliveringStamp);
}

}  // namespace

#include "../generated/manual/events.inc"

}  // namespace vk
