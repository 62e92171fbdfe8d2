// JS classes wrapping libvirt objects: construction only from C++, type-tagged
// receivers, idempotent free(), and frees off the JS thread.
#include "runtime.h"

namespace vk {

namespace {
// JS cannot forge an External, so only C++ can construct wrappers.
struct Token {
  uint32_t magic;
  void *ptr;
};
constexpr uint32_t kMagic = 0x76697274;  // "virt"

const napi_type_tag kTags[] = {
    {0x9a3c1e00aa01ULL, 0x5f1d000000000001ULL}, {0x9a3c1e00aa02ULL, 0x5f1d000000000002ULL},
    {0x9a3c1e00aa03ULL, 0x5f1d000000000003ULL}, {0x9a3c1e00aa04ULL, 0x5f1d000000000004ULL},
    {0x9a3c1e00aa05ULL, 0x5f1d000000000005ULL}, {0x9a3c1e00aa06ULL, 0x5f1d000000000006ULL},
    {0x9a3c1e00aa07ULL, 0x5f1d000000000007ULL}, {0x9a3c1e00aa08ULL, 0x5f1d000000000008ULL},
    {0x9a3c1e00aa09ULL, 0x5f1d000000000009ULL}, {0x9a3c1e00aa0aULL, 0x5f1d00000000000aULL},
    {0x9a3c1e00aa0bULL, 0x5f1d00000000000bULL}, {0x9a3c1e00aa0cULL, 0x5f1d00000000000cULL},
    {0x9a3c1e00aa0dULL, 0x5f1d00000000000dULL}, {0x9a3c1e00aa0eULL, 0x5f1d00000000000eULL},
};
static_assert(sizeof(kTags) / sizeof(kTags[0]) == static_cast<int>(Kind::Count), "tags");
}  // namespace

napi_type_tag TagOf(Kind k) { return kTags[static_cast<int>(k)]; }

// Debug-build live-instance counters (issue: leaks); always compiled, cheap.
std::atomic<int64_t> g_live[static_cast<int>(Kind::Count)];

template <Kind K>
Wrap<K>::Wrap(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Wrap<K>>(info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(
        env, std::string(KindTraits<K>::name) +
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
  if (ptr) FreeLater(K, ptr);
  ptr = nullptr;
  g_live[static_cast<int>(K)]--;
}

template <Kind K>
Napi::Object Wrap<K>::NewOwned(Napi::Env env, Ptr p) {
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

template <Kind K>
typename Wrap<K>::Ptr Wrap<K>::Get(Napi::Value v, const char *what) {
  Napi::Env env = v.Env();
  bool ok = false;
  if (v.IsObject()) {
    napi_type_tag tag = TagOf(K);
    napi_check_object_type_tag(env, v, &tag, &ok);
  }
  if (!ok)
    throw Napi::TypeError::New(env, std::string(what) + " must be a " + KindTraits<K>::name);
  Wrap<K> *w = Napi::ObjectWrap<Wrap<K>>::Unwrap(v.As<Napi::Object>());
  if (!w || !w->ptr) {
    throw UsageError(env, std::string(what) + ": this " + KindTraits<K>::name +
                              (K == Kind::Connect ? " is closed" : " has been freed"));
  }
  return w->ptr;
}

template <Kind K>
Napi::Value Wrap<K>::Free(const Napi::CallbackInfo &info) {
  if constexpr (K == Kind::Stream)
    CancelStreamWaits(static_cast<virStreamPtr>(ptr), "the stream was freed while its handler was pending");
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
