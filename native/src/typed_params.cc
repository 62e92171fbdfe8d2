// virTypedParameter <-> plain JS objects keyed by field name.
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

napi_value TypedParamValue(napi_env env, const virTypedParameter &p) {
  napi_value v = nullptr;
  switch (p.type) {
    case VIR_TYPED_PARAM_INT:
      napi_create_int32(env, p.value.i, &v);
      break;
    case VIR_TYPED_PARAM_UINT:
      napi_create_uint32(env, p.value.ui, &v);
      break;
    case VIR_TYPED_PARAM_LLONG:
      napi_create_bigint_int64(env, p.value.l, &v);
      break;
    case VIR_TYPED_PARAM_ULLONG:
      napi_create_bigint_uint64(env, p.value.ul, &v);
      break;
    case VIR_TYPED_PARAM_DOUBLE:
      napi_create_double(env, p.value.d, &v);
      break;
    case VIR_TYPED_PARAM_BOOLEAN:
      napi_get_boolean(env, p.value.b != 0, &v);
      break;
    case VIR_TYPED_PARAM_STRING:
      if (p.value.s)
        napi_create_string_utf8(env, p.value.s, NAPI_AUTO_LENGTH, &v);
      else
        napi_get_null(env, &v);
      break;
    default:
      napi_get_undefined(env, &v);
  }
  return v;
}

// Field names as JS strings, per environment. Bulk stats repeat the same few
// hundred names ("state.state", "block.0.rd.bytes", ...) in every record of
// every poll; making each one a new string cost more than the values. The
// stamp marks names already set in the current object, which makes the check
// for a repeated field (VIR_TYPED_PARAM_MULTIPLE) free.
class KeyCache {
 public:
  // The strings live in one JS array (Node 20 cannot reference a string).
  explicit KeyCache(napi_env env) : env_(env), slots_(kInitial) {
    napi_value a;
    napi_create_array(env, &a);
    napi_create_reference(env, a, 1, &arr_);
  }
  ~KeyCache() {
    if (arr_) napi_delete_reference(env_, arr_);
  }
  // Per object: `arrValue_` is a handle of the caller's scope.
  void NextObject() {
    stamp_++;
    arrValue_ = nullptr;
  }
  // The key for `name` outside ParamsToJS (struct fields). The array handle
  // is fetched afresh: the caller's scope is not known. (The slot's stamp is
  // refreshed, harmlessly: ParamsToJS starts each object with a new stamp.)
  napi_value Key(const char *name, size_t len) {
    napi_value saved = arrValue_;
    arrValue_ = nullptr;
    bool seen;
    napi_value k = Get(name, len, &seen);
    arrValue_ = saved;
    return k;
  }
  // The key for `name`; *seen: set already in the current object. Null when
  // the cache is full (the caller then makes the string and checks itself).
  napi_value Get(const char *name, size_t len, bool *seen) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)name[i]) * 16777619u;
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot &s = slots_[i];
      if (!s.used) {
        if (used_ * 2 >= slots_.size()) {
          if (slots_.size() >= kMax) return nullptr;
          Grow();
          return Get(name, len, seen);
        }
        napi_value key, arr;
        if (napi_create_string_utf8(env_, name, len, &key) != napi_ok) return nullptr;
        if (napi_get_reference_value(env_, arr_, &arr) != napi_ok ||
            napi_set_element(env_, arr, static_cast<uint32_t>(used_), key) != napi_ok)
          return nullptr;
        s.used = true;
        s.index = static_cast<uint32_t>(used_);
        std::memcpy(s.name, name, len);
        s.len = static_cast<uint8_t>(len);
        s.hash = h;
        s.stamp = stamp_;
        used_++;
        *seen = false;
        return key;
      }
      if (s.hash == h && s.len == len && std::memcmp(s.name, name, len) == 0) {
        *seen = s.stamp == stamp_;
        s.stamp = stamp_;
        if (!arrValue_) napi_get_reference_value(env_, arr_, &arrValue_);
        napi_value key;
        if (napi_get_element(env_, arrValue_, s.index, &key) != napi_ok) return nullptr;
        return key;
      }
    }
  }

 private:
  struct Slot {
    char name[VIR_TYPED_PARAM_FIELD_LENGTH];
    uint8_t len = 0;
    uint32_t hash = 0;
    uint64_t stamp = 0;
    uint32_t index = 0;
    bool used = false;
  };
  static constexpr size_t kInitial = 256, kMax = 1 << 16;
  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    size_t mask = slots_.size() - 1;
    for (Slot &s : old) {
      if (!s.used) continue;
      size_t i = s.hash & mask;
      while (slots_[i].used) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }
  napi_env env_;
  napi_ref arr_ = nullptr;
  napi_value arrValue_ = nullptr;
  std::vector<Slot> slots_;
  size_t used_ = 0;
  uint64_t stamp_ = 1;
};

