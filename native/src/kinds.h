// The libvirt object kinds wrapped as JS classes, with their ref/free functions.
#pragma once
#include <libvirt/libvirt.h>

// X(JsName, CType, RefFn, FreeFn)
#define VK_KINDS(X)                                                              \
  X(Connect, virConnectPtr, virConnectRef, virConnectClose)                      \
  X(Domain, virDomainPtr, virDomainRef, virDomainFree)                           \
  X(Network, virNetworkPtr, virNetworkRef, virNetworkFree)                       \
  X(NetworkPort, virNetworkPortPtr, virNetworkPortRef, virNetworkPortFree)       \
  X(StoragePool, virStoragePoolPtr, virStoragePoolRef, virStoragePoolFree)       \
  X(StorageVol, virStorageVolPtr, virStorageVolRef, virStorageVolFree)           \
  X(Interface, virInterfacePtr, virInterfaceRef, virInterfaceFree)               \
  X(NodeDevice, virNodeDevicePtr, virNodeDeviceRef, virNodeDeviceFree)           \
  X(Secret, virSecretPtr, virSecretRef, virSecretFree)                           \
  X(NWFilter, virNWFilterPtr, virNWFilterRef, virNWFilterFree)                   \
  X(NWFilterBinding, virNWFilterBindingPtr, virNWFilterBindingRef,               \
    virNWFilterBindingFree)                                                      \
  X(DomainSnapshot, virDomainSnapshotPtr, virDomainSnapshotRef,                  \
    virDomainSnapshotFree)                                                       \
  X(DomainCheckpoint, virDomainCheckpointPtr, virDomainCheckpointRef,            \
    virDomainCheckpointFree)                                                     \
  X(Stream, virStreamPtr, virStreamRef, virStreamFree)

enum class Kind {
#define VK_ENUM(N, T, R, F) N,
  VK_KINDS(VK_ENUM)
#undef VK_ENUM
      Count
};

template <Kind K> struct KindTraits;
#define VK_TRAITS(N, T, R, F)                                                    \
  template <> struct KindTraits<Kind::N> {                                       \
    using Ptr = T;                                                               \
    static constexpr const char *name = #N;                                      \
    static int Ref(T p) { return R(p); }                                         \
    static int Free(T p) { return F(p); }                                        \
  };
VK_KINDS(VK_TRAITS)
#undef VK_TRAITS
