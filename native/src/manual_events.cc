// Hand-written bindings: events.
#include "runtime.h"
#include "results.h"

namespace vk {

extern const MethodDef kManual_events[] = {
    {0, nullptr, nullptr, nullptr, false}};
extern const size_t kManual_eventsCount = sizeof(kManual_events) / sizeof(kManual_events[0]) - 1;
extern const char *const kInternal_events[] = {nullptr};
extern const size_t kInternal_eventsCount = 0;

}  // namespace vk