AddonData::~AddonData() {
  delete keys;
  DeleteParamShapes(env, paramShapes);
  for (napi_ref r : shapes)
    if (r) napi_delete_reference(env, r);
  if (restack) napi_delete_reference(env, restack);
  if (promiseThen) napi_delete_reference(env, promiseThen);
  for (auto &l : lastWrap)
    if (l.ref) napi_delete_reference(env, l.ref);
}

napi_value FieldKey(napi_env env, const char *name, size_t len) {
  AddonData *d = Data(Napi::Env(env));
  if (!d->keys) d->keys = new KeyCache(env);
  napi_value k = d->keys->Key(name, len);
  if (!k) napi_create_string_utf8(env, name, len, &k);
  return k;
}

// A repeated field (VIR_TYPED_PARAM_MULTIPLE) becomes an array.
static napi_value ParamsToJS(napi_env env, virTypedParameterPtr params, int n) {
  napi_value obj;
  napi_create_object(env, &obj);
  AddonData *d = Data(Napi::Env(env));
  if (!d->keys) d->keys = new KeyCache(env);
  d->keys->NextObject();
  for (int i = 0; i < n; i++) {
    const virTypedParameter &p = params[i];
    napi_value v = TypedParamValue(env, p);
    size_t len = strnlen(p.field, VIR_TYPED_PARAM_FIELD_LENGTH);
    bool has = false;
    napi_value key = d->keys->Get(p.field, len, &has);
    if (!key) {
      napi_create_string_utf8(env, p.field, len, &key);
      if (i > 0) napi_has_own_property(env, obj, key, &has);
    }
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
    } else if (len == 9 && std::memcmp(p.field, "__proto__", 9) == 0) {
      // An own property, as the name says; a plain set would call the
      // prototype setter and drop the value.
      napi_property_descriptor desc = {
          nullptr, key, nullptr, nullptr, nullptr, v, napi_default_jsproperty, nullptr};
      napi_define_properties(env, obj, 1, &desc);
    } else {
      napi_set_property(env, obj, key, v);
    }
  }
  return obj;
}

Napi::Object TypedParamsToJS(Napi::Env env, virTypedParameterPtr params, int n) {
  napi_value v = ParamsShaped(env, params, n);
  return Napi::Object(env, v ? v : ParamsToJS(env, params, n));
}

napi_value StatsRecordToJS(napi_env env, virTypedParameterPtr params, int n, napi_value domain) {
  static const int shape = ShapeSlot();
  napi_value kv[2] = {domain, ParamsToJS(env, params, n)};
  return MakeShaped(env, shape, "domain,params", 2, kv);
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
      if (std::trunc(d) != d)
        type = VIR_TYPED_PARAM_DOUBLE;
      else if (d < 0)
        type = VIR_TYPED_PARAM_INT;
      else if (d <= UINT32_MAX)
        type = VIR_TYPED_PARAM_UINT;
      else
        type = VIR_TYPED_PARAM_ULLONG;
    } else {
      fail("must be a number, bigint, boolean or string");
    }
  }
  const char *f = key.c_str();
  int rc = 0;
  auto num = [&](double lo, double hi) -> double {
    double d;
    if (v.IsNumber())
      d = v.As<Napi::Number>().DoubleValue();
    else if (v.IsBigInt()) {
      bool l;
      d = static_cast<double>(v.As<Napi::BigInt>().Int64Value(&l));
    } else
      fail("must be a number");
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
      } else
        x = (long long)num(-9007199254740991.0, 9007199254740991.0);
      rc = virTypedParamsAddLLong(&out.params, &out.n, &out.max, f, x);
      break;
    }
    case VIR_TYPED_PARAM_ULLONG: {
      unsigned long long x;
      if (v.IsBigInt()) {
        bool l;
        x = v.As<Napi::BigInt>().Uint64Value(&l);
        if (!l) fail("is out of range");
      } else
        x = (unsigned long long)num(0, 9007199254740991.0);
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
      rc =
          virTypedParamsAddBoolean(&out.params, &out.n, &out.max, f, v.As<Napi::Boolean>().Value());
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

// Test hook (native._typedParamsRoundTrip): JS -> virTypedParameter[] -> JS,
// so tests reach the conversion and its key cache without a driver that
// returns repeated fields.
Napi::Value TypedParamsRoundTrip(const Napi::CallbackInfo &info) {
  TypedParamsIn in;
  TypedParamsFromJS(info.Env(), info[0], "params", nullptr, in);
  return TypedParamsToJS(info.Env(), in.params, in.n);
}

}  // namespace vk
