// Hand-written bindings: stream.
#include "runtime.h"
#include "results.h"

namespace vk {

extern const MethodDef kManual_stream[] = {
    {0, nullptr, nullptr, nullptr, false}};
extern const size_t kManual_streamCount = sizeof(kManual_stream) / sizeof(kManual_stream[0]) - 1;
extern const char *const kInternal_stream[] = {nullptr};
extern const size_t kInternal_streamCount = 0;

}  // namespace vk
