// Hand-written bindings: stats.
#include "runtime.h"
#include "results.h"

namespace vk {

extern const MethodDef kManual_stats[] = {
    {0, nullptr, nullptr, nullptr, false}};
extern const size_t kManual_statsCount = sizeof(kManual_stats) / sizeof(kManual_stats[0]) - 1;
extern const char *const kInternal_stats[] = {nullptr};
extern const size_t kInternal_statsCount = 0;

}  // namespace vk
