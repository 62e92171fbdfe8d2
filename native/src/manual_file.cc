// virtkit's own file helpers for lib/ (not libvirt functions).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "results.h"
#include "runtime.h"

namespace vk {

namespace {

// _fileExtents(path): [[offset, length, isData], ...] from SEEK_DATA/SEEK_HOLE,
// so sparse uploads skip holes without reading them (what virsh does through
// libvirt's virFileInData). Not a libvirt function: a helper for lib/.
Napi::Value FileExtents(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  CheckArgCount(info, 1, "_fileExtents");
  struct C : Call {
    std::string path;
    std::vector<std::pair<long long, long long>> data;  // (offset, length) of data
    long long size = 0;
    bool Run() override {
      int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        err.SetMessage("cannot open " + path + ": " + strerror(errno), VIR_ERR_SYSTEM_ERROR);
        return false;
      }
      size = lseek(fd, 0, SEEK_END);
      long long pos = 0;
      while (pos < size) {
        long long d = lseek(fd, pos, SEEK_DATA);
        if (d < 0) break;  // ENXIO: only a hole remains
        long long h = lseek(fd, d, SEEK_HOLE);
        if (h < 0) h = size;
        data.emplace_back(d, h - d);
        pos = h;
      }
      close(fd);
      return size >= 0;
    }
    Napi::Value Done(Napi::Env env) override {
      Napi::Array a = Napi::Array::New(env);
      uint32_t k = 0;
      long long pos = 0;
      auto add = [&](long long off, long long len, bool isData) {
        if (len <= 0) return;
        Napi::Array e = Napi::Array::New(env, 3);
        e.Set(0u, Napi::Number::New(env, (double)off));
        e.Set(1u, Napi::Number::New(env, (double)len));
        e.Set(2u, Napi::Boolean::New(env, isData));
        a.Set(k++, e);
      };
      for (auto &d : data) {
        add(pos, d.first - pos, false);
        add(d.first, d.second, true);
        pos = d.first + d.second;
      }
      add(pos, size - pos, false);
      return a;
    }
  };
  auto c = std::make_unique<C>();
  c->path = GetString(info, 0, "path");
  return Submit(env, c.release());
}

}  // namespace

#include "../generated/manual/file.inc"

}  // namespace vk
