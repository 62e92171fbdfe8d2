// Objects of a fixed shape (C structs, calls with several results), made by a
// JS function `(a0, ...) => ({f0: a0, ...})` compiled once per environment.
// V8 builds the literal with its final map at once; setting the properties
// from C walks one map transition and one key lookup per field, which cost
// more than the rest of an awaited getInfo (perf: 30% of the JS thread).
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "runtime.h"

namespace vk {

int ShapeSlot() {
  static std::atomic<int> next{0};
  return next++;
}

bool ScriptsAllowed() {
  // VIRTKIT_NO_SCRIPTS=1: never compile JS from the addon (for an embedder that
  // forbids it, and for the tests of the paths taken without it).
  static const bool allowed = !std::getenv("VIRTKIT_NO_SCRIPTS");
  return allowed;
}

static napi_value Maker(napi_env env, AddonData *d, int slot, const char *fields, size_t argc) {
  if (!ScriptsAllowed()) return nullptr;
  if (d->shapes.size() <= static_cast<size_t>(slot)) d->shapes.resize(slot + 1, nullptr);
  napi_value fn = nullptr;
  if (d->shapes[slot]) {
    napi_get_reference_value(env, d->shapes[slot], &fn);
    return fn;
  }
  // Field names are C identifiers from libvirt's headers: safe as source text.
  std::string src = "(function(", body;
  const char *p = fields;
  for (size_t i = 0; i < argc; i++) {
    const char *end = std::strchr(p, ',');
    size_t len = end ? static_cast<size_t>(end - p) : std::strlen(p);
    std::string arg = "a" + std::to_string(i);
    src += (i ? "," : "") + arg;
    body += (i ? "," : "") + std::string(p, len) + ":" + arg;
    p = end ? end + 1 : p + len;
  }
  src += "){return {" + body + "}})";
  napi_value script;
  if (napi_create_string_utf8(env, src.data(), src.size(), &script) != napi_ok ||
      napi_run_script(env, script, &fn) != napi_ok) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    return nullptr;
  }
  napi_create_reference(env, fn, 1, &d->shapes[slot]);
  return fn;
}

napi_value MakeShaped(napi_env env, int slot, const char *fields, size_t argc,
                      const napi_value *argv) {
  AddonData *d = Data(Napi::Env(env));
  napi_value fn = Maker(env, d, slot, fields, argc), undef, obj;
  napi_get_undefined(env, &undef);
  if (fn && napi_call_function(env, undef, fn, argc, argv, &obj) == napi_ok) return obj;
  // No maker (script compilation refused): the same object, property by property.
  napi_create_object(env, &obj);
  const char *p = fields;
  for (size_t i = 0; i < argc; i++) {
    const char *end = std::strchr(p, ',');
    size_t len = end ? static_cast<size_t>(end - p) : std::strlen(p);
    napi_set_property(env, obj, FieldKey(env, p, len), argv[i]);
    p = end ? end + 1 : p + len;
  }
  return obj;
}

}  // namespace vk
