// A call whose result is an array of structs that libvirt allocates, each freed by
// its own function (virDomainGetFSInfo, virDomainGetIOThreadInfo,
// virDomainInterfaceAddresses, virNetworkGetDHCPLeases): the binding says how to
// fetch the list on the pool thread and how one element looks in JS.
#pragma once
#include <functional>

#include "results.h"
#include "runtime.h"

namespace vk {

template <typename T>
struct StructListCall : Call {
  using ToJS = Napi::Value (*)(Napi::Env, const T &);
  StructListCall(void (*freeOne)(T *), ToJS toJS) : freeOne_(freeOne), toJS_(toJS) {}
  // Pool thread: stores the list, returns its length or -1. References it needs
  // are taken with Hold() before the call is submitted.
  std::function<int(T ***)> fetch;
  bool Run() override {
    n_ = fetch(&list_);
    if (n_ < 0) {
      n_ = 0;
      return false;
    }
    return true;
  }
  Napi::Value Done(Napi::Env env) override {
    Napi::Array a = Napi::Array::New(env, n_);
    for (int i = 0; i < n_; i++) a.Set(i, toJS_(env, *list_[i]));
    Discard();
    return a;
  }
  void Discard() override { FreeStructList(list_, n_, freeOne_); }

 private:
  void (*freeOne_)(T *);
  ToJS toJS_;
  T **list_ = nullptr;
  int n_ = 0;
};

}  // namespace vk
