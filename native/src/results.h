// C results -> JS values, taking ownership of what libvirt allocated.
#pragma once
#include <cstdlib>
#include <cstring>
#include <vector>

#include "runtime.h"

namespace vk {

// A char array field of a libvirt struct: bounded, never reads past the array.
inline Napi::Value FixedStr(Napi::Env env, const char *s, size_t cap) {
  return Napi::String::New(env, s, strnlen(s, cap));
}

inline Napi::Value TakeStr(Napi::Env env, char *&s) {
  Napi::Value v = Str(env, s);
  free(s);
  s = nullptr;
  return v;
}

template <Kind K>
Napi::Value TakeObj(Napi::Env env, typename KindTraits<K>::Ptr &p) {
  auto q = p;
  p = nullptr;
  return Wrap<K>::NewOwned(env, q);
}

// Each element's reference passes to a wrapper; the array is freed.
template <Kind K>
Napi::Value ListToJS(Napi::Env env, typename KindTraits<K>::Ptr *&arr, int &n) {
  Napi::Array a = Napi::Array::New(env, n > 0 ? n : 0);
  auto *list = arr;
  int count = n;
  arr = nullptr;
  n = 0;
  for (int i = 0; i < count; i++) {
    auto p = list[i];
    list[i] = nullptr;
    a.Set(i, Wrap<K>::NewOwned(env, p));
  }
  free(list);
  return a;
}

// Frees a list of structs libvirt allocated (each with its own free function,
// then the array); idempotent.
template <typename T>
void FreeStructList(T **&list, int &n, void (*freeOne)(T *)) {
  if (list) {
    for (int i = 0; i < n; i++) freeOne(list[i]);
    free(list);
  }
  list = nullptr;
  n = 0;
}

inline Napi::Value StrListToJS(Napi::Env env, char **&arr, int &n) {
  Napi::Array a = Napi::Array::New(env, n > 0 ? n : 0);
  for (int i = 0; i < n; i++) {
    a.Set(i, Str(env, arr[i]));
    free(arr[i]);
  }
  free(arr);
  arr = nullptr;
  n = 0;
  return a;
}

inline Napi::Value StrVecToJS(Napi::Env env, std::vector<char *> &v, int &n) {
  Napi::Array a = Napi::Array::New(env, n > 0 ? n : 0);
  for (int i = 0; i < n; i++) {
    a.Set(i, Str(env, v[i]));
    free(v[i]);
    v[i] = nullptr;
  }
  n = 0;
  return a;
}

inline Napi::Value IntVecToJS(Napi::Env env, std::vector<int> &v, int &n) {
  Napi::Array a = Napi::Array::New(env, n > 0 ? n : 0);
  for (int i = 0; i < n; i++) a.Set(i, Napi::Number::New(env, v[i]));
  return a;
}

}  // namespace vk
