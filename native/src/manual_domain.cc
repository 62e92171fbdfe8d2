// Hand-written bindings: domain.
//
// Calls whose results the generator cannot express: raw bytes (peeks, cpumaps),
// arrays of structs with their own free functions, per-CPU typed parameters,
// tag/value arrays. Conventions as in the generated code: arguments are checked
// on the JS thread before any C call; Run() touches only C data; Done() builds
// the result and frees; Discard() frees when Done() never ran (idempotent).
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <cstring>

#include <libvirt/libvirt-lxc.h>
#include <libvirt/libvirt-qemu.h>

#include "runtime.h"
#include "results.h"
#include "struct_list.h"

namespace vk {

namespace {

constexpr size_t kMaxPeek = 64u << 20;  // 64 MiB
// The remote protocol carries at most 4 MiB per peek and 128 CPUs per
// virDomainGetCPUStats call: larger requests are made in pieces.
constexpr size_t kPeekChunk = 4u << 20;
constexpr int kCPUStatsChunk = 128;

Napi::Value Bytes(Napi::Env env, const unsigned char *p, size_t n) {
  return Napi::Buffer<unsigned char>::Copy(env, n ? p : reinterpret_cast<const unsigned char *>(""),
                                           n);
}

size_t GetPeekSize(const Napi::CallbackInfo &info, size_t i) {
  unsigned long long n = GetULLong(info, i, "size");
  if (n > kMaxPeek)
    throw Napi::RangeError::New(info.Env(), ArgName(i, "size") + " must be at most 64 MiB");
  return static_cast<size_t>(n);
}

// The host's CPU count (for cpumap lengths), from the domain's connection.
int HostCPUs(virDomainPtr dom) {
  virConnectPtr conn = virDomainGetConnect(dom);  // not a new reference
  if (!conn) return -1;
  int n = virNodeGetCPUMap(conn, nullptr, nullptr, 0);
  if (n < 0) {
    // Drivers without virNodeGetCPUMap: fall back to the node's CPU count.
    virNodeInfo ni;
    if (virNodeGetInfo(conn, &ni) < 0) return -1;
    virResetLastError();
    n = static_cast<int>(VIR_NODEINFO_MAXCPUS(ni));
  }
  return n;
}

// Typed params that skip the unused slots (empty field) libvirt leaves in
// fixed-stride arrays such as virDomainGetCPUStats' per-CPU blocks.
Napi::Value CompactParams(Napi::Env env, virTypedParameterPtr p, int n) {
  std::vector<virTypedParameter> used;
  used.reserve(n);
  for (int i = 0; i < n; i++)
    if (p[i].field[0]) used.push_back(p[i]);  // shallow: strings stay owned by p
  return TypedParamsToJS(env, used.data(), static_cast<int>(used.size()));
}

// ---- peeks -------------------------------------------------------------------

// A peek of `size` bytes at `start`, in the chunks the remote protocol carries.
struct PeekCall : Call {
  // Pool thread: reads `len` bytes at `at` into `out`; < 0 on failure.
  std::function<int(unsigned long long at, size_t len, unsigned char *out)> peek;
  unsigned long long start = 0;
  size_t size = 0;
  std::vector<unsigned char> buf;
  bool Run() override {
    buf.resize(size ? size : 1);
    if (size == 0) return peek(start, 0, buf.data()) >= 0;
    for (size_t at = 0; at < size; at += kPeekChunk) {
      size_t len = std::min(kPeekChunk, size - at);
      if (peek(start + at, len, buf.data() + at) < 0) return false;
    }
    return true;
  }
  Napi::Value Done(Napi::Env env) override { return Bytes(env, buf.data(), size); }
};

Napi::Value BlockPeek(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 4, "Domain#blockPeek");
  auto c = std::make_unique<PeekCall>();
  auto self = Self<Kind::Domain>(info);
  std::string disk = GetString(info, 0, "disk");
  c->start = GetULLong(info, 1, "offset");
  c->size = GetPeekSize(info, 2);
  unsigned int flags = GetFlags(info, 3, "flags");
  virDomainPtr dom = c->Hold<Kind::Domain>(self);
  c->peek = [dom, disk, flags](unsigned long long at, size_t len, unsigned char *out) {
    return virDomainBlockPeek(dom, disk.c_str(), at, len, out, flags);
  };
  return Submit(env, c.release());
}

Napi::Value MemoryPeek(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 3, "Domain#memoryPeek");
  auto c = std::make_unique<PeekCall>();
  auto self = Self<Kind::Domain>(info);
  c->start = GetULLong(info, 0, "start");
  c->size = GetPeekSize(info, 1);
  unsigned int flags = GetFlags(info, 2, "flags");
  virDomainPtr dom = c->Hold<Kind::Domain>(self);
  c->peek = [dom, flags](unsigned long long at, size_t len, unsigned char *out) {
    return virDomainMemoryPeek(dom, at, len, out, flags);
  };
  return Submit(env, c.release());
}

