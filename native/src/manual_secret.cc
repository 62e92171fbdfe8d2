// Hand-written bindings: Secret calls whose results the generator cannot express
// (the secret's bytes, wiped before they are freed).
#include <cstring>

#include "runtime.h"
#include "results.h"

namespace vk {

namespace {

Napi::Value SecretGetValue(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 1, "Secret#getValue");
  struct C : Call {
    virSecretPtr sec = nullptr;
    unsigned int flags = 0;
    unsigned char *val = nullptr;
    size_t len = 0;
    bool Run() override {
      val = virSecretGetValue(sec, &len, flags);
      return val != nullptr;
    }
    Napi::Value Done(Napi::Env env) override {
      Napi::Value v = Napi::Buffer<unsigned char>::Copy(
          env, val ? val : reinterpret_cast<unsigned char *>(const_cast<char *>("")), len);
      Discard();
      return v;
    }
    void Discard() override {
      if (val) {
        // A secret: wipe it before the memory goes back to the allocator.
        volatile unsigned char *p = val;
        for (size_t i = 0; i < len; i++) p[i] = 0;
        free(val);
      }
      val = nullptr;
      len = 0;
    }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Secret>(info);
  c->flags = GetFlags(info, 0, "flags");
  c->sec = c->Hold<Kind::Secret>(self);
  return Submit(env, owned.release());
}

}  // namespace

#include "../generated/manual/secret.inc"

}  // namespace vk
