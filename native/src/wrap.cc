// JS classes wrapping libvirt objects: construction only from C++, type-tagged
// receivers, idempotent free(), and frees off the JS thread.
#include <dlfcn.h>

#include <cstring>
#include <mutex>
#include <unordered_map>

#include "runtime.h"

namespace vk {

// A monitoring agent polls the same hundreds of domains every second: making a
// new wrapper per domain per call (and collecting it later) cost more than the
// call itself. So a connection has one live Domain wrapper per UUID; every
// pointer libvirt hands over for it (lookup, list, bulk stats, event, create)
// replaces the wrapper's, which keeps what libvirt caches in it (ID, name)
// current. Keyed by the connection pointer: a registered wrapper holds a
// domain, which holds its connection, so the address cannot be reused while
// the entry exists.
struct DomainRegistry {
  struct Key {
    void *conn;
    unsigned char uuid[VIR_UUID_BUFLEN];
    bool operator==(const Key &o) const {
      return conn == o.conn && std::memcmp(uuid, o.uuid, VIR_UUID_BUFLEN) == 0;
    }
  };
  struct Hash {
    size_t operator()(const Key &k) const {
      uint64_t a, b;
      std::memcpy(&a, k.uuid, 8);
      std::memcpy(&b, k.uuid + 8, 8);
      return static_cast<size_t>((a * 0x9E3779B97F4A7C15ULL) ^ b ^
                                 reinterpret_cast<uintptr_t>(k.conn));
    }
  };
  std::unordered_map<Key, Wrap<Kind::Domain> *, Hash> map;
};

namespace {
// A domain's connection and UUID without libvirt's getters: each of those
// formats the UUID for its debug log (~1 us, which made the registry cost more
// per record than the stats themselves). The fields' offsets in libvirt's
// private struct are learnt from the getters, and used only once three
// different domains agreed on one unambiguous pair of offsets; until then (or
// if they never agree) the getters answer. The scan stays inside the object:
// its size comes from GLib's type system (libvirt's objects are GObjects).
class DomainFields {
 public:
  bool Read(virDomainPtr p, void **conn, unsigned char *uuid) {
    if (state_.load(std::memory_order_acquire) == kOn) {
      std::memcpy(conn, reinterpret_cast<char *>(p) + connOff_, sizeof(void *));
      std::memcpy(uuid, reinterpret_cast<char *>(p) + uuidOff_, VIR_UUID_BUFLEN);
      return *conn != nullptr;
    }
    *conn = virDomainGetConnect(p);
    if (!*conn || virDomainGetUUID(p, uuid) < 0) return false;
    if (state_.load(std::memory_order_relaxed) == kLearning) Learn(p, *conn, uuid);
    return true;
  }