// ---- virDomainGetCPUStats --------------------------------------------------------

Napi::Value GetCPUStats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 3, "Domain#getCPUStats");
  struct C : Call {
    virDomainPtr dom = nullptr;
    int start = 0;
    unsigned int ncpus = 0, flags = 0;
    virTypedParameterPtr params = nullptr;
    int nparams = 0;  // per CPU
    int got = 0;      // CPUs in params
    bool Run() override {
      if (start == -1) {
        nparams = virDomainGetCPUStats(dom, nullptr, 0, -1, 1, flags);
        if (nparams < 0) return false;
        got = 1;
      } else {
        // As libvirt documents: the CPU count with ncpus = 0, then the number
        // of parameters per CPU with ncpus = 1.
        int total = virDomainGetCPUStats(dom, nullptr, 0, 0, 0, flags);
        if (total < 0) return false;
        nparams = virDomainGetCPUStats(dom, nullptr, 0, 0, 1, flags);
        if (nparams < 0) return false;
        long long avail = static_cast<long long>(total) - start;
        got = avail <= 0 ? 0 : static_cast<int>(std::min<long long>(avail, ncpus));
      }
      if (got == 0 || nparams == 0) return true;  // empty objects (or none)
      params = static_cast<virTypedParameterPtr>(
          calloc(static_cast<size_t>(got) * nparams, sizeof(virTypedParameter)));
      if (!params) return false;
      if (start == -1) return virDomainGetCPUStats(dom, params, nparams, -1, 1, flags) >= 0;
      for (int at = 0; at < got; at += kCPUStatsChunk) {
        int count = std::min(kCPUStatsChunk, got - at);
        if (virDomainGetCPUStats(dom, params + static_cast<size_t>(at) * nparams, nparams,
                                 start + at, count, flags) < 0)
          return false;
      }
      return true;
    }
    Napi::Value Done(Napi::Env env) override {
      Napi::Array a = Napi::Array::New(env, got);
      for (int i = 0; i < got; i++)
        a.Set(i, params ? CompactParams(env, params + static_cast<size_t>(i) * nparams, nparams)
                        : Napi::Value(Napi::Object::New(env)));
      Discard();
      return a;
    }
    void Discard() override {
      if (params) {
        virTypedParamsClear(params, got * nparams);
        free(params);
      }
      params = nullptr;
    }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Domain>(info);
  c->start = GetInt(info, 0, "start_cpu");
  c->ncpus = GetUInt(info, 1, "ncpus");
  c->flags = GetFlags(info, 2, "flags");
  if (c->start < -1)
    throw Napi::RangeError::New(env, ArgName(0, "start_cpu") + " must be -1 or a CPU number");
  if (c->start == -1 && c->ncpus != 1)
    throw Napi::RangeError::New(
        env, ArgName(1, "ncpus") + " must be 1 when start_cpu is -1 (the total)");
  c->dom = c->Hold<Kind::Domain>(self);
  return Submit(env, owned.release());
}

// ---- arrays of structs -------------------------------------------------------

Napi::Value FSInfoToJS(Napi::Env env, const virDomainFSInfo &f) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("mountpoint", Str(env, f.mountpoint));
  o.Set("name", Str(env, f.name));
  o.Set("fstype", Str(env, f.fstype));
  Napi::Array d = Napi::Array::New(env, f.ndevAlias);
  for (size_t k = 0; k < f.ndevAlias; k++) d.Set(static_cast<uint32_t>(k), Str(env, f.devAlias[k]));
  o.Set("devAlias", d);
  return o;
}

