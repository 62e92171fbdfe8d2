// libvirt errors -> LibvirtError (the class itself is defined in lib/errors.ts).
#include "runtime.h"

namespace vk {

void ErrorInfo::Capture() {
  set = true;
  if (virGetLastError() == nullptr) {
    SetMessage("libvirt call failed without reporting an error");
    return;
  }
  // A copy, so nothing later on this thread can change what we report.
  virError e{};
  virCopyLastError(&e);
  code = e.code;
  domain = e.domain;
  level = e.level;
  int1 = e.int1;
  int2 = e.int2;
  message = e.message ? e.message : "";
  if ((hasStr1 = e.str1 != nullptr)) str1 = e.str1;
  if ((hasStr2 = e.str2 != nullptr)) str2 = e.str2;
  if ((hasStr3 = e.str3 != nullptr)) str3 = e.str3;
  virResetError(&e);
}

void ErrorInfo::SetMessage(const std::string &m, int c) {
  set = true;
  code = c;
  domain = VIR_FROM_NONE;
  level = VIR_ERR_ERROR;
  message = m;
}

Napi::Value MakeError(Napi::Env env, const ErrorInfo &e, napi_value stack) {
  AddonData *d = Data(env);
  Napi::Object fields = Napi::Object::New(env);
  fields.Set("message", e.message);
  fields.Set("code", e.code);
  fields.Set("domain", e.domain);
  fields.Set("level", e.level);
  fields.Set("str1", e.hasStr1 ? Napi::Value(Napi::String::New(env, e.str1)) : env.Null());
  fields.Set("str2", e.hasStr2 ? Napi::Value(Napi::String::New(env, e.str2)) : env.Null());
  fields.Set("str3", e.hasStr3 ? Napi::Value(Napi::String::New(env, e.str3)) : env.Null());
  fields.Set("int1", e.int1);
  fields.Set("int2", e.int2);
  if (d->errorCtor.IsEmpty()) return Napi::Error::New(env, e.message).Value();
  return d->errorCtor.New({fields, stack ? Napi::Value(env, stack) : env.Undefined()});
}

void ThrowLibvirt(Napi::Env env) {
  ErrorInfo e;
  e.Capture();
  throw Napi::Error(env, MakeError(env, e, nullptr));
}

FreedError UsageError(Napi::Env env, const std::string &msg) {
  ErrorInfo e;
  e.SetMessage(msg, VIR_ERR_INVALID_ARG);
  Napi::Value v = MakeError(env, e, nullptr);
  v.As<Napi::Object>().Set("virtkitCode", "ERR_OBJECT_FREED");
  return FreedError(env, v);
}

}  // namespace vk