 private:
  enum { kLearning, kOn, kOff };
  struct GTypeQueryC {
    size_t type;
    const char *name;
    unsigned classSize, instanceSize;
  };
  static size_t InstanceSize(void *obj) {
#if LIBVIR_VERSION_NUMBER >= 7000000
    using QueryFn = void (*)(size_t, GTypeQueryC *);
    static QueryFn query = reinterpret_cast<QueryFn>(dlsym(RTLD_DEFAULT, "g_type_query"));
    if (!query) return 0;
    void *klass = *static_cast<void **>(obj);  // GTypeInstance: class first, GType first in it
    if (!klass) return 0;
    GTypeQueryC q{};
    size_t type = *static_cast<size_t *>(klass);
    query(type, &q);
    return q.type == type ? q.instanceSize : 0;
#else
    (void)obj;
    return 0;
#endif
  }
  void Learn(virDomainPtr p, void *conn, const unsigned char *uuid) {
    std::lock_guard<std::mutex> lk(mu_);
    if (state_.load() != kLearning) return;
    if (agreed_ > 0 && std::memcmp(lastUUID_, uuid, VIR_UUID_BUFLEN) == 0)
      return;  // needs another domain
    size_t size = InstanceSize(p);
    if (size < sizeof(void *) + VIR_UUID_BUFLEN || size > 4096) {
      state_.store(kOff);
      return;
    }
    const char *b = reinterpret_cast<const char *>(p);
    size_t uo = 0, co = 0;
    int un = 0, cn = 0;
    for (size_t o = sizeof(void *); o + VIR_UUID_BUFLEN <= size; o++)
      if (std::memcmp(b + o, uuid, VIR_UUID_BUFLEN) == 0) uo = o, un++;
    for (size_t o = sizeof(void *); o + sizeof(void *) <= size; o += alignof(void *)) {
      void *v;
      std::memcpy(&v, b + o, sizeof v);
      if (v == conn) co = o, cn++;
    }
    if (un != 1 || cn != 1) {  // ambiguous here: another domain may tell, a few times
      if (++ambiguous_ > 16) state_.store(kOff);
      return;
    }
    if (agreed_ > 0 && (uo != uuidOff_ || co != connOff_)) {
      state_.store(kOff);
      return;
    }
    uuidOff_ = uo;
    connOff_ = co;
    std::memcpy(lastUUID_, uuid, VIR_UUID_BUFLEN);
    if (++agreed_ >= 3) state_.store(kOn, std::memory_order_release);
  }
  std::atomic<int> state_{kLearning};
  std::mutex mu_;
  size_t connOff_ = 0, uuidOff_ = 0;
  int agreed_ = 0, ambiguous_ = 0;
  unsigned char lastUUID_[VIR_UUID_BUFLEN];
};
DomainFields g_fields;

void Unregister(Wrap<Kind::Domain> *w) {
  if (!w->registry) return;
  DomainRegistry::Key key;
  key.conn = w->regConn;
  std::memcpy(key.uuid, w->regUUID, VIR_UUID_BUFLEN);
  auto it = w->registry->map.find(key);
  // A collected wrapper whose finalizer runs late may have been replaced.
  if (it != w->registry->map.end() && it->second == w) w->registry->map.erase(it);
  w->registry.reset();
}
}  // namespace

namespace {
// JS cannot forge an External, so only C++ can construct wrappers.
struct Token {
  uint32_t magic;
  void *ptr;
};
constexpr uint32_t kMagic = 0x76697274;  // "virt"

}  // namespace

// One tag per class, derived from its place in VK_KINDS.
napi_type_tag TagOf(Kind k) {
  uint64_t i = static_cast<uint64_t>(k) + 1;
  return {0x9a3c1e00aa00ULL + i, 0x5f1d000000000000ULL + i};
}

// Live-instance counters per class, for leak checks (diagnostics()); always compiled, cheap.
std::atomic<int64_t> g_live[static_cast<int>(Kind::Count)];

template <Kind K>
Wrap<K>::Wrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Wrap<K>>(info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(env,
                               std::string(KindTraits<K>::name) +
                                   " objects are not constructed directly; get them from a Connect "
                                   "method (lookup, create, list)");
  }
  Token *t = info[0].As<Napi::External<Token>>().Data();
  if (!t || t->magic != kMagic) throw Napi::TypeError::New(env, "invalid construction token");
  ptr = static_cast<Ptr>(t->ptr);
  napi_type_tag tag = TagOf(K);
  napi_type_tag_object(env, info.This(), &tag);
  if constexpr (K == Kind::Stream) stream = std::make_shared<StreamState>();
  g_live[static_cast<int>(K)]++;
}

template <Kind K>
Wrap<K>::~Wrap() {
  if constexpr (K == Kind::Domain) Unregister(this);
  if (ptr) FreeLater(K, ptr);
  ptr = nullptr;
  g_live[static_cast<int>(K)]--;
}

template <Kind K>
Napi::Object Wrap<K>::NewOwned(Napi::Env env, Ptr p) {
  if constexpr (K == Kind::Domain) {
    virDomainPtr displaced = nullptr;
    Napi::Object o = DomainToJS(env, p, &displaced);
    if (displaced) FreeLater(K, displaced);
    return o;
  }
  return Construct(env, p);
}

template <Kind K>
Napi::Object Wrap<K>::Construct(Napi::Env env, Ptr p) {
  Token t{kMagic, static_cast<void *>(p)};
  Napi::Object o;
  try {
    o = Data(env)->ctors[static_cast<int>(K)].New({Napi::External<Token>::New(env, &t)});
  } catch (...) {
    FreeLater(K, p);
    throw;
  }
  return o;
}

Napi::Object DomainToJS(Napi::Env env, virDomainPtr p, virDomainPtr *displaced) {
  using W = Wrap<Kind::Domain>;
  *displaced = nullptr;
  DomainRegistry::Key key;
  if (!p || !g_fields.Read(p, &key.conn, key.uuid)) return W::Construct(env, p);
  AddonData *d = Data(env);
  if (!d->domains) d->domains = std::make_shared<DomainRegistry>();
  auto it = d->domains->map.find(key);
  if (it != d->domains->map.end() && it->second->ptr) {
    W *w = it->second;
    Napi::Object o = w->Value();  // empty once collected (its finalizer is pending)
    if (!o.IsEmpty()) {
      *displaced = w->ptr;
      w->ptr = p;
      return o;
    }
  }
  Napi::Object o = W::Construct(env, p);
  W *w = Napi::ObjectWrap<W>::Unwrap(o);
  w->registry = d->domains;
  w->regConn = key.conn;
  std::memcpy(w->regUUID, key.uuid, VIR_UUID_BUFLEN);
  d->domains->map[key] = w;
  return o;
}

