// Objects of a fixed shape (C structs, calls with several results), made by a
// JS function `(a0, ...) => ({f0: a0, ...})` compiled once per environment.
// V8 builds the literal with its final map at once; setting the properties
// from C walks one map transition and one key lookup per field, which cost
// more than the rest of an awaited getInfo (perf: 30% of the JS thread).
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

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

napi_ref CompileFunction(napi_env env, const std::string &src) {
  napi_value script, fn;
  napi_ref ref = nullptr;
  if (!ScriptsAllowed() ||
      napi_create_string_utf8(env, src.data(), src.size(), &script) != napi_ok ||
      napi_run_script(env, script, &fn) != napi_ok) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    return nullptr;
  }
  napi_create_reference(env, fn, 1, &ref);
  return ref;
}

// Calls f(i, name, len) for each of the first `argc` names of "f0,f1,...".
template <typename F>
static void EachField(const char *fields, size_t argc, F f) {
  const char *p = fields;
  for (size_t i = 0; i < argc; i++) {
    const char *end = std::strchr(p, ',');
    size_t len = end ? static_cast<size_t>(end - p) : std::strlen(p);
    f(i, p, len);
    p = end ? end + 1 : p + len;
  }
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
  EachField(fields, argc, [&](size_t i, const char *name, size_t len) {
    std::string arg = "a" + std::to_string(i);
    src += (i ? "," : "") + arg;
    body += (i ? "," : "") + std::string(name, len) + ":" + arg;
  });
  src += "){return {" + body + "}})";
  d->shapes[slot] = CompileFunction(env, src);
  if (d->shapes[slot]) napi_get_reference_value(env, d->shapes[slot], &fn);
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
  EachField(fields, argc, [&](size_t i, const char *name, size_t len) {
    napi_set_property(env, obj, FieldKey(env, name, len), argv[i]);
  });
  return obj;
}

// ---- typed params by field sequence ----------------------------------------
// Bulk stats give every domain of one configuration the same fields in the
// same order, poll after poll: a maker per sequence builds the record
// {domain, params: {"state.state": a0, ...}} in one call, where setting each
// field from C cost ~1 us per record and field (map transitions, key lookups).

struct ParamShapes {
  std::unordered_map<std::string, napi_ref> makers;  // null ref: no maker for it
  // Reused per record (JS thread only): the signature and the maker's arguments.
  std::string sig;
  std::vector<napi_value> argv;
};

static constexpr size_t kMaxShapes = 1024, kMaxFields = 1000, kMaxSignature = 32768;

static bool PlainName(const char *s, size_t len) {
  if (len == 0) return false;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

void DeleteParamShapes(napi_env env, ParamShapes *s) {
  if (!s) return;
  for (auto &m : s->makers)
    if (m.second) napi_delete_reference(env, m.second);
  delete s;
}

static napi_ref CompileParamMaker(napi_env env, virTypedParameterPtr params, int n, bool record) {
  std::unordered_set<std::string> seen;
  std::string args = record ? "d" : "", body;
  for (int i = 0; i < n; i++) {
    std::string name(params[i].field, strnlen(params[i].field, VIR_TYPED_PARAM_FIELD_LENGTH));
    // A repeated field becomes an array, and "__proto__" in a literal sets the
    // prototype: neither can be a literal's key.
    if (!seen.insert(name).second || name == "__proto__") return nullptr;
    std::string a = "a" + std::to_string(i);
    args += (args.empty() ? "" : ",") + a;
    body += (i ? ",\"" : "\"") + name + "\":" + a;
  }
  std::string src = "(function(" + args + "){return " +
                    (record ? "{domain:d,params:{" + body + "}}" : "{" + body + "}") + "})";
  return CompileFunction(env, src);
}

napi_value ParamsShaped(napi_env env, virTypedParameterPtr params, int n, napi_value domain) {
  if (!ScriptsAllowed() || n < 0 || static_cast<size_t>(n) > kMaxFields) return nullptr;
  AddonData *d = Data(Napi::Env(env));
  if (!d->paramShapes) d->paramShapes = new ParamShapes();
  ParamShapes &ps = *d->paramShapes;
  // Names end with a NUL, which no field name contains, so two sequences never
  // share a signature; whether the names suit a literal is decided once, when
  // the signature is first seen (a null maker remembers that they do not).
  std::string &sig = ps.sig;
  sig.assign(1, domain ? 'R' : 'P');
  for (int i = 0; i < n; i++)
    sig.append(params[i].field, strnlen(params[i].field, VIR_TYPED_PARAM_FIELD_LENGTH))
        .push_back('\0');
  if (sig.size() > kMaxSignature) return nullptr;
  auto it = ps.makers.find(sig);
  if (it == ps.makers.end()) {
    if (ps.makers.size() >= kMaxShapes) return nullptr;
    bool plain = true;
    for (int i = 0; i < n && plain; i++)
      plain = PlainName(params[i].field, strnlen(params[i].field, VIR_TYPED_PARAM_FIELD_LENGTH));
    napi_ref maker = plain ? CompileParamMaker(env, params, n, domain != nullptr) : nullptr;
    it = ps.makers.emplace(sig, maker).first;
  }
  if (!it->second) return nullptr;
  napi_value fn, undef, out;
  napi_get_reference_value(env, it->second, &fn);
  napi_get_undefined(env, &undef);
  std::vector<napi_value> &argv = ps.argv;
  argv.clear();
  if (domain) argv.push_back(domain);
  for (int i = 0; i < n; i++) argv.push_back(TypedParamValue(env, params[i]));
  if (napi_call_function(env, undef, fn, argv.size(), argv.data(), &out) != napi_ok) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    return nullptr;
  }
  return out;
}

}  // namespace vk
