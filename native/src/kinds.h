// The libvirt object kinds wrapped as JS classes, with their ref/free functions.
#pragma once
#include <libvirt/libvirt.h>

// VK_KINDS(X): X(JsName, CType, RefFn, FreeFn) for each class, from the
// generator's class list.
#include "../generated/kinds.inc"

enum class Kind {
#define VK_ENUM(N, T, R, F) N,
  VK_KINDS(VK_ENUM)
#undef VK_ENUM
      Count
};

template <Kind K>
struct KindTraits;
#define VK_TRAITS(N, T, R, F)               \
  template <>                               \
  struct KindTraits<Kind::N> {              \
    using Ptr = T;                          \
    static constexpr const char *name = #N; \
    static int Ref(T p) { return R(p); }    \
    static int Free(T p) { return F(p); }   \
  };
VK_KINDS(VK_TRAITS)
#undef VK_TRAITS
