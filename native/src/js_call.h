// Calling a JS function from a pool thread and waiting for its answer (for the
// C callback APIs that must return a value: stream handlers, auth).
#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime.h"

namespace vk {

struct JsWaitState;

// Lets a later JS-thread call end a CallJsAndWait early: a stream aborted,
// finished or freed while its *All handler's Promise is still pending would
// otherwise park a pool thread and the *All Promise forever.
class WaitCancel {
 public:
  // JS thread. Idempotent; a result already being taken wins over the cancel.
  void Cancel(const std::string &why);

 private:
  friend bool CallJsAndWait(const std::shared_ptr<EnvQueue> &, napi_ref,
                            std::function<std::vector<napi_value>(Napi::Env)>,
                            std::function<bool(Napi::Env, Napi::Value, std::string *)>,
                            std::string *, WaitCancel *);
  std::mutex mu_;
  bool cancelled_ = false;
  std::string why_;
  std::shared_ptr<JsWaitState> current_;
};

// Runs `fn` on the JS thread of `queue` with the arguments `args` builds, waits
// for the result (and for a returned Promise to settle) and hands it to `take`
// on the JS thread. False when the callback threw or rejected (`*err` gets the
// message), `take` refused the value, the environment went away or `cancel`
// (optional) was cancelled.
bool CallJsAndWait(const std::shared_ptr<EnvQueue> &queue, napi_ref fn,
                   std::function<std::vector<napi_value>(Napi::Env)> args,
                   std::function<bool(Napi::Env, Napi::Value, std::string *)> take,
                   std::string *err, WaitCancel *cancel = nullptr);

}  // namespace vk