template <Kind K>
typename Wrap<K>::Ptr Wrap<K>::Get(Napi::Value v, const char *what) {
  Napi::Env env = v.Env();
  AddonData::LastWrap &last = Data(env)->lastWrap[static_cast<int>(K)];
  Wrap<K> *w = nullptr;
  napi_value prev = nullptr;
  bool same = false;
  // The weak reference reads null once the object is collected, which happens
  // before its wrapper is deleted: while it reads the object, `wrap` is live.
  if (last.ref && napi_get_reference_value(env, last.ref, &prev) == napi_ok && prev &&
      napi_strict_equals(env, prev, v, &same) == napi_ok && same) {
    w = static_cast<Wrap<K> *>(last.wrap);
    last.misses = 0;
  } else {
    bool ok = false;
    if (v.IsObject()) {
      napi_type_tag tag = TagOf(K);
      napi_check_object_type_tag(env, v, &tag, &ok);
    }
    if (!ok)
      throw Napi::TypeError::New(env, std::string(what) + " must be a " + KindTraits<K>::name);
    w = Napi::ObjectWrap<Wrap<K>>::Unwrap(v.As<Napi::Object>());
    // Calls rotating over many objects would swap the reference at every call
    // (~300 instructions): after a miss, only every 16th miss in a row does.
    if (w && last.misses++ % 16 == 0) {
      if (last.ref) napi_delete_reference(env, last.ref);
      last.ref = nullptr;
      if (napi_create_reference(env, v, 0, &last.ref) == napi_ok) last.wrap = w;
    }
  }
  if (!w || !w->ptr) {
    throw UsageError(env, std::string(what) + ": this " + KindTraits<K>::name +
                              (K == Kind::Connect ? " is closed" : " has been freed"));
  }
  return w->ptr;
}

template <Kind K>
Napi::Value Wrap<K>::Free(const Napi::CallbackInfo &info) {
  if constexpr (K == Kind::Stream)
    CancelStreamWaits(static_cast<virStreamPtr>(ptr),
                      "the stream was freed while its handler was pending");
  // A freed Domain leaves the registry: the next lookup makes a new wrapper.
  if constexpr (K == Kind::Domain) Unregister(this);
  if (ptr) FreeLater(K, ptr);
  ptr = nullptr;
  return info.Env().Undefined();
}

template <Kind K>
Napi::Value Wrap<K>::IsFreed(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), ptr == nullptr);
}

template <Kind K>
Napi::Function Wrap<K>::Define(Napi::Env env) {
  using W = Wrap<K>;
  std::vector<typename Napi::ObjectWrap<W>::PropertyDescriptor> props;
  if (K != Kind::Connect) props.push_back(W::InstanceMethod("free", &W::Free));
  props.push_back(W::InstanceMethod("_isFreed", &W::IsFreed));
  return W::DefineClass(env, KindTraits<K>::name, props);
}

#define VK_INST(N, T, R, F) template class Wrap<Kind::N>;
VK_KINDS(VK_INST)
#undef VK_INST

// Connect#close(): detaches the wrapper at once, so later calls reject clearly;
// calls already in flight hold their own reference and finish normally.
Napi::Value ConnectClose(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  bool ok = false;
  napi_type_tag tag = TagOf(Kind::Connect);
  if (info.This().IsObject()) napi_check_object_type_tag(env, info.This(), &tag, &ok);
  if (!ok) throw Napi::TypeError::New(env, "this must be a Connect");
  auto *w = Napi::ObjectWrap<Wrap<Kind::Connect>>::Unwrap(info.This().As<Napi::Object>());
  struct C : Call {
    virConnectPtr p;
    int r = 0;
    bool Run() override {
      if (!p) return true;
      // free() calls made before close() drop their references first, so the
      // count close() reports does not depend on the pool's timing.
      RunPendingFrees();
      r = virConnectClose(p);
      return r >= 0;
    }
    Napi::Value Done(Napi::Env env) override { return Napi::Number::New(env, r); }
  };
  auto *c = new C();
  c->p = w->ptr;
  w->ptr = nullptr;  // idempotent: a second close() resolves to 0
  return Submit(env, c);
}

}  // namespace vk