Napi::Value GetFSInfo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 1, "Domain#getFSInfo");
  auto self = Self<Kind::Domain>(info);
  unsigned int flags = GetFlags(info, 0, "flags");
  auto c = std::make_unique<StructListCall<virDomainFSInfo>>(virDomainFSInfoFree, FSInfoToJS);
  virDomainPtr dom = c->Hold<Kind::Domain>(self);
  c->fetch = [dom, flags](virDomainFSInfoPtr **list) {
    return virDomainGetFSInfo(dom, list, flags);
  };
  return Submit(env, c.release());
}

Napi::Value IOThreadInfoToJS(Napi::Env env, const virDomainIOThreadInfo &t) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("iothread_id", Napi::Number::New(env, t.iothread_id));
  o.Set("cpumap", Bytes(env, t.cpumap, t.cpumaplen > 0 ? t.cpumaplen : 0));
  return o;
}

Napi::Value GetIOThreadInfo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 1, "Domain#getIOThreadInfo");
  auto self = Self<Kind::Domain>(info);
  unsigned int flags = GetFlags(info, 0, "flags");
  auto c = std::make_unique<StructListCall<virDomainIOThreadInfo>>(virDomainIOThreadInfoFree,
                                                                   IOThreadInfoToJS);
  virDomainPtr dom = c->Hold<Kind::Domain>(self);
  c->fetch = [dom, flags](virDomainIOThreadInfoPtr **list) {
    return virDomainGetIOThreadInfo(dom, list, flags);
  };
  return Submit(env, c.release());
}

Napi::Value InterfaceToJS(Napi::Env env, const virDomainInterface &f) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", Str(env, f.name));
  o.Set("hwaddr", Str(env, f.hwaddr));
  Napi::Array addrs = Napi::Array::New(env, f.naddrs);
  for (size_t k = 0; k < f.naddrs; k++) {
    Napi::Object ad = Napi::Object::New(env);
    ad.Set("type", Napi::Number::New(env, f.addrs[k].type));
    ad.Set("addr", Str(env, f.addrs[k].addr));
    ad.Set("prefix", Napi::Number::New(env, f.addrs[k].prefix));
    addrs.Set(static_cast<uint32_t>(k), ad);
  }
  o.Set("addrs", addrs);
  return o;
}

Napi::Value InterfaceAddresses(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 2, "Domain#interfaceAddresses");
  auto self = Self<Kind::Domain>(info);
  unsigned int source = GetUInt(info, 0, "source");
  unsigned int flags = GetFlags(info, 1, "flags");
  auto c =
      std::make_unique<StructListCall<virDomainInterface>>(virDomainInterfaceFree, InterfaceToJS);
  virDomainPtr dom = c->Hold<Kind::Domain>(self);
  c->fetch = [dom, source, flags](virDomainInterfacePtr **list) {
    return virDomainInterfaceAddresses(dom, list, source, flags);
  };
  return Submit(env, c.release());
}

Napi::Value GetSecurityLabelList(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 0, "Domain#getSecurityLabelList");
  struct C : Call {
    virDomainPtr dom = nullptr;
    virSecurityLabelPtr list = nullptr;
    int n = 0;
    bool Run() override {
      n = virDomainGetSecurityLabelList(dom, &list);
      if (n < 0) {
        n = 0;
        return false;
      }
      return true;
    }
    Napi::Value Done(Napi::Env env) override {
      Napi::Array a = Napi::Array::New(env, n);
      for (int i = 0; i < n; i++) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("label", FixedStr(env, list[i].label, sizeof(list[i].label)));
        o.Set("enforcing", Napi::Number::New(env, list[i].enforcing));
        a.Set(i, o);
      }
      Discard();
      return a;
    }
    void Discard() override {
      free(list);
      list = nullptr;
      n = 0;
    }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Domain>(info);
  c->dom = c->Hold<Kind::Domain>(self);
  return Submit(env, owned.release());
}

// ---- cpumaps -----------------------------------------------------------------

Napi::Value GetEmulatorPinInfo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 1, "Domain#getEmulatorPinInfo");
  struct C : Call {
    virDomainPtr dom = nullptr;
    unsigned int flags = 0;
    std::vector<unsigned char> map;
    bool Run() override {
      int cpus = HostCPUs(dom);
      if (cpus < 0) return false;
      map.assign(VIR_CPU_MAPLEN(cpus), 0);
      return virDomainGetEmulatorPinInfo(dom, map.data(), static_cast<int>(map.size()), flags) >= 0;
    }
    Napi::Value Done(Napi::Env env) override { return Bytes(env, map.data(), map.size()); }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Domain>(info);
  c->flags = GetFlags(info, 0, "flags");
  c->dom = c->Hold<Kind::Domain>(self);
  return Submit(env, owned.release());
}

