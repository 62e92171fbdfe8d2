// Hand-written bindings: connect.
#include "runtime.h"
#include "results.h"

namespace vk {

extern const MethodDef kManual_connect[] = {
    {0, nullptr, nullptr, nullptr, false}};
extern const size_t kManual_connectCount = sizeof(kManual_connect) / sizeof(kManual_connect[0]) - 1;
extern const char *const kInternal_connect[] = {nullptr};
extern const size_t kInternal_connectCount = 0;

}  // namespace vk
