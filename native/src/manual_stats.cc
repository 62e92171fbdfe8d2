// Hand-written bindings: stats.
//
// Bulk stats: Connect#getAllDomainStats and
// Connect#domainListGetStats resolve to Array<{domain: Domain, params: TypedParams}>.
// Monitoring agents poll these for hundreds of domains many times a second, so
// each record {domain, params} is made by one call of a maker compiled for its
// sequence of field names (shapes.cc).
#include <cstring>

#include "runtime.h"
#include "results.h"

namespace vk {

namespace {

// The record list and what Done() builds from it. The list stays owned here
// until freed. Each record's domain reference is moved into its wrapper and
// the record's pointer replaced by the one the wrapper gave up (or NULL), so
// virDomainStatsRecordListFree (which unrefs a NULL domain as a no-op) never
// drops one twice (libvirt-python once wrapped the list's reference and freed
// it too: a double free). Moving instead of a Ref/Free pair saves two
// atomic-and-debug-log round trips per record.
struct StatsCall : Call {
  virDomainStatsRecordPtr *recs = nullptr;
  int n = 0;
  unsigned int stats = 0, flags = 0;

  Napi::Value Done(Napi::Env env) override {
    napi_env e = env;
    RecordBatch batch(e);
    for (int i = 0; i < n; i++) {
      virDomainStatsRecordPtr r = recs[i];
      if (!r) break;
      // No handle scope per record: Node allocates one on the heap per open
      // scope (a malloc/free pair per record); Complete's scope holds them all.
      napi_value dom;
      if (r->dom) {
        virDomainPtr d = r->dom, displaced = nullptr;
        r->dom = nullptr;
        dom = DomainToJS(env, d, &displaced);  // frees its ref on failure
        // The wrapper from an earlier poll now holds the fresh pointer; its
        // old one is freed with the list, in the same job.
        r->dom = displaced;
      } else {
        napi_get_null(e, &dom);
      }
      batch.Add(r->params, r->nparams, dom);
    }
    // The list (each record's params, and the domain of a record that has
    // none moved out) is freed off the JS thread like the wrappers' refs:
    // that time is libvirt's, not the caller's.
    FreeLaterWith(
        [](void *p) {
          auto *list = static_cast<virDomainStatsRecordPtr *>(p);
          // Through FreeNow, which skips the UUID formatting of virDomainFree.
          for (auto *r = list; *r; r++) {
            if ((*r)->dom) FreeNow(Kind::Domain, (*r)->dom), (*r)->dom = nullptr;
            YieldDuringFrees();
          }
          virDomainStatsRecordListFree(list);
        },
        recs);
    recs = nullptr;
    n = 0;
    return Napi::Value(env, batch.Finish());
  }
  void Discard() override {
    if (recs) virDomainStatsRecordListFree(recs);
    recs = nullptr;
    n = 0;
  }
};

Napi::Value GetAllDomainStats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 2, "Connect#getAllDomainStats");
  struct C : StatsCall {
    virConnectPtr conn = nullptr;
    bool Run() override {
      int r = virConnectGetAllDomainStats(conn, stats, &recs, flags);
      if (r < 0) return false;
      n = r;
      return true;
    }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Connect>(info);
  c->stats = GetFlags(info, 0, "stats");
  c->flags = GetFlags(info, 1, "flags");
  c->conn = c->Hold<Kind::Connect>(self);
  return Submit(env, owned.release());
}

Napi::Value DomainListGetStats(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 3, "Connect#domainListGetStats");
  struct C : StatsCall {
    std::vector<virDomainPtr> doms;  // NULL-terminated; each held by the call
    bool Run() override {
      int r = virDomainListGetStats(doms.data(), stats, &recs, flags);
      if (r < 0) return false;
      n = r;
      return true;
    }
  };
  auto owned = std::make_unique<C>();
  C *c = owned.get();
  auto self = Self<Kind::Connect>(info);
  Napi::Value a = info.Length() > 0 ? info[0] : env.Undefined();
  if (!a.IsArray())
    throw Napi::TypeError::New(env, ArgName(0, "doms") + " must be an array of Domain");
  Napi::Array arr = a.As<Napi::Array>();
  uint32_t len = arr.Length();
  if (len == 0)
    throw Napi::RangeError::New(env, ArgName(0, "doms") + " must contain at least one Domain");
  std::vector<virDomainPtr> ptrs(len);
  for (uint32_t i = 0; i < len; i++) {
    std::string what = "doms[" + std::to_string(i) + "]";
    ptrs[i] = Wrap<Kind::Domain>::Get(arr.Get(i), what.c_str());
    if (virDomainGetConnect(ptrs[i]) != self)  // no I/O: reads the domain's field
      throw Napi::RangeError::New(env, what + " belongs to another connection");
  }
  c->stats = GetFlags(info, 1, "stats");
  c->flags = GetFlags(info, 2, "flags");
  c->Hold<Kind::Connect>(self);
  c->doms.reserve(len + 1);
  for (auto p : ptrs) c->doms.push_back(c->Hold<Kind::Domain>(p));
  c->doms.push_back(nullptr);
  return Submit(env, owned.release());
}

}  // namespace

#include "../generated/manual/stats.inc"

}  // namespace vk
