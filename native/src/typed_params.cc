// virTypedParameter <-> plain JS objects (DESIGN rule 7).
#include <cmath>
#include <cstring>

#include "runtime.h"

namespace vk {

struct HintEntry {
  const char *family;
  const char *field;
  int type;
};
extern const HintEntry kTypedParamHints[];  // generated from the XML's macros
extern const size_t kTypedParamHintCount;

int TypedParamHint(const char *family, const std::string &field) {
  if (!family) return -1;
  size_t fl = std::strlen(family);
  for (size_t i = 0; i < kTypedParamHintCount; i++) {
    const HintEntry &h = kTypedParamHints[i];
    if (std::strncmp(h.family, family, fl) == 0 && field == h.field) return h.type;
  }
  return -1;
}

static napi_value OneParam(napi_env env, const virTypedParameter &p) {
  napi_value v = nullptr;
  switch (p.type) {
    case VIR_TYPED_PARAM_INT: napi_create_int32(env, p.value.i, &v); break;
    case VIR_TYPED_PARAM_UINT: napi_create_uint32(env, p.value.ui, &v); break;
    case VIR_TYPED_PARAM_LLONG: napi_create_bigint_int64(env, p.value.l, &v); break;
    case VIR_TYPED_PARAM_ULLONG: napi_create_bigint_uint64(env, p.value.ul, &v); break;
    case VIR_TYPED_PARAM_DOUBLE: napi_create_double(env, p.value.d, &v); break;
    case VIR_TYPED_PARAM_BOOLEAN: napi_get_boolean(env, p.value.b != 0, &v); break;
    case VIR_TYPED_PARAM_STRING:
      if (p.value.s)
        napi_create_string_utf8(env, p.value.s, NAPI_AUTO_LENGTH, &v);
      else
        napi_get_null(env, &v);
      break;
    default: napi_get_undefined(env, &v);
  }
  return v;
}

// A repeated field (VIR_TYPED_PARAM_MULTIPLE) becomes an array. The repeat
// check is a hash lookup on the object, so records with hundreds of fields
// (bulk stats) stay linear.
static napi_value ParamsToJS(napi_env env, virTypedParameterPtr params, int n) {
  napi_value obj;
  napi_create_object(env, &obj);
  for (int i = 0; i < n; i++) {
    const virTypedParameter &p = params[i];
    napi_value key, v = OneParam(env, p);
    size_t len = strnlen(p.field, VIR_TYPED_PARAM_FIELD_LENGTH);
    napi_create_string_utf8(env, p.field, len, &key);
    bool has = false;
    if (i > 0) napi_has_own_property(env, obj, key, &has);
    if (has) {
      napi_value prev, arr;
      napi_get_property(env, obj, key, &prev);
      bool isArr = false;
      napi_is_array(env, prev, &isArr);
      uint32_t at = 1;
      if (isArr) {
        arr = prev;
        napi_get_array_length(env, arr, &at);
      } else {
        napi_create_array(env, &arr);
        napi_set_element(env, arr, 0, prev);
        napi_set_property(env, obj, key, arr);
      }
      napi_set_element(env, arr, at, v);
    } else {
      napi_set_property(env, obj, key, v);
    }
  }
  return obj;
}

Napi::Object TypedParamsToJS(Napi::Env env, virTypedParameterPtr params, int n) {
  return Napi::Object(env, ParamsToJS(env, params, n));
}

TypedParamsIn::~TypedParamsIn() {
  if (params) virTypedParamsFree(params, n);
}

static int TypeByName(const std::string &s) {
  if (s == "int") return VIR_TYPED_PARAM_INT;
  if (s == "uint") return VIR_TYPED_PARAM_UINT;
  if (s == "llong") return VIR_TYPED_PARAM_LLONG;
  if (s == "ullong") return VIR_TYPED_PARAM_ULLONG;
  if (s == "double") return VIR_TYPED_PARAM_DOUBLE;
  if (s == "boolean") return VIR_TYPED_PARAM_BOOLEAN;
  if (s == "string") return VIR_TYPED_PARAM_STRING;
  return -1;
}

static void AddOne(Napi::Env env, const std::string &key, Napi::Value v, int type,
                   TypedParamsIn &out, const std::string &where) {
  auto fail = [&](const char *what) {
    throw Napi::TypeError::New(env, where + "." + key + " " + what);
  };
  if (key.size() >= VIR_TYPED_PARAM_FIELD_LENGTH) fail("is too long a field name");
  if (type < 0) {
    if (v.IsBigInt()) {
      bool lossless;
      v.As<Napi::BigInt>().Int64Value(&lossless);
      type = lossless && v.As<Napi::BigInt>().Int64Value(&lossless) < 0 ? VIR_TYPED_PARAM_LLONG
                                                                         : VIR_TYPED_PARAM_ULLONG;
    } else if (v.IsBoolean()) {
      type = VIR_TYPED_PARAM_BOOLEAN;
    } else if (v.IsString()) {
      type = VIR_TYPED_PARAM_STRING;
    } else if (v.IsNumber()) {
      double d = v.As<Napi::Number>().DoubleValue();
      if (std::trunc(d) != d) type = VIR_TYPED_PARAM_DOUBLE;
      else if (d < 0) type = VIR_TYPED_PARAM_INT;
      else if (d <= UINT32_MAX) type = VIR_TYPED_PARAM_UINT;
      else type = VIR_TYPED_PARAM_ULLONG;
    } else {
      fail("must be a number, bigint, boolean or string");
    }
  }
  const char *f = key.c_str();
  int rc = 0;
  auto num = [&](double lo, double hi) -> double {
    double d;
    if (v.IsNumber()) d = v.As<Napi::Number>().DoubleValue();
    else if (v.IsBigInt()) {
      bool l;
      d = static_cast<double>(v.As<Napi::BigInt>().Int64Value(&l));
    } else fail("must be a number");
    if (!std::isfinite(d) || std::trunc(d) != d || d < lo || d > hi) fail("is out of range");
    return d;
  };
  switch (type) {
    case VIR_TYPED_PARAM_INT:
      rc = virTypedParamsAddInt(&out.params, &out.n, &out.max, f, (int)num(INT32_MIN, INT32_MAX));
      break;
    case VIR_TYPED_PARAM_UINT:
      rc = virTypedParamsAddUInt(&out.params, &out.n, &out.max, f, (unsigned)num(0, UINT32_MAX));
      break;
    case VIR_TYPED_PARAM_LLONG: {
      long long x;
      if (v.IsBigInt()) {
        bool l;
        x = v.As<Napi::BigInt>().Int64Value(&l);
        if (!l) fail("is out of range");
      } else x = (long long)num(-9007199254740991.0, 9007199254740991.0);
      rc = virTypedParamsAddLLong(&out.params, &out.n, &out.max, f, x);
      break;
    }
    case VIR_TYPED_PARAM_ULLONG: {
      unsigned long long x;
      if (v.IsBigInt()) {
        bool l;
        x = v.As<Napi::BigInt>().Uint64Value(&l);
        if (!l) fail("is out of range");
      } else x = (unsigned long long)num(0, 9007199254740991.0);
      rc = virTypedParamsAddULLong(&out.params, &out.n, &out.max, f, x);
      break;
    }
    case VIR_TYPED_PARAM_DOUBLE:
      if (!v.IsNumber()) fail("must be a number");
      rc = virTypedParamsAddDouble(&out.params, &out.n, &out.max, f,
                                   v.As<Napi::Number>().DoubleValue());
      break;
    case VIR_TYPED_PARAM_BOOLEAN:
      if (!v.IsBoolean()) fail("must be a boolean");
      rc = virTypedParamsAddBoolean(&out.params, &out.n, &out.max, f, v.As<Napi::Boolean>().Value());
      break;
    case VIR_TYPED_PARAM_STRING: {
      if (!v.IsString()) fail("must be a string");
      std::string s = v.As<Napi::String>().Utf8Value();
      if (s.find('\0') != std::string::npos) fail("must not contain NUL characters");
      rc = virTypedParamsAddString(&out.params, &out.n, &out.max, f, s.c_str());
      break;
    }
    default:
      fail("has an unknown type");
  }
  if (rc < 0) ThrowLibvirt(env);
}

void TypedParamsFromJS(Napi::Env env, Napi::Value v, const char *name, const char *family,
                       TypedParamsIn &out) {
  std::string where = name;
  if (v.IsUndefined() || v.IsNull()) return;
  if (!v.IsObject() || v.IsArray())
    throw Napi::TypeError::New(env, where + " must be a plain object of typed parameters");
  Napi::Object o = v.As<Napi::Object>();
  Napi::Array keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); i++) {
    std::string key = keys.Get(i).As<Napi::String>().Utf8Value();
    Napi::Value val = o.Get(key);
    int hint = TypedParamHint(family, key);
    auto addValue = [&](Napi::Value x) {
      // {type: 'ullong', value: 1n} names the type explicitly.
      if (x.IsObject() && !x.IsArray() && x.As<Napi::Object>().Has("type")) {
        Napi::Value t = x.As<Napi::Object>().Get("type");
        int ty = t.IsString() ? TypeByName(t.As<Napi::String>().Utf8Value()) : -1;
        if (ty < 0)
          throw Napi::TypeError::New(env, where + "." + key +
                                              ".type must be one of int, uint, llong, ullong, "
                                              "double, boolean, string");
        AddOne(env, key, x.As<Napi::Object>().Get("value"), ty, out, where);
      } else {
        AddOne(env, key, x, hint, out, where);
      }
    };
    if (val.IsArray()) {
      Napi::Array a = val.As<Napi::Array>();
      for (uint32_t k = 0; k < a.Length(); k++) addValue(a.Get(k));
    } else {
      addValue(val);
    }
  }
}

}  // namespace vk
