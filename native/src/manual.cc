// Registration of the hand-written bindings (what the generator cannot
// express: callbacks, streams, lists of structs, bulk stats). Each area file
// defines its own table; this file only lists the areas.
#include "runtime.h"

namespace vk {

#define VK_AREAS(X) X(connect) X(domain) X(node) X(stats) X(events) X(stream) X(arrays)

#define VK_DECL(a)                           \
  extern const MethodDef kManual_##a[];      \
  extern const size_t kManual_##a##Count;    \
  extern const char *const kInternal_##a[];  \
  extern const size_t kInternal_##a##Count;
VK_AREAS(VK_DECL)
#undef VK_DECL

struct Table {
  const MethodDef *defs;
  const size_t *count;
  const char *const *internal;
  const size_t *internalCount;
};
extern const Table kManualTables[] = {
#define VK_ROW(a) {kManual_##a, &kManual_##a##Count, kInternal_##a, &kInternal_##a##Count},
    VK_AREAS(VK_ROW)
#undef VK_ROW
};
extern const size_t kManualTableCount = sizeof(kManualTables) / sizeof(kManualTables[0]);

// Functions used inside the runtime itself (refs, errors, event loop, typed params).
extern const char *const kInternalFunctions[] = {
    "virConnectRef", "virDomainRef", "virNetworkRef", "virNetworkPortRef", "virStoragePoolRef",
    "virStorageVolRef", "virInterfaceRef", "virNodeDeviceRef", "virSecretRef", "virNWFilterRef",
    "virNWFilterBindingRef", "virDomainSnapshotRef", "virDomainCheckpointRef", "virStreamRef",
    "virInitialize", "virSetErrorFunc", "virGetLastError", "virCopyLastError", "virResetError",
    "virResetLastError", "virGetLastErrorCode", "virEventRegisterImpl", "virEventRegisterDefaultImpl",
    "virEventRunDefaultImpl", "virTypedParamsAddInt", "virTypedParamsAddUInt",
    "virTypedParamsAddLLong", "virTypedParamsAddULLong", "virTypedParamsAddDouble",
    "virTypedParamsAddBoolean", "virTypedParamsAddString", "virTypedParamsAddStringList",
    "virTypedParamsFree", "virTypedParamsClear",
};
extern const size_t kInternalFunctionCount = sizeof(kInternalFunctions) / sizeof(kInternalFunctions[0]);

}  // namespace vk
