// JS -> C argument conversion. Every check throws before any C call is made.
#include <cmath>
#include <cstring>
#include <limits>

#include "runtime.h"

namespace vk {

std::string ArgName(size_t i, const char *name) {
  return std::string("argument ") + std::to_string(i + 1) + " (" + name + ")";
}

static Napi::Value At(const Napi::CallbackInfo &info, size_t i) {
  return i < info.Length() ? info[i] : info.Env().Undefined();
}

void CheckArgCount(const Napi::CallbackInfo &info, size_t max, const char *fn) {
  if (info.Length() > max)
    throw Napi::TypeError::New(info.Env(), std::string(fn) + " takes at most " +
                                               std::to_string(max) + " argument(s), got " +
                                               std::to_string(info.Length()));
}

std::string GetString(const Napi::CallbackInfo &info, size_t i, const char *name) {
  Napi::Value v = At(info, i);
  if (!v.IsString()) throw Napi::TypeError::New(info.Env(), ArgName(i, name) + " must be a string");
  std::string s = v.As<Napi::String>().Utf8Value();
  if (s.find('\0') != std::string::npos)
    throw Napi::TypeError::New(info.Env(), ArgName(i, name) + " must not contain NUL characters");
  return s;
}

std::string GetStringOrNull(const Napi::CallbackInfo &info, size_t i, const char *name,
                            bool &isNull) {
  Napi::Value v = At(info, i);
  isNull = v.IsNull() || v.IsUndefined();
  if (isNull) return std::string();
  if (!v.IsString())
    throw Napi::TypeError::New(info.Env(), ArgName(i, name) + " must be a string or null");
  return GetString(info, i, name);
}

static double GetNumber(const Napi::CallbackInfo &info, size_t i, const char *name, double lo,
                        double hi) {
  Napi::Value v = At(info, i);
  double d;
  if (v.IsNumber()) {
    d = v.As<Napi::Number>().DoubleValue();
  } else if (v.IsBigInt()) {
    bool lossless;
    int64_t x = v.As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(info.Env(), ArgName(i, name) + " is out of range");
    d = static_cast<double>(x);
  } else {
    throw Napi::TypeError::New(info.Env(), ArgName(i, name) + " must be a number");
  }
  if (!std::isfinite(d) || std::trunc(d) != d)
    throw Napi::RangeError::New(info.Env(), ArgName(i, name) + " must be an integer");
  if (d < lo || d > hi)
    throw Napi::RangeError::New(info.Env(), ArgName(i, name) + " is out of range");
  return d;
}

int32_t GetInt(const Napi::CallbackInfo &info, size_t i, const char *name) {
  return static_cast<int32_t>(GetNumber(info, i, name, INT32_MIN, INT32_MAX));
}
uint32_t GetUInt(const Napi::CallbackInfo &info, size_t i, const char *name) {
  return static_cast<uint32_t>(GetNumber(info, i, name, 0, UINT32_MAX));
}
uint32_t GetFlags(const Napi::CallbackInfo &info, size_t i, const char *name) {
  if (i >= info.Length() || info[i].IsUndefined()) return 0;
  return GetUInt(info, i, name);
}
long GetLong(const Napi::CallbackInfo &info, size_t i, const char *name) {
  return static_cast<long>(GetLLong(info, i, name));
}
unsigned long GetULong(const Napi::CallbackInfo &info, size_t i, const char *name) {
  return static_cast<unsigned long>(GetULLong(info, i, name));
}

long long GetLLong(const Napi::CallbackInfo &info, size_t i, const char *name) {
  Napi::Value v = At(info, i);
  if (v.IsBigInt()) {
    bool lossless;
    int64_t x = v.As<Napi::BigInt>().Int64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(info.Env(), ArgName(i, name) + " is out of range");
    return x;
  }
  return static_cast<long long>(GetNumber(info, i, name, -9007199254740991.0, 9007199254740991.0));
}

unsigned long long GetULLong(const Napi::CallbackInfo &info, size_t i, const char *name) {
  Napi::Value v = At(info, i);
  if (v.IsBigInt()) {
    bool lossless;
    uint64_t x = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(info.Env(), ArgName(i, name) + " is out of range");
    return x;
  }
  return static_cast<unsigned long long>(GetNumber(info, i, name, 0, 9007199254740991.0));
}

double GetDouble(const Napi::CallbackInfo &info, size_t i, const char *name) {
  Napi::Value v = At(info, i);
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), ArgName(i, name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (std::isnan(d)) throw Napi::RangeError::New(info.Env(), ArgName(i, name) + " must not be NaN");
  return d;
}

bool GetBool(const Napi::CallbackInfo &info, size_t i, const char *name) {
  Napi::Value v = At(info, i);
  if (!v.IsBoolean())
    throw Napi::TypeError::New(info.Env(), ArgName(i, name) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::vector<std::string> GetStringArray(const Napi::CallbackInfo &info, size_t i,
                                        const char *name) {
  Napi::Value v = At(info, i);
  if (!v.IsArray())
    throw Napi::TypeError::New(info.Env(), ArgName(i, name) + " must be an array of strings");
  Napi::Array a = v.As<Napi::Array>();
  std::vector<std::string> out;
  out.reserve(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) {
    Napi::Value e = a.Get(k);
    if (!e.IsString())
      throw Napi::TypeError::New(info.Env(), ArgName(i, name) + " must be an array of strings");
    out.push_back(e.As<Napi::String>().Utf8Value());
  }
  return out;
}

std::vector<unsigned char> GetBytes(const Napi::CallbackInfo &info, size_t i, const char *name) {
  Napi::Value v = At(info, i);
  if (v.IsDataView()) {
    auto dv = v.As<Napi::DataView>();
    auto *p = static_cast<unsigned char *>(dv.ArrayBuffer().Data()) + dv.ByteOffset();
    return std::vector<unsigned char>(p, p + dv.ByteLength());
  }
  if (v.IsTypedArray()) {
    auto t = v.As<Napi::TypedArray>();
    auto *p = static_cast<unsigned char *>(t.ArrayBuffer().Data()) + t.ByteOffset();
    return std::vector<unsigned char>(p, p + t.ByteLength());
  }
  if (v.IsArrayBuffer()) {
    auto ab = v.As<Napi::ArrayBuffer>();
    auto *p = static_cast<unsigned char *>(ab.Data());
    return std::vector<unsigned char>(p, p + ab.ByteLength());
  }
  if (v.IsString()) {
    std::string s = v.As<Napi::String>().Utf8Value();
    return std::vector<unsigned char>(s.begin(), s.end());
  }
  throw Napi::TypeError::New(
      info.Env(),
      ArgName(i, name) + " must be a Buffer, TypedArray, DataView, ArrayBuffer or string");
}

std::vector<const char *> CStrs(const std::vector<std::string> &v) {
  std::vector<const char *> out;
  out.reserve(v.size());
  for (auto &s : v) out.push_back(s.c_str());
  return out;
}

Napi::Value Str(Napi::Env env, const char *s) {
  return s ? Napi::Value(Napi::String::New(env, s)) : env.Null();
}
Napi::Value BigU(Napi::Env env, unsigned long long v) {
  return Napi::BigInt::New(env, static_cast<uint64_t>(v));
}
Napi::Value BigS(Napi::Env env, long long v) {
  return Napi::BigInt::New(env, static_cast<int64_t>(v));
}

}  // namespace vk
