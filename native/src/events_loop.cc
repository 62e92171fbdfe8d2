// libvirt's event loop: the default implementation, run on a dedicated thread.
//
// Why not an implementation on libuv: libvirt adds, updates and removes handles
// and timers from any thread, while libuv is single-threaded per loop; and with
// several Node environments (worker_threads) in one process there is no single
// loop to pick. libvirt's own implementation is thread-safe, defers free
// callbacks out of remove calls, and is what virsh and libvirt-python's default
// use. Callbacks reach JS through each environment's completion queue.
#include <thread>

#include "runtime.h"

namespace vk {

void StartEventLoop() {
  if (virEventRegisterDefaultImpl() < 0) return;
  std::thread([] {
    for (;;) {
      if (virEventRunDefaultImpl() < 0) {
        // Only fails on a broken poll set; avoid a hot loop.
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }).detach();
}

}  // namespace vk
