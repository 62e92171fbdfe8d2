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
  napi_ref batch = nullptr;                          // RecordBatch's function
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
  if (s->batch) napi_delete_reference(env, s->batch);
  delete s;
}

// Params: (a0, a1, ...) => ({"f0": a0, ...}). A record, for RecordBatch:
// (d, v, o) => ({domain: d, params: {"f0": v[o], ...}}), reading its values
// from the batch's argument array at offset o.
static napi_ref CompileParamMaker(napi_env env, virTypedParameterPtr params, int n, bool record) {
  std::unordered_set<std::string> seen;
  std::string args, body;
  for (int i = 0; i < n; i++) {
    std::string name(params[i].field, strnlen(params[i].field, VIR_TYPED_PARAM_FIELD_LENGTH));
    // A repeated field becomes an array, and "__proto__" in a literal sets the
    // prototype: neither can be a literal's key.
    if (!seen.insert(name).second || name == "__proto__") return nullptr;
    std::string a = record ? "v[o+" + std::to_string(i) + "]" : "a" + std::to_string(i);
    if (!record) args += (i ? "," : "") + a;
    body += (i ? ",\"" : "\"") + name + "\":" + a;
  }
  std::string src = record ? "(function(d,v,o){return {domain:d,params:{" + body + "}}})"
                           : "(function(" + args + "){return {" + body + "}})";
  return CompileFunction(env, src);
}

// The maker for this sequence of field names (compiled when first seen), or
// null when it has none (names a literal cannot hold, too many, cache full).
static napi_value SequenceMaker(napi_env env, ParamShapes &ps, virTypedParameterPtr params, int n,
                                bool record) {
  if (n < 0 || static_cast<size_t>(n) > kMaxFields) return nullptr;
  // Names end with a NUL, which no field name contains, so two sequences never
  // share a signature; whether the names suit a literal is decided once, when
  // the signature is first seen (a null maker remembers that they do not).
  std::string &sig = ps.sig;
  sig.assign(1, record ? 'R' : 'P');
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
    napi_ref maker = plain ? CompileParamMaker(env, params, n, record) : nullptr;
    it = ps.makers.emplace(sig, maker).first;
  }
  if (!it->second) return nullptr;
  napi_value fn;
  napi_get_reference_value(env, it->second, &fn);
  return fn;
}

static ParamShapes *Shapes(napi_env env) {
  if (!ScriptsAllowed()) return nullptr;
  AddonData *d = Data(Napi::Env(env));
  if (!d->paramShapes) d->paramShapes = new ParamShapes();
  return d->paramShapes;
}

napi_value ParamsShaped(napi_env env, virTypedParameterPtr params, int n) {
  ParamShapes *ps = Shapes(env);
  napi_value fn = ps ? SequenceMaker(env, *ps, params, n, false) : nullptr;
  if (!fn) return nullptr;
  napi_value undef, out;
  napi_get_undefined(env, &undef);
  std::vector<napi_value> &argv = ps->argv;
  argv.clear();
  for (int i = 0; i < n; i++) argv.push_back(TypedParamValue(env, params[i]));
  if (napi_call_function(env, undef, fn, argv.size(), argv.data(), &out) != napi_ok) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    return nullptr;
  }
  return out;
}

// ---- bulk-stats records in batches -----------------------------------------
// Calling each record's maker from C cost ~0.4 us per record and storing it in
// the result array another ~0.3 us (a runtime call per element). Instead the
// batch's arguments are, per record: its maker (or null), its value count, its
// domain (or the record itself, built without a maker) and its values; one
// call of this function makes the records and pushes them onto the array.
static const char kBatchSource[] =
    "(function(out,...a){if(out===undefined)out=[];"
    "for(let j=0;j<a.length;){const f=a[j],k=a[j+1];"
    "out.push(f===null?a[j+2]:f(a[j+2],a,j+3));j+=3+k}return out})";
// Arguments per call: well under V8's stack limit for a call's arguments.
static constexpr size_t kBatchArgs = 4096;

RecordBatch::RecordBatch(napi_env env) : env_(env) {
  napi_get_undefined(env, &out_);
  napi_get_null(env, &null_);
  ParamShapes *ps = Shapes(env);
  if (!ps) return;
  if (!ps->batch) ps->batch = CompileFunction(env, kBatchSource);
  if (ps->batch) napi_get_reference_value(env, ps->batch, &fn_);
  if (fn_) shapes_ = ps;
  args_.push_back(out_);
}

void RecordBatch::Add(virTypedParameterPtr params, int n, napi_value domain) {
  if (!shapes_) {  // no scripts: property by property, stored one by one
    if (!direct_) napi_create_array(env_, &out_), direct_ = true;
    napi_set_element(env_, out_, count_++, StatsRecordToJS(env_, params, n, domain));
    return;
  }
  napi_value maker = SequenceMaker(env_, *shapes_, params, n, true);
  size_t need = maker ? 3 + static_cast<size_t>(n) : 3;
  if (args_.size() > 1 && args_.size() + need > kBatchArgs) Flush();
  napi_value k;
  napi_create_uint32(env_, maker ? static_cast<uint32_t>(n) : 0, &k);
  if (maker) {
    args_.push_back(maker);
    args_.push_back(k);
    args_.push_back(domain);
    for (int i = 0; i < n; i++) args_.push_back(TypedParamValue(env_, params[i]));
  } else {
    args_.push_back(null_);
    args_.push_back(k);
    args_.push_back(StatsRecordToJS(env_, params, n, domain));
  }
  count_++;
}

void RecordBatch::Flush() {
  args_[0] = out_;
  napi_value undef, out;
  napi_get_undefined(env_, &undef);
  if (napi_call_function(env_, undef, fn_, args_.size(), args_.data(), &out) != napi_ok) {
    napi_value exc;
    napi_get_and_clear_last_exception(env_, &exc);
    failed_ = true;
  } else {
    out_ = out;
  }
  args_.resize(1);
}

napi_value RecordBatch::Finish() {
  if (shapes_ && !failed_) Flush();
  if (failed_) throw Napi::Error::New(Napi::Env(env_), "building the stats records failed");
  if (!shapes_ && !direct_) napi_create_array(env_, &out_);
  return out_;
}

}  // namespace vk
