// Registration table of the hand-written bindings (DESIGN: the generator
// cannot express callbacks, streams, lists of structs, bulk stats).
#include "runtime.h"

namespace vk {

extern const MethodDef kManualMethods[] = {
    {0, nullptr, nullptr, nullptr, false}};
extern const size_t kManualMethodCount = 0;

extern const char *const kInternalFunctions[] = {
    "virConnectRef", "virDomainRef", "virNetworkRef", "virNetworkPortRef", "virStoragePoolRef",
    "virStorageVolRef", "virInterfaceRef", "virNodeDeviceRef", "virSecretRef", "virNWFilterRef",
    "virNWFilterBindingRef", "virDomainSnapshotRef", "virDomainCheckpointRef", "virStreamRef",
};
extern const size_t kInternalFunctionCount = sizeof(kInternalFunctions) / sizeof(kInternalFunctions[0]);

}  // namespace vk
