// Hand-written bindings: the host (node) calls whose results the generator
// cannot express (cpumaps, field/value arrays, security model).
#include <cstring>

#include "runtime.h"
#include "results.h"

namespace vk {

namespace {

// ---- node ----------------------------------------------------------------------

Napi::Value NodeGetCPUMap(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 1, "Connect#nodeGetCPUMap");
  struct C : Call {
    virConnectPtr conn = nullptr;
    unsigned int flags = 0;
    unsigned char *map = nullptr;
    unsigned int online = 0;
    int ret = 0;
    bool Run() override {
      ret = virNodeGetCPUMap(conn, &map, &online, flags);
      return ret >= 0;
    }
    Napi::Value Done(Napi::Env env) override {
      Napi::Object o = Napi::Object::New(env);
      size_t len = VIR_CPU_MAPLEN(ret);
      o.Set("cpumap",
            Napi::Buffer<unsigned char>::Copy(
                env, map ? map : reinterpret_cast<unsigned char *>(const_cast<char *>("")),
                map ? len : 0));
      o.Set("online", Napi::Number::New(env, online));
      o.Set("ret", Napi::Number::New(env, ret));
      Discard();
      return o;
    }
    void Discard() override {
      free(map);
      map = nullptr;
    }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Connect>(info);
  c->flags = GetFlags(info, 0, "flags");
  c->conn = c->Hold<Kind::Connect>(self);
  return Submit(env, owned.release());
}

// virNodeGetCPUStats / virNodeGetMemoryStats: {field: value} with bigint values.
template <typename S>
Napi::Value FieldValues(Napi::Env env, const std::vector<S> &v, int n) {
  Napi::Object o = Napi::Object::New(env);
  for (int i = 0; i < n; i++) {
    napi_value key;
    napi_create_string_utf8(env, v[i].field, strnlen(v[i].field, sizeof(v[i].field)), &key);
    o.Set(Napi::Value(env, key), BigU(env, v[i].value));
  }
  return o;
}

Napi::Value NodeGetCPUStats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 2, "Connect#nodeGetCPUStats");
  struct C : Call {
    virConnectPtr conn = nullptr;
    int cpuNum = 0;
    unsigned int flags = 0;
    std::vector<virNodeCPUStats> stats;
    int n = 0;
    bool Run() override {
      if (virNodeGetCPUStats(conn, cpuNum, nullptr, &n, flags) < 0) return false;
      if (n <= 0) return true;
      stats.assign(n, virNodeCPUStats{});
      return virNodeGetCPUStats(conn, cpuNum, stats.data(), &n, flags) >= 0;
    }
    Napi::Value Done(Napi::Env env) override {
      return FieldValues(env, stats, std::min<int>(n, static_cast<int>(stats.size())));
    }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Connect>(info);
  c->cpuNum = GetInt(info, 0, "cpuNum");
  c->flags = GetFlags(info, 1, "flags");
  c->conn = c->Hold<Kind::Connect>(self);
  return Submit(env, owned.release());
}

Napi::Value NodeGetMemoryStats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 2, "Connect#nodeGetMemoryStats");
  struct C : Call {
    virConnectPtr conn = nullptr;
    int cellNum = 0;
    unsigned int flags = 0;
    std::vector<virNodeMemoryStats> stats;
    int n = 0;
    bool Run() override {
      if (virNodeGetMemoryStats(conn, cellNum, nullptr, &n, flags) < 0) return false;
      if (n <= 0) return true;
      stats.assign(n, virNodeMemoryStats{});
      return virNodeGetMemoryStats(conn, cellNum, stats.data(), &n, flags) >= 0;
    }
    Napi::Value Done(Napi::Env env) override {
      return FieldValues(env, stats, std::min<int>(n, static_cast<int>(stats.size())));
    }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Connect>(info);
  c->cellNum = GetInt(info, 0, "cellNum");
  c->flags = GetFlags(info, 1, "flags");
  c->conn = c->Hold<Kind::Connect>(self);
  return Submit(env, owned.release());
}

Napi::Value NodeGetCellsFreeMemory(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 2, "Connect#nodeGetCellsFreeMemory");
  struct C : Call {
    virConnectPtr conn = nullptr;
    int start = 0, max = 0;
    std::vector<unsigned long long> mems;
    int n = 0;
    bool Run() override {
      mems.assign(max > 0 ? max : 1, 0);
      n = virNodeGetCellsFreeMemory(conn, mems.data(), start, max);
      if (n < 0) {
        n = 0;
        return false;
      }
      if (n > max) n = max;
      return true;
    }
    Napi::Value Done(Napi::Env env) override {
      Napi::Array a = Napi::Array::New(env, n);
      for (int i = 0; i < n; i++) a.Set(i, BigU(env, mems[i]));
      return a;
    }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Connect>(info);
  c->start = GetInt(info, 0, "startCell");
  c->max = GetInt(info, 1, "maxCells");
  if (c->start < 0)
    throw Napi::RangeError::New(env, ArgName(0, "startCell") + " must not be negative");
  if (c->max < 0 || c->max > 65536)
    throw Napi::RangeError::New(env, ArgName(1, "maxCells") + " must be between 0 and 65536");
  c->conn = c->Hold<Kind::Connect>(self);
  return Submit(env, owned.release());
}

Napi::Value NodeGetSecurityModel(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 0, "Connect#nodeGetSecurityModel");
  struct C : Call {
    virConnectPtr conn = nullptr;
    virSecurityModel m{};
    bool Run() override { return virNodeGetSecurityModel(conn, &m) >= 0; }
    Napi::Value Done(Napi::Env env) override {
      Napi::Object o = Napi::Object::New(env);
      o.Set("model", FixedStr(env, m.model, sizeof(m.model)));
      o.Set("doi", FixedStr(env, m.doi, sizeof(m.doi)));
      return o;
    }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Connect>(info);
  c->conn = c->Hold<Kind::Connect>(self);
  return Submit(env, owned.release());
}

}  // namespace

#include "../generated/manual/node.inc"

}  // namespace vk
