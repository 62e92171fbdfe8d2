// Hand-written bindings: Network calls whose results the generator cannot express
// (the DHCP lease structs).
#include "runtime.h"
#include "results.h"
#include "struct_list.h"

namespace vk {

namespace {

Napi::Value LeaseToJS(Napi::Env env, const virNetworkDHCPLease &l) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("iface", Str(env, l.iface));
  o.Set("expirytime", BigS(env, l.expirytime));
  o.Set("type", Napi::Number::New(env, l.type));
  o.Set("mac", Str(env, l.mac));
  o.Set("iaid", Str(env, l.iaid));
  o.Set("ipaddr", Str(env, l.ipaddr));
  o.Set("prefix", Napi::Number::New(env, l.prefix));
  o.Set("hostname", Str(env, l.hostname));
  o.Set("clientid", Str(env, l.clientid));
  return o;
}

Napi::Value NetworkGetDHCPLeases(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 2, "Network#getDHCPLeases");
  auto self = Self<Kind::Network>(info);
  bool macNull = true;
  std::string mac = GetStringOrNull(info, 0, "mac", macNull);
  unsigned int flags = GetFlags(info, 1, "flags");
  auto c =
      std::make_unique<StructListCall<virNetworkDHCPLease>>(virNetworkDHCPLeaseFree, LeaseToJS);
  virNetworkPtr net = c->Hold<Kind::Network>(self);
  c->fetch = [net, mac, macNull, flags](virNetworkDHCPLeasePtr **list) {
    return virNetworkGetDHCPLeases(net, macNull ? nullptr : mac.c_str(), list, flags);
  };
  return Submit(env, c.release());
}

}  // namespace

#include "../generated/manual/network.inc"

}  // namespace vk
