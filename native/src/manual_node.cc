// Hand-written bindings: node, plus a few network/secret/LXC/QEMU calls whose
// results the generator cannot express (cpumaps, field/value arrays, lease
// structs, secret bytes, file descriptors).
#include <unistd.h>

#include <cstring>

#include <libvirt/libvirt-lxc.h>
#include <libvirt/libvirt-qemu.h>

#include "runtime.h"
#include "results.h"

namespace vk {

namespace {

Napi::Value FixedStr(Napi::Env env, const char *s, size_t cap) {
  return Napi::String::New(env, s, strnlen(s, cap));
}

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
      o.Set("cpumap", Napi::Buffer<unsigned char>::Copy(
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
  if (c->start < 0) throw Napi::RangeError::New(env, ArgName(0, "startCell") + " must not be negative");
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

// ---- network, secret -------------------------------------------------------------

Napi::Value NetworkGetDHCPLeases(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 2, "Network#getDHCPLeases");
  struct C : Call {
    virNetworkPtr net = nullptr;
    std::string mac;
    bool macNull = true;
    unsigned int flags = 0;
    virNetworkDHCPLeasePtr *list = nullptr;
    int n = 0;
    bool Run() override {
      n = virNetworkGetDHCPLeases(net, macNull ? nullptr : mac.c_str(), &list, flags);
      if (n < 0) {
        n = 0;
        return false;
      }
      return true;
    }
    Napi::Value Done(Napi::Env env) override {
      Napi::Array a = Napi::Array::New(env, n);
      for (int i = 0; i < n; i++) {
        virNetworkDHCPLeasePtr l = list[i];
        Napi::Object o = Napi::Object::New(env);
        o.Set("iface", Str(env, l->iface));
        o.Set("expirytime", BigS(env, l->expirytime));
        o.Set("type", Napi::Number::New(env, l->type));
        o.Set("mac", Str(env, l->mac));
        o.Set("iaid", Str(env, l->iaid));
        o.Set("ipaddr", Str(env, l->ipaddr));
        o.Set("prefix", Napi::Number::New(env, l->prefix));
        o.Set("hostname", Str(env, l->hostname));
        o.Set("clientid", Str(env, l->clientid));
        a.Set(i, o);
      }
      Discard();
      return a;
    }
    void Discard() override { FreeStructList(list, n, virNetworkDHCPLeaseFree); }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Network>(info);
  c->mac = GetStringOrNull(info, 0, "mac", c->macNull);
  c->flags = GetFlags(info, 1, "flags");
  c->net = c->Hold<Kind::Network>(self);
  return Submit(env, owned.release());
}

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

// ---- LXC, QEMU: file descriptors out -----------------------------------------------

Napi::Value FdsToJS(Napi::Env env, int *&fds, int &n) {
  Napi::Array a = Napi::Array::New(env, n > 0 ? n : 0);
  for (int i = 0; i < n; i++) a.Set(i, Napi::Number::New(env, fds[i]));
  free(fds);  // the descriptors themselves now belong to the caller
  fds = nullptr;
  n = 0;
  return a;
}

void CloseFds(int *&fds, int &n) {
  if (fds) {
    for (int i = 0; i < n; i++)
      if (fds[i] >= 0) close(fds[i]);
    free(fds);
  }
  fds = nullptr;
  n = 0;
}

Napi::Value DomainLxcOpenNamespace(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 1, "Domain#lxcOpenNamespace");
  struct C : Call {
    virDomainPtr dom = nullptr;
    unsigned int flags = 0;
    int *fds = nullptr;
    int n = 0;
    bool Run() override {
      n = virDomainLxcOpenNamespace(dom, &fds, flags);
      if (n < 0) {
        n = 0;
        return false;
      }
      return true;
    }
    Napi::Value Done(Napi::Env env) override { return FdsToJS(env, fds, n); }
    void Discard() override { CloseFds(fds, n); }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Domain>(info);
  c->flags = GetFlags(info, 0, "flags");
  c->dom = c->Hold<Kind::Domain>(self);
  return Submit(env, owned.release());
}

Napi::Value DomainQemuMonitorCommandWithFiles(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 2, "Domain#qemuMonitorCommandWithFiles");
  struct C : Call {
    virDomainPtr dom = nullptr;
    std::string cmd;
    unsigned int flags = 0;
    unsigned int nout = 0;
    int *out = nullptr;
    char *result = nullptr;
    bool Run() override {
      return virDomainQemuMonitorCommandWithFiles(dom, cmd.c_str(), 0, nullptr, &nout, &out, &result,
                                                  flags) >= 0;
    }
    Napi::Value Done(Napi::Env env) override {
      Napi::Object o = Napi::Object::New(env);
      o.Set("result", TakeStr(env, result));
      int n = static_cast<int>(nout);
      o.Set("outfiles", FdsToJS(env, out, n));
      nout = 0;
      return o;
    }
    void Discard() override {
      free(result);
      result = nullptr;
      int n = static_cast<int>(nout);
      CloseFds(out, n);
      nout = 0;
    }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Domain>(info);
  c->cmd = GetString(info, 0, "cmd");
  c->flags = GetFlags(info, 1, "flags");
  c->dom = c->Hold<Kind::Domain>(self);
  return Submit(env, owned.release());
}

}  // namespace

extern const MethodDef kManual_node[] = {
    {(int)Kind::Connect, "nodeGetCPUMap", "virNodeGetCPUMap", NodeGetCPUMap, false, false},
    {(int)Kind::Connect, "nodeGetCPUStats", "virNodeGetCPUStats", NodeGetCPUStats, false, false},
    {(int)Kind::Connect, "nodeGetMemoryStats", "virNodeGetMemoryStats", NodeGetMemoryStats, false, false},
    {(int)Kind::Connect, "nodeGetCellsFreeMemory", "virNodeGetCellsFreeMemory", NodeGetCellsFreeMemory, false, false},
    {(int)Kind::Connect, "nodeGetSecurityModel", "virNodeGetSecurityModel", NodeGetSecurityModel, false, false},
    {(int)Kind::Network, "getDHCPLeases", "virNetworkGetDHCPLeases", NetworkGetDHCPLeases, false, false},
    {(int)Kind::Secret, "getValue", "virSecretGetValue", SecretGetValue, false, false},
    {(int)Kind::Domain, "lxcOpenNamespace", "virDomainLxcOpenNamespace", DomainLxcOpenNamespace, false, false},
    {(int)Kind::Domain, "qemuMonitorCommandWithFiles", "virDomainQemuMonitorCommandWithFiles",
     DomainQemuMonitorCommandWithFiles, false, false},
    {0, nullptr, nullptr, nullptr, false, false}};
extern const size_t kManual_nodeCount = sizeof(kManual_node) / sizeof(kManual_node[0]) - 1;
extern const char *const kInternal_node[] = {"virNetworkDHCPLeaseFree", nullptr};
extern const size_t kInternal_nodeCount = 1;

}  // namespace vk
