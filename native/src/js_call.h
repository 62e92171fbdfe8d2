// Calling a JS function from a pool thread and waiting for its answer (for the
// C callback APIs that must return a value: stream handlers, auth).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "runtime.h"

namespace vk {

// Runs `fn` on the JS thread of `queue` with the arguments `args` builds, waits
// for the result (and for a returned Promise to settle) and hands it to `take`
// on the JS thread. False when the callback threw or rejected (`*err` gets the
// message), `take` refused the value, or the environment went away.
bool CallJsAndWait(const std::shared_ptr<EnvQueue> &queue, napi_ref fn,
                   std::function<std::vector<napi_value>(Napi::Env)> args,
                   std::function<bool(Napi::Env, Napi::Value, std::string *)> take,
                   std::string *err);

}  // namespace vk
