// Hand-written bindings whose C arrays are sized by other arguments.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "results.h"
#include "runtime.h"

namespace vk {

namespace {

// Connect#nodeGetFreePages(pages, startCell, cellCount, flags) -> bigint[]
// (cellCount rows of pages.length counts, row-major as libvirt fills them).
Napi::Value NodeGetFreePages(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 4, "Connect#nodeGetFreePages");
  struct C : Call {
    virConnectPtr conn = nullptr;
    std::vector<unsigned int> pages;
    int startCell = 0;
    unsigned int cellCount = 0, flags = 0;
    std::vector<unsigned long long> counts;
    int ret = 0;
    bool Run() override {
      counts.assign((size_t)pages.size() * cellCount, 0);
      ret = virNodeGetFreePages(conn, pages.size(), pages.data(), startCell, cellCount,
                                counts.data(), flags);
      return ret >= 0;
    }
    Napi::Value Done(Napi::Env env) override {
      // All pages.length x cellCount entries, as virsh prints them: drivers
      // differ in what they return as the count (the test driver says 0).
      size_t n = counts.size();
      Napi::Array a = Napi::Array::New(env, n);
      for (size_t i = 0; i < n; i++) a.Set(i, BigU(env, counts[i]));
      return a;
    }
  };
  auto self = Self<Kind::Connect>(info);
  auto c = std::make_unique<C>();
  c->pages = GetNumberArray<unsigned int>(info, 0, "pages");
  c->startCell = GetInt(info, 1, "startCell");
  c->cellCount = GetUInt(info, 2, "cellCount");
  if (c->pages.empty() || c->cellCount == 0)
    throw Napi::RangeError::New(env, "pages and cellCount must not be empty");
  if ((unsigned long long)c->pages.size() * c->cellCount > 1u << 20)
    throw Napi::RangeError::New(env, "pages.length x cellCount is too large");
  c->flags = GetFlags(info, 3, "flags");
  c->conn = c->Hold<Kind::Connect>(self);
  return Submit(env, c.release());
}

// Connect#nodeAllocPages(pageSizes, pageCounts, startCell, cellCount, flags) -> number
Napi::Value NodeAllocPages(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 5, "Connect#nodeAllocPages");
  struct C : Call {
    virConnectPtr conn = nullptr;
    std::vector<unsigned int> sizes;
    std::vector<unsigned long long> counts;
    int startCell = 0;
    unsigned int cellCount = 0, flags = 0;
    int ret = 0;
    bool Run() override {
      ret = virNodeAllocPages(conn, sizes.size(), sizes.data(), counts.data(), startCell, cellCount,
                              flags);
      return ret >= 0;
    }
    Napi::Value Done(Napi::Env env) override { return Napi::Number::New(env, ret); }
  };
  auto self = Self<Kind::Connect>(info);
  auto c = std::make_unique<C>();
  c->sizes = GetNumberArray<unsigned int>(info, 0, "pageSizes");
  Napi::Value v = info.Length() > 1 ? info[1] : env.Undefined();
  if (!v.IsArray()) throw Napi::TypeError::New(env, ArgName(1, "pageCounts") + " must be an array");
  Napi::Array a = v.As<Napi::Array>();
  if (a.Length() != c->sizes.size())
    throw Napi::RangeError::New(env, "pageCounts must have one entry per page size");
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value e = a.Get(k);
    bool lossless = true;
    unsigned long long x;
    if (e.IsBigInt())
      x = e.As<Napi::BigInt>().Uint64Value(&lossless);
    else if (e.IsNumber() && e.As<Napi::Number>().DoubleValue() >= 0 &&
             e.As<Napi::Number>().DoubleValue() <= 9007199254740991.0)
      x = (unsigned long long)e.As<Napi::Number>().DoubleValue();
    else
      throw Napi::TypeError::New(env,
                                 ArgName(1, "pageCounts") + " must hold non-negative integers");
    if (!lossless) throw Napi::RangeError::New(env, ArgName(1, "pageCounts") + " is out of range");
    c->counts.push_back(x);
  }
  c->startCell = GetInt(info, 2, "startCell");
  c->cellCount = GetUInt(info, 3, "cellCount");
  c->flags = GetFlags(info, 4, "flags");
  c->conn = c->Hold<Kind::Connect>(self);
  return Submit(env, c.release());
}

// Domain#getDiskErrors(flags) -> [{disk, error}]
Napi::Value GetDiskErrors(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 1, "Domain#getDiskErrors");
  struct C : Call {
    virDomainPtr dom = nullptr;
    unsigned int flags = 0;
    std::vector<virDomainDiskError> errs;
    int n = 0;
    bool Run() override {
      int count = virDomainGetDiskErrors(dom, nullptr, 0, flags);
      if (count < 0) return false;
      errs.assign(count, virDomainDiskError{});
      if (count == 0) return true;
      n = virDomainGetDiskErrors(dom, errs.data(), errs.size(), flags);
      return n >= 0;
    }
    Napi::Value Done(Napi::Env env) override {
      Napi::Array a = Napi::Array::New(env, n);
      for (int i = 0; i < n; i++) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("disk", Str(env, errs[i].disk));
        o.Set("error", errs[i].error);
        a.Set(i, o);
      }
      Discard();
      return a;
    }
    void Discard() override {
      for (auto &e : errs) {
        free(e.disk);
        e.disk = nullptr;
      }
    }
  };
  auto self = Self<Kind::Domain>(info);
  auto c = std::make_unique<C>();
  c->flags = GetFlags(info, 0, "flags");
  c->dom = c->Hold<Kind::Domain>(self);
  return Submit(env, c.release());
}

}  // namespace

#include "../generated/manual/arrays.inc"

}  // namespace vk