Napi::Value GetVcpuPinInfo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 1, "Domain#getVcpuPinInfo");
  struct C : Call {
    virDomainPtr dom = nullptr;
    unsigned int flags = 0;
    std::vector<unsigned char> maps;
    int maplen = 0, n = 0;
    bool Run() override {
      int cpus = HostCPUs(dom);
      if (cpus < 0) return false;
      // The maximum vCPU count of the state the flags select (live or config).
      int vcpus = virDomainGetVcpusFlags(
          dom,
          VIR_DOMAIN_VCPU_MAXIMUM | (flags & (VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG)));
      if (vcpus < 0) {
        virDomainInfo di;
        if (virDomainGetInfo(dom, &di) < 0) return false;
        virResetLastError();
        vcpus = di.nrVirtCpu;
      }
      maplen = VIR_CPU_MAPLEN(cpus);
      maps.assign(static_cast<size_t>(vcpus) * maplen + 1, 0);
      n = virDomainGetVcpuPinInfo(dom, vcpus, maps.data(), maplen, flags);
      if (n < 0) {
        n = 0;
        return false;
      }
      if (n > vcpus) n = vcpus;
      return true;
    }
    Napi::Value Done(Napi::Env env) override {
      Napi::Array a = Napi::Array::New(env, n);
      for (int i = 0; i < n; i++)
        a.Set(i, Bytes(env, maps.data() + static_cast<size_t>(i) * maplen, maplen));
      return a;
    }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Domain>(info);
  c->flags = GetFlags(info, 0, "flags");
  c->dom = c->Hold<Kind::Domain>(self);
  return Submit(env, owned.release());
}

Napi::Value GetVcpus(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 0, "Domain#getVcpus");
  struct C : Call {
    virDomainPtr dom = nullptr;
    std::vector<virVcpuInfo> infos;
    std::vector<unsigned char> maps;
    int maplen = 0, n = 0;
    bool Run() override {
      int cpus = HostCPUs(dom);
      if (cpus < 0) return false;
      virDomainInfo di;
      if (virDomainGetInfo(dom, &di) < 0) return false;
      int max = di.nrVirtCpu;
      maplen = VIR_CPU_MAPLEN(cpus);
      infos.assign(max > 0 ? max : 1, virVcpuInfo{});
      maps.assign(static_cast<size_t>(max > 0 ? max : 1) * maplen, 0);
      n = virDomainGetVcpus(dom, infos.data(), max, maps.data(), maplen);
      if (n < 0) {
        n = 0;
        return false;
      }
      if (n > max) n = max;
      return true;
    }
    Napi::Value Done(Napi::Env env) override {
      Napi::Array ia = Napi::Array::New(env, n), ma = Napi::Array::New(env, n);
      for (int i = 0; i < n; i++) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("number", Napi::Number::New(env, infos[i].number));
        o.Set("state", Napi::Number::New(env, infos[i].state));
        o.Set("cpuTime", BigU(env, infos[i].cpuTime));
        o.Set("cpu", Napi::Number::New(env, infos[i].cpu));
        ia.Set(i, o);
        ma.Set(i, Bytes(env, maps.data() + static_cast<size_t>(i) * maplen, maplen));
      }
      Napi::Object r = Napi::Object::New(env);
      r.Set("info", ia);
      r.Set("cpumaps", ma);
      return r;
    }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Domain>(info);
  c->dom = c->Hold<Kind::Domain>(self);
  return Submit(env, owned.release());
}

// ---- scheduler parameters ------------------------------------------------------

struct SchedCall : Call {
  virDomainPtr dom = nullptr;
  unsigned int flags = 0;
  bool useFlags = false;
  virTypedParameterPtr params = nullptr;
  int n = 0;
  bool Run() override {
    int count = 0;
    char *type = virDomainGetSchedulerType(dom, &count);
    if (!type) return false;
    free(type);
    if (count <= 0) return true;
    params = static_cast<virTypedParameterPtr>(calloc(count, sizeof(virTypedParameter)));
    if (!params) return false;
    n = count;
    int r = useFlags ? virDomainGetSchedulerParametersFlags(dom, params, &n, flags)
                     : virDomainGetSchedulerParameters(dom, params, &n);
    if (n > count || n < 0) n = count;
    return r >= 0;
  }
  Napi::Value Done(Napi::Env env) override {
    Napi::Value v = TypedParamsToJS(env, params, n);
    Discard();
    return v;
  }
  void Discard() override {
    if (params) {
      virTypedParamsClear(params, n);
      free(params);
    }
    params = nullptr;
    n = 0;
  }
};

