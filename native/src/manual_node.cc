// Hand-written bindings: node.
#include "runtime.h"
#include "results.h"

namespace vk {

extern const MethodDef kManual_node[] = {
    {0, nullptr, nullptr, nullptr, false}};
extern const size_t kManual_nodeCount = sizeof(kManual_node) / sizeof(kManual_node[0]) - 1;
extern const char *const kInternal_node[] = {nullptr};
extern const size_t kInternal_nodeCount = 0;

}  // namespace vk
