// Hand-written bindings: domain.
#include "runtime.h"
#include "results.h"

namespace vk {

extern const MethodDef kManual_domain[] = {
    {0, nullptr, nullptr, nullptr, false}};
extern const size_t kManual_domainCount = sizeof(kManual_domain) / sizeof(kManual_domain[0]) - 1;
extern const char *const kInternal_domain[] = {nullptr};
extern const size_t kInternal_domainCount = 0;

}  // namespace vk