Napi::Value GetSchedulerParameters(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 0, "Domain#getSchedulerParameters");
  auto owned = std::make_unique<SchedCall>();
  auto self = Self<Kind::Domain>(info);
  owned->dom = owned->Hold<Kind::Domain>(self);
  return Submit(env, owned.release());
}

Napi::Value GetSchedulerParametersFlags(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 1, "Domain#getSchedulerParametersFlags");
  auto owned = std::make_unique<SchedCall>();
  auto self = Self<Kind::Domain>(info);
  owned->useFlags = true;
  owned->flags = GetFlags(info, 0, "flags");
  owned->dom = owned->Hold<Kind::Domain>(self);
  return Submit(env, owned.release());
}

// ---- virDomainMemoryStats ----------------------------------------------------------

// VIR_DOMAIN_MEMORY_STAT_<NAME> -> "<name>"
const char *MemoryStatName(int tag) {
  switch (tag) {
    case VIR_DOMAIN_MEMORY_STAT_SWAP_IN:
      return "swap_in";
    case VIR_DOMAIN_MEMORY_STAT_SWAP_OUT:
      return "swap_out";
    case VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT:
      return "major_fault";
    case VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT:
      return "minor_fault";
    case VIR_DOMAIN_MEMORY_STAT_UNUSED:
      return "unused";
    case VIR_DOMAIN_MEMORY_STAT_AVAILABLE:
      return "available";
    case VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON:
      return "actual_balloon";
    case VIR_DOMAIN_MEMORY_STAT_RSS:
      return "rss";
    case VIR_DOMAIN_MEMORY_STAT_USABLE:
      return "usable";
    case VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE:
      return "last_update";
    case VIR_DOMAIN_MEMORY_STAT_DISK_CACHES:
      return "disk_caches";
    case VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC:
      return "hugetlb_pgalloc";
    case VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL:
      return "hugetlb_pgfail";
    default:
      return nullptr;
  }
}

Napi::Value MemoryStats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 2, "Domain#memoryStats");
  struct C : Call {
    virDomainPtr dom = nullptr;
    unsigned int nr = 0, flags = 0;
    std::vector<virDomainMemoryStatStruct> stats;
    int n = 0;
    bool Run() override {
      stats.assign(nr ? nr : 1, virDomainMemoryStatStruct{});
      n = virDomainMemoryStats(dom, stats.data(), nr, flags);
      if (n < 0) {
        n = 0;
        return false;
      }
      if (n > static_cast<int>(nr)) n = nr;
      return true;
    }
    Napi::Value Done(Napi::Env env) override {
      Napi::Object o = Napi::Object::New(env);
      for (int i = 0; i < n; i++) {
        const char *name = MemoryStatName(stats[i].tag);
        std::string other;
        if (!name) other = "tag_" + std::to_string(stats[i].tag);  // newer libvirt
        o.Set(name ? name : other.c_str(), BigU(env, stats[i].val));
      }
      return o;
    }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Domain>(info);
  // nr_stats: how many stats to ask for; optional, all known ones by default.
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    c->nr = GetUInt(info, 0, "nr_stats");
    if (c->nr > VIR_DOMAIN_MEMORY_STAT_NR)
      throw Napi::RangeError::New(env, ArgName(0, "nr_stats") + " must be at most " +
                                           std::to_string(VIR_DOMAIN_MEMORY_STAT_NR));
  } else {
    c->nr = VIR_DOMAIN_MEMORY_STAT_NR;
  }
  c->flags = GetFlags(info, 1, "flags");
  c->dom = c->Hold<Kind::Domain>(self);
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
      return virDomainQemuMonitorCommandWithFiles(dom, cmd.c_str(), 0, nullptr, &nout, &out,
                                                  &result, flags) >= 0;
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

#include "../generated/manual/domain.inc"

}  // namespace vk
