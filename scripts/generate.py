#!/usr/bin/env python3
"""Generate virtkit's bindings from libvirt's API description.

Reads libvirt-api.xml, libvirt-qemu-api.xml and libvirt-lxc-api.xml (paths from
pkg-config), scripts/overrides.json (data about generated functions, keyed by C
name) and scripts/manual.json (the hand-written functions), and writes:
  native/generated/<owner>.cc            one N-API function per generated C function, by class
  native/generated/manual/<area>.inc     the method table of native/src/manual_<area>.cc
  native/generated/tables.cc             the hand-written tables and the internal list
  native/generated/kinds.inc             the class list (VK_KINDS)
  lib/libvirt/generated/constants.ts     every enum value under its C name, groups, unions
  lib/libvirt/generated/api.ts           TypeScript typings with TSDoc
  lib/libvirt/generated/classes.ts       the JS classes
  lib/libvirt/generated/manifest.json    how each C function is handled (for tests)
The naming is mechanical (docs/DESIGN.md). A function the generator cannot bind
must be hand-written (scripts/manual.json, see docs/HANDWRITING.md), internal or
skipped (scripts/overrides.json, with a reason); otherwise generation fails, so
nothing is silently dropped. --check fails when a written file would change.
"""
import json
import os
import re
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CLASSES = ['Connect', 'Domain', 'Network', 'NetworkPort', 'StoragePool', 'StorageVol',
           'Interface', 'NodeDevice', 'Secret', 'NWFilter', 'NWFilterBinding',
           'DomainSnapshot', 'DomainCheckpoint', 'Stream']
PTR = {'vir%sPtr' % c: c for c in CLASSES}
# What each class's TypeScript interface adds to its generated methods (helpers
# written in TypeScript), and where those types come from.
CLASS_TS_EXTRAS = {
    'Connect': ['Closeable', 'AsyncDisposable'],
    'Domain': ['DomainStreamHelpers', 'Freeable'],
    'StorageVol': ['StorageVolStreamHelpers', 'Freeable'],
    'Stream': ['StreamAdapters', 'Freeable'],
}
TS_EXTRA_IMPORTS = [('StreamAdapters', '../stream.js'), ('DomainStreamHelpers', '../stream-helpers.js'),
                    ('StorageVolStreamHelpers', '../stream-helpers.js')]
# Longest first so DomainSnapshot wins over Domain when stripping prefixes.
CLASSES_BY_LEN = sorted(CLASSES, key=len, reverse=True)

NUM_IN = {
    'int': ('int', 'GetInt', 'number'),
    'unsigned int': ('unsigned int', 'GetUInt', 'number'),
    'long': ('long', 'GetLong', 'number'),
    'unsigned long': ('unsigned long', 'GetULong', 'number'),
    'long long': ('long long', 'GetLLong', 'number | bigint'),
    'unsigned long long': ('unsigned long long', 'GetULLong', 'number | bigint'),
    'double': ('double', 'GetDouble', 'number'),
    'size_t': ('size_t', 'GetULLong', 'number'),
}
# out-pointer C type -> (C decl type, JS conversion expression template, TS type)
SCALAR_OUT = {
    'int *': ('int', 'Napi::Number::New(env, {v})', 'number'),
    'unsigned int *': ('unsigned int', 'Napi::Number::New(env, {v})', 'number'),
    'unsigned long *': ('unsigned long', 'Napi::Number::New(env, (double){v})', 'number'),
    'unsigned long long *': ('unsigned long long', 'BigU(env, {v})', 'bigint'),
    'long long *': ('long long', 'BigS(env, {v})', 'bigint'),
    'double *': ('double', 'Napi::Number::New(env, {v})', 'number'),
    'size_t *': ('size_t', 'Napi::Number::New(env, (double){v})', 'number'),
}
FIELD_JS = {
    'unsigned char': ('Napi::Number::New(env, {v})', 'number'),
    'unsigned short': ('Napi::Number::New(env, {v})', 'number'),
    'int': ('Napi::Number::New(env, {v})', 'number'),
    'unsigned int': ('Napi::Number::New(env, {v})', 'number'),
    'long': ('Napi::Number::New(env, (double){v})', 'number'),
    'unsigned long': ('Napi::Number::New(env, (double){v})', 'number'),
    'double': ('Napi::Number::New(env, {v})', 'number'),
    'long long': ('BigS(env, {v})', 'bigint'),
    'long long int': ('BigS(env, {v})', 'bigint'),
    'unsigned long long': ('BigU(env, {v})', 'bigint'),
    'unsigned long long int': ('BigU(env, {v})', 'bigint'),
    'char *': ('Str(env, {v})', 'string | null'),
    'const char *': ('Str(env, {v})', 'string | null'),
}


# An int input that libvirt documents as a truth value takes a JS boolean.
BOOL_IN = re.compile(r'^whether\b|\b0 or 1\b|\b0 to disable/1 to enable\b', re.I)
# Names of libvirt's enums (filled when the API is read): a number documented as
# one of them is typed as that enum's union of values.
ENUM_GROUPS = set()


def enum_type(info):
    """`virDomainState` for "the running state, one of virDomainState"; None when
    the text names no enum or allows other values ("a CPU number, or one of ...")."""
    text = ' '.join((info or '').split())
    if re.search(r'\bor\b', text):
        return None
    names = [n for n in re.findall(r'\b(vir\w+)\b(?!\*)', text) if n in ENUM_GROUPS]
    return names[0] if len(names) == 1 else None


def ts_enum(info):
    """The TypeScript type (in api.ts) of a number documented as an enum value."""
    e = enum_type(info)
    return 'E.' + e if e else None


def pkg_var(var, pkg):
    return subprocess.check_output(['pkg-config', '--variable', var, pkg], text=True).strip()


class GenError(Exception):
    pass


def lower_lead(name):
    """Lower the leading capital run: GetInfo->getInfo, CPUStats->cpuStats,
    NWFilterDefineXML->nwFilterDefineXML, UUID->uuid."""
    m = re.match(r'^([A-Z]+)(.*)$', name)
    if not m:
        return name
    caps, rest = m.groups()
    if len(caps) == 1 or not rest:
        return caps.lower() + rest
    if rest[0].islower():
        return caps[:-1].lower() + caps[-1] + rest
    return caps.lower() + rest


def js_name(cname, owner, static):
    base = cname[3:] if cname.startswith('vir') else cname
    if owner and base.startswith(owner) and len(base) > len(owner) and base[len(owner)].isupper():
        base = base[len(owner):]
    return lower_lead(base)


def libvirt_text(text):
    """libvirt's docs name arguments as @name; TSDoc would read a tag."""
    return re.sub(r'(?<![\w`\\])@([A-Za-z_]\w*)', r'`\1`', text or '')


def doc(text, indent='  '):
    text = (text or '').strip().replace('*/', '*\\/')
    if not text:
        return ''
    lines = []
    for para in text.split('\n'):
        lines.append(para.rstrip())
    return indent + '/**\n' + ''.join(indent + ' * ' + l + '\n' for l in lines) + indent + ' */\n'


def ver_tuple(v):
    parts = [int(x) for x in (v or '0.0.0').split('.')]
    while len(parts) < 3:
        parts.append(0)
    return parts[:3]


class Api:
    def __init__(self):
        self.functions = []
        self.enums = []
        self.structs = {}
        self.typedefs = {}
        self.macros = []
        self.headers = {}
        paths = [('libvirt', pkg_var('libvirt_api', 'libvirt')),
                 ('libvirt-qemu', pkg_var('libvirt_qemu_api', 'libvirt-qemu')),
                 ('libvirt-lxc', pkg_var('libvirt_lxc_api', 'libvirt-lxc'))]
        for module, p in paths:
            t = ET.parse(p)
            for fn in t.iter('function'):
                self.functions.append((module, fn))
            for e in t.iter('enum'):
                self.enums.append(e)
                ENUM_GROUPS.add(e.get('type'))
            for s in t.iter('struct'):
                self.structs[s.get('name')] = s
            for td in t.iter('typedef'):
                self.typedefs[td.get('name')] = td.get('type')
            for m in t.iter('macro'):
                self.macros.append(m)


def struct_of_ptr(api, ctype):
    """virDomainInfoPtr -> the <struct> element when all fields are plain."""
    if not ctype.endswith('Ptr') or ctype in PTR:
        return None
    target = api.typedefs.get(ctype)
    if not target or not target.endswith(' *'):
        return None
    s = api.structs.get(target[:-2])
    if s is None:
        return None
    fields = s.findall('field')
    if not fields:
        return None
    for f in fields:
        ft = f.get('type')
        if ft not in FIELD_JS and ft != 'virDomainBlockJobCursor' and not re.match(r'^char \w+\[\w+\]$', ft):
            return None
    return s


def struct_fields_js(s, var):
    out = []
    for f in s.findall('field'):
        ft = f.get('type')
        name = f.get('name')
        if ft in FIELD_JS:
            expr, ts = FIELD_JS[ft]
        else:
            expr, ts = 'Str(env, {v})', 'string'
        if ft == 'virDomainBlockJobCursor':
            expr, ts = 'BigU(env, {v})', 'bigint'
        elif ts == 'number':
            ts = ts_enum(f.get('info')) or ts
        out.append((name, expr.format(v='%s.%s' % (var, name)), ts, libvirt_text(f.get('info'))))
    return out


# How libvirt's documentation says a pointer argument may be NULL: in the
# argument's own text, or in a sentence of the function's text that names it.
ARG_NULLABLE = re.compile(
    r'\bor NULL\b|^\s*\(optional\)|^\s*optional\b|\bNULL means\b|\bpass NULL\b|'
    r'\b(?:may|can) be NULL\b|\bNULL (?:to|for) \w', re.I)


def fn_nullable_names(info):
    """Argument names that a function's text says may be NULL."""
    names = set()
    text = ' '.join((info or '').split())
    one = [
        r'@(\w+) (?:is|as) NULL\b(?!-)',                   # "If @dom is NULL, ..."
        r'@(\w+) [^.;@]{0,40}\(or NULL\)',                # "@top is the active image (or NULL)"
        r'[Pp]assing NULL for @(\w+)',
        r'@(\w+) must be NULL\b',                          # conditionally required to be NULL
        r'@(\w+) must be set to [^.;]*, otherwise must be NULL',
        r'@(\w+) is omitted',
        r'optional parameter @(\w+)',
        r'[Tt]he @(\w+) parameter is optional',
        r"optional '(\w+)' argument",
    ]
    for pat in one:
        names.update(re.findall(pat, text))
    # "Any of @a, @b, and @c parameters may be NULL"; "@key and @uri are ... must be set to NULL"
    for m in re.finditer(r'((?:@\w+(?:,? and |, )?)+)[^.;@]*?(?:may be NULL|must be set to NULL)', text):
        names.update(re.findall(r'@(\w+)', m.group(1)))
    return names


def arg_nullable(el, arg, ov):
    """Whether a pointer argument accepts NULL, from libvirt's text; the overrides
    add the few the text leaves out (each with the reason)."""
    cname, name = el.get('name'), arg.get('name')
    if name in ov['nullableArgs'].get(cname, {}):
        return True
    if ARG_NULLABLE.search(' '.join((arg.get('info') or '').split())):
        return True
    return name in fn_nullable_names(el.findtext('info'))


def owner_of(el):
    """(class, static): the class of the first parameter; else a static method of the
    class the name starts with; else (None, False), a module function."""
    args = el.findall('arg')
    owner = PTR.get(args[0].get('type')) if args else None
    if owner is not None:
        return owner, False
    base = el.get('name')[3:]
    for c in CLASSES_BY_LEN:
        if base.startswith(c) and len(base) > len(c) and base[len(c)].isupper():
            return c, True
    return None, False


class Fn:
    """The plan for one generated binding."""

    def __init__(self, cname, module, el):
        self.cname = cname
        self.module = module
        self.el = el
        self.members = []   # C++ member declarations of the call struct
        self.fill = []      # JS-thread statements filling members (may throw)
        self.hold = []      # statements taking references (after all checks)
        self.cargs = []     # C call arguments
        self.outs = []      # (jsname, expr, tstype, doc)
        self.discard = []   # statements freeing C results if JS never sees them
        self.pre = []       # statements in Run() before the call
        self.post = []      # statements in Run() after a successful call
        self.jsparams = []  # (name, tstype, optional, doc)
        self.result = None  # (expr, tstype) for a non-out result


class ArgCursor:
    """Where plan_function is in the C argument list, for the argument handlers:
    argument i (type t, name n, text ainfo; the next one nxt, of type nt), the C++
    member m that holds it, and j, the next JS argument."""

    def __init__(self, api, ov, f, el, args, hold):
        self.api, self.ov, self.f, self.el, self.args, self.hold = api, ov, f, el, args, hold
        self.cname = el.get('name')
        self.tp_family = ov['tpFamily'].get(self.cname)
        self.count_fn = ov['listCount'].get(self.cname)
        self.bool_outs = set(ov['boolOut'].get(self.cname, []))

    def at(self, i):
        args = self.args
        self.a = a = args[i]
        self.t, self.n, self.ainfo = a.get('type'), a.get('name'), a.get('info') or ''
        self.nxt = args[i + 1] if i + 1 < len(args) else None
        self.nt = self.nxt.get('type') if self.nxt is not None else None
        self.m = 'a%d' % i
        self.last = i == len(args) - 1


# Each handler binds one shape of C argument (with the next one when that is its
# length) and returns how many C arguments it took, or None when the shape is
# not its own; the first that applies wins.
def arg_object(p):
    """A libvirt object (Domain, Connect, ...), NULL-able where documented."""
    f, el, ov, i, j, a = p.f, p.el, p.ov, p.i, p.j, p.a
    t, n, ainfo, m = p.t, p.n, p.ainfo, p.m
    if not (t in PTR):
        return None
    k = PTR[t]
    nullable = arg_nullable(el, a, ov)
    f.members.append('%s %s = nullptr;' % (t, m))
    if nullable:
        f.fill.append('%s p%d = nullptr; if (!(info.Length() <= %d || info[%d].IsNull() || info[%d].IsUndefined())) p%d = Wrap<Kind::%s>::Get(info[%d], "%s");'
                      % (t, i, j, j, j, i, k, j, n))
        f.hold.append('if (p%d) c->%s = c->Hold<Kind::%s>(p%d);' % (i, m, k, i) if p.hold
                      else 'c->%s = p%d;' % (m, i))
    else:
        f.fill.append('auto p%d = Wrap<Kind::%s>::Get(info.Length() > %d ? info[%d] : env.Undefined(), "%s");'
                      % (i, k, j, j, n))
        f.hold.append(('c->%s = c->Hold<Kind::%s>(p%d);' % (m, k, i)) if p.hold
                      else 'c->%s = p%d;' % (m, i))
    f.jsparams.append((n, k + (' | null' if nullable else ''), nullable, ainfo))
    f.cargs.append(m)
    p.j += 1
    return 1


def arg_string(p):
    """A C string, NULL-able where documented."""
    f, el, ov, j, a = p.f, p.el, p.ov, p.j, p.a
    t, n, ainfo, m = p.t, p.n, p.ainfo, p.m
    if not (t == 'const char *'):
        return None
    nullable = arg_nullable(el, a, ov)
    f.members.append('std::string %s; bool %s_null = false;' % (m, m))
    if nullable:
        f.fill.append('c->%s = GetStringOrNull(info, %d, "%s", c->%s_null);' % (m, j, n, m))
        f.cargs.append('%s_null ? nullptr : %s.c_str()' % (m, m))
    else:
        f.fill.append('c->%s = GetString(info, %d, "%s");' % (m, j, n))
        f.cargs.append('%s.c_str()' % m)
    f.jsparams.append((n, 'string' + (' | null' if nullable else ''), nullable, ainfo))
    p.j += 1
    return 1


def arg_uuid_in(p):
    """A 16-byte UUID."""
    f, j = p.f, p.j
    t, n, ainfo, m = p.t, p.n, p.ainfo, p.m
    if not (t == 'const unsigned char *' and n == 'uuid'):
        return None
    f.members.append('std::vector<unsigned char> %s;' % m)
    f.fill.append('c->%s = GetBytes(info, %d, "%s"); if (c->%s.size() != VIR_UUID_BUFLEN) throw Napi::RangeError::New(env, ArgName(%d, "%s") + " must be 16 bytes");'
                  % (m, j, n, m, j, n))
    f.cargs.append('%s.data()' % m)
    f.jsparams.append((n, 'Uint8Array', False, ainfo))
    p.j += 1
    return 1


def arg_bytes_in(p):
    """A byte buffer and its length (cpumap/maplen, value/value_size)."""
    f, j, a = p.f, p.j, p.a
    t, n, ainfo, nt, m = p.t, p.n, p.ainfo, p.nt, p.m
    if not (t in ('unsigned char *', 'const unsigned char *') and nt in ('int', 'size_t')):
        return None
    # cpumap/maplen, value/value_size: a byte buffer and its length.
    f.members.append('std::vector<unsigned char> %s;' % m)
    f.fill.append('c->%s = GetBytes(info, %d, "%s");' % (m, j, n))
    # never NULL, even when empty (libvirt rejects a NULL value)
    f.cargs.append('(%s.empty() ? (unsigned char *)"" : %s.data())' % (m, m))
    f.cargs.append('(%s)%s.size()' % (nt, m))
    f.jsparams.append((n, 'Uint8Array | string', False, ainfo))
    p.j += 1
    return 2


def arg_uuid_out(p):
    """A 16-byte UUID out."""
    f, i = p.f, p.i
    t, n, ainfo = p.t, p.n, p.ainfo
    if not (t == 'unsigned char *' and n == 'uuid'):
        return None
    f.members.append('unsigned char o%d[VIR_UUID_BUFLEN];' % i)
    f.cargs.append('o%d' % i)
    f.outs.append((n, 'Napi::Buffer<unsigned char>::Copy(env, o%d, VIR_UUID_BUFLEN)' % i, 'Buffer', ainfo))
    return 1


def arg_uuid_string_out(p):
    """A UUID string out (a caller buffer)."""
    f, i = p.f, p.i
    t, n, ainfo = p.t, p.n, p.ainfo
    if not (t == 'char *' and n == 'buf' and p.cname.endswith('UUIDString')):
        return None
    f.members.append('char o%d[VIR_UUID_STRING_BUFLEN];' % i)
    f.cargs.append('o%d' % i)
    f.outs.append(('uuid', 'Napi::String::New(env, o%d)' % i, 'string', ainfo))
    return 1


def arg_string_array_in(p):
    """An array of strings and its length."""
    f, j = p.f, p.j
    t, n, ainfo, nt, m = p.t, p.n, p.ainfo, p.nt, p.m
    if not (t == 'const char **' and nt in ('int', 'unsigned int')):
        return None
    f.members.append('std::vector<std::string> %s; std::vector<const char *> %s_c;' % (m, m))
    f.fill.append('c->%s = GetStringArray(info, %d, "%s"); c->%s_c = CStrs(c->%s);' % (m, j, n, m, m))
    f.cargs.append('%s_c.data()' % m)
    f.cargs.append('(%s)%s_c.size()' % (nt, m))
    f.jsparams.append((n, 'string[]', False, ainfo))
    p.j += 1
    return 2


def arg_count_then_numbers_in(p):
    """A count followed by its input array (nfiles/files)."""
    f, j, a = p.f, p.j, p.a
    t, n, nxt, nt, m = p.t, p.n, p.nxt, p.nt, p.m
    if not (t in ('int', 'unsigned int') and re.match(r'^n[a-z]', n) and nt in ('int *', 'unsigned int *')):
        return None
    # a count followed by its input array (nfiles/files, nfds/fds)
    et = nt[:-2]
    f.members.append('std::vector<%s> %s;' % (et, m))
    f.fill.append('c->%s = GetNumberArray<%s>(info, %d, "%s");' % (m, et, j, nxt.get('name')))
    f.cargs.append('(%s)%s.size()' % (t, m))
    f.cargs.append('%s.empty() ? nullptr : %s.data()' % (m, m))
    f.jsparams.append((nxt.get('name'), 'number[]', False, nxt.get('info') or ''))
    p.j += 1
    return 2


def arg_numbers_then_count_in(p):
    """An input array followed by its count (keycodes/nkeycodes)."""
    f, j, a = p.f, p.j, p.a
    t, n, ainfo, nxt, nt, m = p.t, p.n, p.ainfo, p.nxt, p.nt, p.m
    if not (t in ('int *', 'unsigned int *') and nt in ('int', 'unsigned int') and re.match(r'^n[a-z]', nxt.get('name'))):
        return None
    # an input array followed by its count (keycodes/nkeycodes)
    et = t[:-2]
    f.members.append('std::vector<%s> %s;' % (et, m))
    f.fill.append('c->%s = GetNumberArray<%s>(info, %d, "%s");' % (m, et, j, n))
    f.cargs.append('%s.empty() ? nullptr : %s.data()' % (m, m))
    f.cargs.append('(%s)%s.size()' % (nt, m))
    f.jsparams.append((n, 'number[]', False, ainfo))
    p.j += 1
    return 2


def arg_number_in(p):
    """A number, a truth value, or the trailing flags."""
    f, j = p.f, p.j
    t, n, ainfo, m, last = p.t, p.n, p.ainfo, p.m, p.last
    if not (t in NUM_IN):
        return None
    ct, getter, ts = NUM_IN[t]
    f.members.append('%s %s = 0;' % (ct, m))
    if t in ('int', 'unsigned int') and BOOL_IN.search(' '.join(ainfo.split())):
        f.fill.append('c->%s = GetBool(info, %d, "%s") ? 1 : 0;' % (m, j, n))
        f.jsparams.append((n, 'boolean', False, ainfo))
    elif n == 'flags' and last and t == 'unsigned int':
        f.fill.append('c->%s = GetFlags(info, %d, "%s");' % (m, j, n))
        f.jsparams.append((n, 'number', True, ainfo))
    else:
        f.fill.append('c->%s = (%s)%s(info, %d, "%s");' % (m, ct, getter, j, n))
        f.jsparams.append((n, ts, False, ainfo))
    f.cargs.append(m)
    p.j += 1
    return 1


def arg_typed_params_get(p):
    """Typed params filled into a caller array: the count is asked first."""
    f = p.f
    t, n, ainfo, nt, m = p.t, p.n, p.ainfo, p.nt, p.m
    if not (t == 'virTypedParameterPtr' and nt == 'int *'):
        return None
    f.members.append('virTypedParameterPtr %s = nullptr; int %s_n = 0;' % (m, m))
    # First ask for the count (params=NULL, nparams=0), then fill.
    f.tp_get = (m, len(f.cargs))
    f.cargs.append('%s' % m)
    f.cargs.append('&%s_n' % m)
    f.outs.append((n, 'TypedParamsToJS(env, %s, %s_n)' % (m, m), 'TypedParams', ainfo))
    f.discard.append('if (%s) { virTypedParamsClear(%s, %s_n); free(%s); %s = nullptr; }' % (m, m, m, m, m))
    return 2


def arg_typed_params_in(p):
    """Typed params in (a plain object)."""
    f, el, ov, j, a = p.f, p.el, p.ov, p.j, p.a
    t, n, ainfo, nt, m = p.t, p.n, p.ainfo, p.nt, p.m
    if not (t == 'virTypedParameterPtr' and nt in ('int', 'unsigned int')):
        return None
    f.members.append('TypedParamsIn %s;' % m)
    fam = ('"%s"' % p.tp_family) if p.tp_family else 'nullptr'
    f.fill.append('TypedParamsFromJS(env, info.Length() > %d ? info[%d] : env.Undefined(), "%s", %s, c->%s);'
                  % (j, j, n, fam, m))
    f.cargs.append('%s.params' % m)
    f.cargs.append('(%s)%s.n' % (nt, m))
    # null and undefined already mean no parameters (C NULL, 0)
    f.jsparams.append((n, 'TypedParamsInput' + (' | null' if arg_nullable(el, a, ov) else ''), False, ainfo))
    p.j += 1
    return 2


def arg_typed_params_out(p):
    """Typed params libvirt allocates."""
    f = p.f
    t, n, ainfo, nt, m = p.t, p.n, p.ainfo, p.nt, p.m
    if not (t == 'virTypedParameterPtr *' and nt in ('int *', 'unsigned int *')):
        return None
    f.members.append('virTypedParameterPtr %s = nullptr; %s %s_n = 0;' % (m, nt[:-2], m))
    f.cargs.append('&%s' % m)
    f.cargs.append('&%s_n' % m)
    f.outs.append((n, 'TypedParamsToJS(env, %s, %s_n)' % (m, m), 'TypedParams', ainfo))
    f.discard.append('if (%s) { virTypedParamsFree(%s, %s_n); %s = nullptr; }' % (m, m, m, m))
    return 2


def arg_object_list_out(p):
    """A list of objects libvirt allocates (listAll*)."""
    f = p.f
    t, n, ainfo, m = p.t, p.n, p.ainfo, p.m
    if not (t.endswith('Ptr **') and t[:-3] in PTR):
        return None
    k = PTR[t[:-3]]
    ct = t[:-3]
    f.members.append('%s *%s = nullptr; int %s_n = 0;' % (ct, m, m))
    f.cargs.append('&%s' % m)
    f.list_all = (m, k, ct)
    f.outs.append((n, 'ListToJS<Kind::%s>(env, %s, %s_n)' % (k, m, m), k + '[]', ainfo))
    f.discard.append('if (%s) { for (int k = 0; k < %s_n; k++) %s(%s[k]); free(%s); %s = nullptr; }'
                     % (m, m, 'vir' + k + ('Close' if k == 'Connect' else 'Free'), m, m, m))
    return 1


def arg_string_list_out(p):
    """A list of strings libvirt allocates."""
    f = p.f
    t, n, ainfo, m = p.t, p.n, p.ainfo, p.m
    if not (t == 'char ***'):
        return None
    f.members.append('char **%s = nullptr; int %s_n = 0;' % (m, m))
    f.cargs.append('&%s' % m)
    f.str_list = m
    f.outs.append((n, 'StrListToJS(env, %s, %s_n)' % (m, m), 'string[]', ainfo))
    f.discard.append('if (%s) { for (int k = 0; k < %s_n; k++) free(%s[k]); free(%s); %s = nullptr; }'
                     % (m, m, m, m, m))
    return 1


def arg_names_out(p):
    """A legacy List* call: names into a caller array sized by its count function."""
    f = p.f
    t, n, ainfo, nt, m = p.t, p.n, p.ainfo, p.nt, p.m
    if not (t in ('char ** const', 'char **') and nt == 'int' and p.count_fn):
        return None
    f.members.append('std::vector<char *> %s; int %s_n = 0;' % (m, m))
    f.names_list = (m, p.count_fn, len(f.cargs))
    f.cargs.append('%s.data()' % m)
    f.cargs.append('(int)%s.size()' % m)
    f.outs.append((n, 'StrVecToJS(env, %s, %s_n)' % (m, m), 'string[]', ainfo))
    f.discard.append('for (int k = 0; k < %s_n; k++) { free(%s[k]); } %s_n = 0;' % (m, m, m))
    return 2


def arg_ids_out(p):
    """A legacy List* call: IDs into a caller array sized by its count function."""
    f = p.f
    t, n, ainfo, nt, m = p.t, p.n, p.ainfo, p.nt, p.m
    if not (t == 'int *' and nt == 'int' and p.count_fn):
        return None
    f.members.append('std::vector<int> %s; int %s_n = 0;' % (m, m))
    f.names_list = (m, p.count_fn, len(f.cargs))
    f.cargs.append('%s.data()' % m)
    f.cargs.append('(int)%s.size()' % m)
    f.outs.append((n, 'IntVecToJS(env, %s, %s_n)' % (m, m), 'number[]', ainfo))
    return 2


def arg_sized_by_neighbour(p):
    """A scalar out that is really an array sized by a neighbour: refused."""
    args, i, a = p.args, p.i, p.a
    t, n, nxt = p.t, p.n, p.nxt
    if not (t in SCALAR_OUT and any( x is not None and x.get('type') in ('int', 'unsigned int', 'size_t') and re.match(r'^(n|max)|len$|count$', x.get('name'), re.I) for x in (args[i - 1] if i > 0 else None, nxt))):
        return None
    raise GenError('%s looks like an array sized by a neighbour; bind it by hand' % n)


def arg_scalar_out(p):
    """A number (or truth value, or enum value) out."""
    f, i = p.f, p.i
    t, n, ainfo = p.t, p.n, p.ainfo
    if not (t in SCALAR_OUT):
        return None
    ct, expr, ts = SCALAR_OUT[t]
    f.members.append('%s o%d = 0;' % (ct, i))
    f.cargs.append('&o%d' % i)
    if n in p.bool_outs:
        f.outs.append((n, 'Napi::Boolean::New(env, o%d != 0)' % i, 'boolean', ainfo))
    else:
        f.outs.append((n, expr.format(v='o%d' % i), ts_enum(ainfo) or ts, ainfo))
    return 1


def arg_string_out(p):
    """A string libvirt allocates, out."""
    f, i = p.f, p.i
    t, n, ainfo, nt = p.t, p.n, p.ainfo, p.nt
    if not (t == 'char **' and not (nt == 'int')):
        return None
    f.members.append('char *o%d = nullptr;' % i)
    f.cargs.append('&o%d' % i)
    f.outs.append((n, 'Str(env, o%d)' % i, 'string | null', ainfo))
    f.discard.append('free(o%d); o%d = nullptr;' % (i, i))
    return 1


def arg_struct_out(p):
    """A struct out, by its fields."""
    f, i = p.f, p.i
    t, n, ainfo, nxt, nt = p.t, p.n, p.ainfo, p.nxt, p.nt
    if struct_of_ptr(p.api, t) is None:
        return None
    consumed = 1
    s = struct_of_ptr(p.api, t)
    sname = s.get('name')
    f.members.append('%s o%d{};' % (sname, i))
    f.cargs.append('&o%d' % i)
    f.outs.append((n, 'ToJS_%s(env, o%d)' % (sname, i), sname, ainfo))
    f.structs_used = getattr(f, 'structs_used', []) + [sname]
    if any(fl.get('type') == 'char *' for fl in s.findall('field')):
        f.discard.append('FreeStruct_%s(o%d);' % (sname, i))
    if nt == 'size_t' and nxt.get('name') == 'size':
        f.cargs.append('sizeof(o%d)' % i)
        consumed = 2
    return consumed


def arg_unknown(p):
    """Anything else: refused."""
    t, n = p.t, p.n
    raise GenError('argument %s of type %s' % (n, t))


ARG_HANDLERS = [
    arg_object,
    arg_string,
    arg_uuid_in,
    arg_bytes_in,
    arg_uuid_out,
    arg_uuid_string_out,
    arg_string_array_in,
    arg_count_then_numbers_in,
    arg_numbers_then_count_in,
    arg_number_in,
    arg_typed_params_get,
    arg_typed_params_in,
    arg_typed_params_out,
    arg_object_list_out,
    arg_string_list_out,
    arg_names_out,
    arg_ids_out,
    arg_sized_by_neighbour,
    arg_scalar_out,
    arg_string_out,
    arg_struct_out,
    arg_unknown,
]


def plan_function(api, ov, module, el):
    cname = el.get('name')
    args = el.findall('arg')
    ret = el.find('return')
    rtype = ret.get('type')
    rinfo = ret.get('info') or ''
    f = Fn(cname, module, el)
    owner, static = owner_of(el)
    f.owner, f.static = owner, static
    f.js = js_name(cname, owner, static)
    f.sync = cname in ov['sync']
    hold = not f.sync
    i = 0
    j = 0  # JS argument index
    if owner and not static:
        f.members.append('%sPtr a0 = nullptr;' % ('vir' + owner))
        if hold:
            f.fill.append('auto self = Self<Kind::%s>(info);' % owner)
            f.hold.append('c->a0 = c->Hold<Kind::%s>(self);' % owner)
        else:
            f.fill.append('c->a0 = Self<Kind::%s>(info);' % owner)
        f.cargs.append('a0')
        i = 1
    nargs = len(args)
    p = ArgCursor(api, ov, f, el, args, hold)
    p.i, p.j = i, 0
    while p.i < nargs:
        p.at(p.i)
        for handler in ARG_HANDLERS:
            consumed = handler(p)
            if consumed is not None:
                break
        p.i += consumed
    j = p.j
    f.nargs_js = j
    call = '%s(%s)' % (cname, ', '.join(f.cargs))
    plan_result(f, ov, call, rtype, rinfo)
    if f.outs and rtype not in ('int', 'unsigned int', 'unsigned long', 'unsigned long long'):
        keep_return_with_outs(f, ov, cname)
    plan_size_queries(f, call)
    return f


def plan_result(f, ov, call, rtype, rinfo):
    """The C call's success test and what its return value becomes in JS."""
    cname = f.cname
    rclass = ov['returns'].get(cname)
    if rtype == 'int':
        f.members.append('int ret = 0;')
        f.call = 'ret = %s; return ret >= 0;' % call
        if f.outs:
            if rclass == 'number':
                f.outs.insert(0, ('ret', 'Napi::Number::New(env, ret)', 'number', rinfo))
        else:
            if rclass is None:
                if re.match(r'^(is|has)[A-Z]', f.js):
                    rclass = 'boolean'
                elif re.search(r'(number|count|amount) of', rinfo, re.I) or re.search(r'\bthe number\b', rinfo, re.I):
                    rclass = 'number'
                elif re.search(r'\b0 (in case of|on|if) success|0 if|0 (upon|on) success|Returns 0', rinfo, re.I) or \
                        re.search(r'-1 (on|in case of) (error|failure).{0,30}0', rinfo, re.I):
                    rclass = 'void'
                else:
                    raise GenError('cannot tell what int return means: %r' % rinfo)
            if rclass == 'boolean':
                f.result = ('Napi::Boolean::New(env, ret != 0)', 'boolean')
            elif rclass == 'number':
                f.result = ('Napi::Number::New(env, ret)', 'number')
            else:
                f.result = ('env.Undefined()', 'void')
    elif rtype == 'char *':
        f.members.append('char *ret = nullptr;')
        f.call = 'ret = %s; return ret != nullptr;' % call
        f.result = ('TakeStr(env, ret)', 'string')
        f.discard.append('free(ret); ret = nullptr;')
    elif rtype == 'const char *':
        f.members.append('const char *ret = nullptr;')
        f.call = 'ret = %s; return ret != nullptr;' % call
        f.result = ('Napi::String::New(env, ret)', 'string')
    elif rtype in PTR:
        k = PTR[rtype]
        f.members.append('%s ret = nullptr;' % rtype)
        borrowed = cname in ov.get('borrowed', [])
        if borrowed:
            f.call = 'ret = %s; if (ret) vir%sRef(ret); return ret != nullptr;' % (call, k)
        else:
            f.call = 'ret = %s; return ret != nullptr;' % call
        f.result = ('TakeObj<Kind::%s>(env, ret)' % k, k)
        f.discard.append('if (ret) { FreeLater(Kind::%s, ret); ret = nullptr; }' % k)
    elif rtype == 'unsigned int':
        # virDomainGetID: (unsigned int)-1 is "no ID" for an inactive domain, and
        # an error only when libvirt reported one.
        f.members.append('unsigned int ret = 0;')
        f.call = 'ret = %s; return ret != (unsigned int)-1 || virGetLastErrorCode() == VIR_ERR_OK;' % call
        f.result = ('Napi::Number::New(env, ret == (unsigned int)-1 ? -1.0 : (double)ret)', 'number')
    elif rtype in ('unsigned long', 'unsigned long long'):
        f.members.append('%s ret = 0;' % rtype)
        # 0 is both a value and the error sentinel: the last error tells which.
        f.call = 'ret = %s; return ret != 0 || virGetLastErrorCode() == VIR_ERR_OK;' % call
        if rtype == 'unsigned long long':
            f.result = ('BigU(env, ret)', 'bigint')
        else:
            f.result = ('Napi::Number::New(env, (double)ret)', 'number')
    else:
        raise GenError('return type %s' % rtype)


def plan_size_queries(f, call):
    """Calls whose output array the caller sizes: ask for the size first (typed
    params, legacy List* names), or record how many entries came back."""
    cname = f.cname
    if hasattr(f, 'tp_get'):
        m, pos = f.tp_get
        args0 = list(f.cargs)
        args0[pos] = 'nullptr'
        f.pre.append('if (%s(%s) < 0) return false;' % (cname, ', '.join(args0)))
        f.pre.append('if (%s_n > 0) %s = static_cast<virTypedParameterPtr>(calloc(%s_n, sizeof(virTypedParameter)));' % (m, m, m))
    if hasattr(f, 'names_list'):
        m, cfn, pos = f.names_list
        cargs = [a for k, a in enumerate(f.cargs) if k not in (pos, pos + 1)]
        f.pre.append('int cnt = %s(%s); if (cnt < 0) return false;' % (cfn, ', '.join(cargs)))
        f.pre.append('%s.assign(cnt + 16, {});' % m)  # grows between the two calls are tolerated
        f.call = 'ret = %s; if (ret >= 0) %s_n = ret; return ret >= 0;' % (call, m)
    if hasattr(f, 'list_all'):
        m, k, ct = f.list_all
        f.call = 'ret = %s; if (ret >= 0) %s_n = ret; return ret >= 0;' % (call, m)
    if hasattr(f, 'str_list'):
        m = f.str_list
        f.call = 'ret = %s; if (ret >= 0) %s_n = ret; return ret >= 0;' % (call, m)


def keep_return_with_outs(f, ov, cname):
    """A data-carrying C return value (string, object) beside out-parameters: never
    dropped silently. `dropOuts` lists outs JS does not need (with reasons), and the
    call resolves to the return value; `returnWithOuts` resolves to an object with the
    outs under their C names and the return value under `ret`."""
    dropped = ov['dropOuts'].get(cname, {})
    if dropped:
        unknown = set(dropped) - {o[0] for o in f.outs}
        if unknown:
            raise GenError('dropOuts names %s, which are not out-parameters' % ', '.join(sorted(unknown)))
        f.outs = [o for o in f.outs if o[0] not in dropped]
    if not f.outs:
        return
    if cname not in ov['returnWithOuts']:
        raise GenError('the C return value carries data and so do the out-parameters %s: '
                       'list the function in overrides "returnWithOuts" or "dropOuts"'
                       % ', '.join(o[0] for o in f.outs))
    expr, ts = f.result
    f.outs.insert(0, ('ret', expr, ts, f.el.find('return').get('info') or ''))


def clean_c_return(text):
    """libvirt's @returns text without what JS never sees (the -1/NULL/0 error
    sentinels), or '' when nothing useful is left."""
    t = ' '.join(libvirt_text(text).split())
    err = r'(?:in case of|on|upon|if there is an?|if an?) (?:error|failure)s?'
    t = re.sub(r'[,;]?\s*(?:\bor\b|\band\b)?\s*(?:-1|NULL|0)\s+' + err + r'\b', '', t, flags=re.I)
    t = re.sub(r'\s*\((?:-1|NULL) ' + err + r'\)', '', t, flags=re.I)
    t = re.sub(r'\s*(?:-1|NULL) is returned ' + err + r'\.?', '', t, flags=re.I)
    # sentences about freeing C memory: JS never frees
    t = ' '.join(x for x in re.split(r'(?<=\.)\s+', t) if not re.search(r'\bfree', x, re.I))
    t = re.sub(r'^(?:a )?0 terminated UTF-8 encoded ', 'the ', t)
    t = t.strip(' ,;.')
    if not t or re.search(r'NULL|-1\b|\berror\b|\bfailure\b', t):
        return ''
    t = re.sub(r'^(?:Returns?|It returns)\s+', '', t)
    return t[0].lower() + t[1:] if t else t


def returns_doc(f):
    """What the call resolves to and when it rejects (JS never sees C's error values)."""
    r = ts_result(f)
    c = clean_c_return(f.el.find('return').get('info'))
    if f.outs:
        names = ', '.join('`%s`' % o[0] for o in f.outs)
        what = ('the out-parameter `%s`' % f.outs[0][0]) if len(f.outs) == 1 else \
            'an object with the out-parameters under their C names: %s' % names
        if f.outs[0][0] == 'ret' and len(f.outs) > 1:
            what += ' (`ret` is the C return value)'
    elif r == 'void':
        what = '`undefined` once the call succeeded'
    elif r == 'boolean':
        what = '`true` or `false` (C\'s 1 or 0)'
    elif r in CLASSES:
        what = 'a `%s` wrapper holding its own reference (dropped when collected, or by `free()`)' % r
    elif f.el.find('return').get('type') == 'unsigned int':
        what = 'the number, or -1 where libvirt has none (an inactive domain has no ID)'
    elif c and not re.search(r'pointer|otherwise|^or\b', c):
        what = c
    elif r == 'string':
        what = 'the string libvirt returns'
    else:
        what = 'the C return value (%s)' % r
    fail = 'when libvirt reports a failure (its code, domain and message)'
    if f.sync:
        return '%s%s. Throws a `LibvirtError` %s.' % (what[0].upper(), what[1:], fail)
    return 'A Promise of %s. It rejects with a `LibvirtError` %s.' % (what, fail)


class Manual:
    """One hand-written function, from its entry in scripts/manual.json."""

    def __init__(self, key, e, el):
        self.cname = key if el is not None else ''
        self.key, self.el = key, el
        m = re.match(r'^native/src/manual_(\w+)\.cc$', e['file'])
        if not m:
            raise GenError('file must be native/src/manual_<area>.cc, not %s' % e['file'])
        self.area, self.fn = m.group(1), e['fn']
        owner, static = owner_of(el) if el is not None else (None, False)
        self.owner = e['owner'] if 'owner' in e else (owner or '')
        self.static = e.get('static', static)
        self.ts, self.doc, self.why = e.get('ts'), e.get('doc', ''), e.get('why', '')
        if self.ts:
            self.js = re.match(r'^(\w+)', self.ts).group(1)
            self.sync = not re.search(r'\):\s*Promise<[^()]*$', self.ts)
            if 'sync' in e:
                raise GenError('sync follows from the ts return type; drop "sync"')
            if el is not None and self.js != js_name(self.cname, self.owner or None, self.static):
                raise GenError('JS name %s is not the mechanical %s'
                               % (self.js, js_name(self.cname, self.owner or None, self.static)))
        else:
            if el is not None:
                raise GenError('a libvirt function needs its "ts" signature')
            self.js, self.sync = key, e['sync']
        self.version = el.get('version') if el is not None else None


def load_manual(api):
    data = json.load(open(os.path.join(ROOT, 'scripts', 'manual.json')))
    imports = data.get('_tsImports', {})
    by_name = {el.get('name'): el for _, el in api.functions}
    out, errors = [], []
    for key, e in data.items():
        if key.startswith('_') and not isinstance(e, dict) or key in ('_doc', '_tsImports'):
            continue
        if not key.startswith('_') and key not in by_name:
            errors.append('%s: in scripts/manual.json but not in the API XML' % key)
            continue
        try:
            out.append(Manual(key, e, by_name.get(key)))
        except GenError as x:
            errors.append('%s: %s' % (key, x))
    return out, imports, errors


def emit_manual_tables(manual):
    """native/generated/manual/<area>.inc: the method table of one hand-written file."""
    files = {}
    for area in sorted({m.area for m in manual}):
        rows = []
        for m in manual:
            if m.area != area:
                continue
            kind = '(int)Kind::%s' % m.owner if m.owner else '-1'
            rows.append('    {%s, "%s", "%s", %s, %s, %s, %s},' % (
                kind, m.js, m.cname, m.fn, 'true' if m.static else 'false', 'true' if m.sync else 'false',
                '"%d.%d.%d"' % tuple(ver_tuple(m.version)) if m.version else 'nullptr'))
        files['native/generated/manual/%s.inc' % area] = '\n'.join([
            '// GENERATED by scripts/generate.py from scripts/manual.json: do not edit.',
            '// Included at the end of native/src/manual_%s.cc, whose functions it lists.' % area,
            'extern const MethodDef kManual_%s[] = {' % area] + rows + [
            '    {0, nullptr, nullptr, nullptr, false, false}};',
            'extern const size_t kManual_%sCount = sizeof(kManual_%s) / sizeof(kManual_%s[0]) - 1;' % (area, area, area),
            ''])
    return files


def owner_file(owner):
    """DomainSnapshot -> domain_snapshot; module functions -> module."""
    return re.sub(r'(?<=[a-z])(?=[A-Z])', '_', owner or 'Module').lower()


def emit_generated_cpp(api, plans):
    """native/generated/<owner>.cc: one N-API function per generated binding, and
    the owner's method table."""
    files = {}
    owners = sorted({f.owner or '' for f in plans}, key=lambda o: (o == '', o))
    for owner in owners:
        fs = [f for f in plans if (f.owner or '') == owner]
        name = owner or 'Module'
        structs = set()
        for f in fs:
            structs.update(getattr(f, 'structs_used', []))
        cpp = ['// GENERATED by scripts/generate.py from libvirt-api.xml: do not edit.',
               '// The generated bindings of %s.' % ('the module functions' if not owner else owner),
               '#include <libvirt/libvirt.h>', '#include <libvirt/libvirt-qemu.h>',
               '#include <libvirt/libvirt-lxc.h>', '#include <cstdlib>', '#include <memory>',
               '#include "../src/runtime.h"', '#include "../src/results.h"', '',
               'namespace vk {', 'namespace {', '']
        if structs:
            cpp += [emit_struct_helpers(api, structs), '']
        table = []
        for f in fs:
            maj, mi, mic = ver_tuple(f.el.get('version'))
            cpp.append('#if LIBVIR_CHECK_VERSION(%d, %d, %d)' % (maj, mi, mic))
            cpp.append(emit_cpp(f, api))
            cpp.append('#endif')
            cpp.append('')
            kind = '(int)Kind::%s' % f.owner if f.owner else '-1'
            row = '    {%s, "%s", "%s", %%s, %s, %s, "%d.%d.%d"%%s},' % (
                kind, f.js, f.cname, 'true' if f.static else 'false', 'true' if f.sync else 'false', maj, mi, mic)
            # compiled out: the method stays and rejects, naming the version it needs
            table.append('#if LIBVIR_CHECK_VERSION(%d, %d, %d)\n%s\n#else\n%s\n#endif'
                         % (maj, mi, mic, row % ('g_' + f.cname, ''), row % ('nullptr', ', true')))
        cpp.append('}  // namespace')
        cpp.append('')
        cpp.append('extern const MethodDef kGenerated_%s[] = {' % name)
        cpp.extend(table)
        cpp.append('    {0, nullptr, nullptr, nullptr, false, false}};')
        cpp.append('extern const size_t kGenerated_%sCount = sizeof(kGenerated_%s) / sizeof(kGenerated_%s[0]) - 1;'
                   % (name, name, name))
        cpp.append('}  // namespace vk')
        files['native/generated/%s.cc' % owner_file(owner)] = '\n'.join(cpp) + '\n'
    return files


def emit_runtime_lists(api, plans, manual, internal):
    """native/generated/tables.cc: every method table (generated and hand-written),
    the functions used inside the runtime (overrides "internal" and each class's Ref
    function), and the typed-parameter types libvirt documents."""
    tables = ['kGenerated_%s' % (o or 'Module') for o in sorted({f.owner or '' for f in plans}, key=lambda o: (o == '', o))]
    tables += ['kManual_%s' % a for a in sorted({m.area for m in manual})]
    out = ['// GENERATED by scripts/generate.py from libvirt-api.xml, scripts/manual.json and',
           '// scripts/overrides.json: do not edit.',
           '#include <libvirt/libvirt.h>',
           '#include "../src/runtime.h"', '', 'namespace vk {', '']
    for t in tables:
        out.append('extern const MethodDef %s[];' % t)
        out.append('extern const size_t %sCount;' % t)
    out.append('')
    out.append('extern const MethodTable kMethodTables[] = {')
    for t in tables:
        out.append('    {%s, &%sCount},' % (t, t))
    out.append('};')
    out.append('extern const size_t kMethodTableCount = sizeof(kMethodTables) / sizeof(kMethodTables[0]);')
    out.append('')
    out.append('struct HintEntry { const char *family; const char *field; int type; };')
    out.append('extern const HintEntry kTypedParamHints[] = {')
    for name, st, ty in hint_table(api):
        out.append('    {"%s", "%s", %s},' % (name, st, ty))
    out.append('};')
    out.append('extern const size_t kTypedParamHintCount = sizeof(kTypedParamHints) / sizeof(kTypedParamHints[0]);')
    out.append('')
    out.append('extern const char *const kInternalFunctions[] = {')
    for name in internal:
        out.append('    "%s",' % name)
    out.append('};')
    out.append('extern const size_t kInternalFunctionCount = sizeof(kInternalFunctions) / sizeof(kInternalFunctions[0]);')
    out.append('')
    out.append('}  // namespace vk')
    return '\n'.join(out) + '\n'


def emit_kinds():
    """native/generated/kinds.inc: the class list for the C++ side (VK_KINDS)."""
    out = ['// GENERATED by scripts/generate.py from its CLASSES list: do not edit.',
           '// X(JsName, CType, RefFn, FreeFn)', '#define VK_KINDS(X) \\']
    for c in CLASSES:
        out.append('  X(%s, vir%sPtr, vir%sRef, vir%s) \\' % (c, c, c, 'ConnectClose' if c == 'Connect' else c + 'Free'))
    out[-1] = out[-1][:-2]
    return '\n'.join(out) + '\n'


def typed_structs(api):
    """Every struct whose fields all have a JS type: its interface is exported even
    when no generated function returns it (hand-written ones may)."""
    out = set()
    for td in api.typedefs:
        s = struct_of_ptr(api, td)
        if s is not None:
            out.add(s.get('name'))
    return out


def ts_member_generated(f):
    info = libvirt_text(f.el.findtext('info'))
    extra = ['@remarks C: `%s` (libvirt >= %s)' % (f.cname, f.el.get('version'))]
    for (n, t, opt, ainfo) in f.jsparams:
        if ainfo:
            extra.append('@param %s - %s' % (n, ' '.join(libvirt_text(ainfo).split())))
    extra.append('@returns ' + returns_doc(f))
    params = []
    # a param may be left out only when every later one may be too
    optional_from = len(f.jsparams)
    for k in range(len(f.jsparams) - 1, -1, -1):
        if not f.jsparams[k][2]:
            break
        optional_from = k
    for k, (n, t, opt, ainfo) in enumerate(f.jsparams):
        params.append('%s%s: %s' % (n, '?' if k >= optional_from else '', t))
    r = ts_result(f)
    r = r if f.sync else 'Promise<%s>' % r
    return doc(info + '\n\n' + '\n'.join(extra)).rstrip('\n') + '\n  %s(%s): %s;' % (f.js, ', '.join(params), r)


def ts_member_manual(m):
    extra = []
    if m.cname:
        extra.append('@remarks C: `%s` (libvirt >= %s), hand-written in %s' % (m.cname, m.version, 'native/src/manual_%s.cc' % m.area))
    text = (m.doc + '\n\n' + '\n'.join(extra)).strip()
    return doc(text).rstrip('\n') + '\n  %s;' % m.ts


def emit_ts_classes():
    """lib/libvirt/generated/classes.ts: the JS classes (the addon's constructors)
    with their typings, from CLASSES."""
    out = ['// GENERATED by scripts/generate.py from its CLASSES list: do not edit.',
           "import { native } from '../binding.js';",
           "import type * as G from './api.js';"]
    by_file = {}
    for name, path in TS_EXTRA_IMPORTS:
        by_file.setdefault(path, []).append(name)
    for path, names in by_file.items():
        out.append("import type { %s } from '%s';" % (', '.join(names), path))
    out += ['', '/** Methods every wrapper has. */', 'export interface Freeable {',
            '  /** Drops this wrapper\'s reference to the C object (idempotent). Later calls reject. */',
            '  free(): void;', '  [Symbol.dispose](): void;', '}', '',
            '/** What a connection has instead of `free()` (native/src/wrap.cc). */', 'export interface Closeable {',
            '  /** Closes the connection (`virConnectClose`); idempotent; calls in flight finish first. '
            'Resolves to the remaining reference count. */',
            '  close(): Promise<number>;', '}', '']
    for c in CLASSES:
        extras = CLASS_TS_EXTRAS.get(c, ['Freeable'])
        out += ['/** A libvirt `vir%sPtr`. Obtained from other objects, never constructed. */' % c,
                'export interface %s extends %s {}' % (c, ', '.join(['G.%sMethods' % c] + extras)),
                '/** The %s class: `instanceof` works; static methods follow the C API. */' % c,
                'export interface %sConstructor extends G.%sStatic {' % (c, c),
                '  readonly prototype: %s;' % c, '  new (token: never): %s;' % c, '}',
                'export const %s: %sConstructor = native.%s;' % (c, c, c), '']
    freeable = [c for c in CLASSES if 'Freeable' in CLASS_TS_EXTRAS.get(c, ['Freeable'])]
    out += ['for (const cls of [%s] as any[]) {' % ', '.join(freeable),
            '  cls.prototype[Symbol.dispose] = function (this: Freeable) { this.free(); };', '}',
            '(Connect.prototype as any)[Symbol.asyncDispose] = async function (this: Connect) { await this.close(); };']
    return '\n'.join(out) + '\n'


def ts_result(f):
    if f.outs:
        if len(f.outs) == 1:
            return f.outs[0][2]
        return '{ ' + '; '.join('%s: %s' % (o[0], o[2]) for o in f.outs) + ' }'
    return f.result[1]


def emit_cpp(f, api):
    out = []
    out.append('// %s' % f.cname)
    out.append('static Napi::Value g_%s(const Napi::CallbackInfo &info) {' % f.cname)
    out.append('  Napi::Env env = info.Env();')
    label = '%s%s%s' % (f.owner or '', '.' if f.static else ('#' if f.owner else ''), f.js)
    out.append('  CheckArgCount(info, %d, "%s");' % (f.nargs_js, label))
    out.append('  struct C : Call {')
    for mline in f.members:
        out.append('    ' + mline)
    out.append('    bool Run() override {')
    for p in f.pre:
        out.append('      ' + p)
    out.append('      ' + f.call)
    out.append('    }')
    out.append('    Napi::Value Done(Napi::Env env) override {')
    if f.outs:
        if len(f.outs) == 1:
            out.append('      Napi::Value v = %s;' % f.outs[0][1])
        else:
            out.append('      static const int shape = ShapeSlot();')
            out.append('      napi_value r[] = {%s};' % ', '.join(o[1] for o in f.outs))
            out.append('      Napi::Value v(env, MakeShaped(env, shape, "%s", %d, r));'
                       % (','.join(o[0] for o in f.outs), len(f.outs)))
        out.append('      Discard();')
        out.append('      return v;')
    else:
        out.append('      return %s;' % f.result[0])
    out.append('    }')
    if f.discard:
        out.append('    void Discard() override {')
        for d in f.discard:
            out.append('      ' + d)
        out.append('    }')
    out.append('  };')
    if f.sync:
        out.append('  C stack; C *c = &stack;')
    else:
        out.append('  auto owned = std::make_unique<C>(); C *c = owned.get();')
    for s in f.fill:
        out.append('  ' + s)
    for s in f.hold:
        out.append('  ' + s)
    if f.sync:
        out.append('  if (!c->Run()) ThrowLibvirt(env);')
        out.append('  return c->Done(env);')
    else:
        out.append('  return Submit(env, owned.release());')
    out.append('}')
    return '\n'.join(out)


def emit_struct_helpers(api, names):
    out = []
    for sname in sorted(names):
        s = api.structs[sname]
        out.append('[[maybe_unused]] static Napi::Value ToJS_%s(Napi::Env env, const %s &s) {' % (sname, sname))
        fields = struct_fields_js(s, 's')
        out.append('  static const int shape = ShapeSlot();')
        out.append('  napi_value v[] = {')
        for name, expr, ts, _ in fields:
            out.append('      %s,' % expr)
        out.append('  };')
        out.append('  return Napi::Value(env, MakeShaped(env, shape, "%s", %d, v));'
                   % (','.join(f[0] for f in fields), len(fields)))
        out.append('}')
        if any(fl.get('type') == 'char *' for fl in s.findall('field')):
            out.append('[[maybe_unused]] static void FreeStruct_%s(%s &s) {' % (sname, sname))
            for fl in s.findall('field'):
                if fl.get('type') == 'char *':
                    out.append('  free(s.%s); s.%s = nullptr;' % (fl.get('name'), fl.get('name')))
            out.append('}')
    return '\n'.join(out)


def hint_table(api):
    rows = []
    type_re = re.compile(r'\bas (?:an? )?(?:VIR_TYPED_PARAM_)?(int|uint|llong|ullong|double|boolean|string)\b', re.I)
    for m in api.macros:
        s = m.get('string')
        if s is None:
            continue
        info = m.findtext('info') or ''
        r = type_re.search(info)
        if not r:
            continue
        rows.append((m.get('name'), s, 'VIR_TYPED_PARAM_' + r.group(1).upper()))
    rows.sort()
    return rows


OVERRIDE_KEYS = ('sync', 'skip', 'internal', 'returns', 'tpFamily', 'listCount', 'borrowed', 'nullableArgs',
                 'dropOuts', 'returnWithOuts', 'boolOut')


def load_overrides(api):
    """scripts/overrides.json, and the names in it that are no function or argument."""
    ov = json.load(open(os.path.join(ROOT, 'scripts', 'overrides.json')))
    for key in OVERRIDE_KEYS:
        ov.setdefault(key, [] if key in ('sync', 'borrowed', 'returnWithOuts') else {})
    errors = []
    by_name = {el.get('name'): el for _, el in api.functions}
    for key in OVERRIDE_KEYS:
        for name in ov[key]:
            if name not in by_name:
                errors.append('%s: listed in overrides "%s" but not in the API XML' % (name, key))
    for name, argmap in ov['nullableArgs'].items():
        have = {a.get('name') for a in by_name[name].findall('arg')} if name in by_name else set()
        for a in argmap:
            if name in by_name and a not in have:
                errors.append('%s: overrides "nullableArgs" names %s, which is no argument' % (name, a))
    return ov, errors


def wrapper_functions():
    """Each class's Free (Connect's Close), bound as free()/close() on every wrapper,
    and its Ref, taken for each call in flight: (status, reason) by C name."""
    out = {}
    for c in CLASSES:
        out['vir%s' % ('ConnectClose' if c == 'Connect' else c + 'Free')] = (
            'manual', 'Connect#close() (native/src/wrap.cc): detaches the wrapper, idempotent, safe with calls in flight'
            if c == 'Connect' else 'free() on every wrapper (native/src/wrap.cc): idempotent, off the JS thread')
        out['vir%sRef' % c] = ('internal', 'taken for each call in flight (Call::Hold in native/src/runtime.h)')
    return out


def plan_all(api, ov, manual):
    """Every function of the API, as a manifest entry: skipped, internal,
    hand-written, or planned for generation. Returns (plans, manifest, errors)."""
    wrapper_fns = wrapper_functions()
    manual_by_c = {m.cname: m for m in manual if m.cname}
    plans, manifest, errors = [], [], []
    seen_js = {(m.owner or None, m.static, m.js): m.key for m in manual}
    for module, el in api.functions:
        cname = el.get('name')
        entry = {'c': cname, 'module': module, 'version': el.get('version')}
        if cname in ov['skip']:
            entry.update(status='skip', reason=ov['skip'][cname])
        elif cname in wrapper_fns:
            entry.update(status=wrapper_fns[cname][0], reason=wrapper_fns[cname][1])
        elif cname in ov['internal']:
            entry.update(status='internal', reason=ov['internal'][cname])
        elif cname in manual_by_c:
            m = manual_by_c[cname]
            entry.update(status='manual', reason=m.why, js=m.js, owner=m.owner, static=m.static)
        else:
            try:
                f = plan_function(api, ov, module, el)
            except GenError as e:
                errors.append('%s: %s' % (cname, e))
                continue
            key = (f.owner, f.static, f.js)
            if key in seen_js:
                errors.append('%s: JS name %s clashes with %s' % (cname, f.js, seen_js[key]))
                continue
            seen_js[key] = cname
            plans.append(f)
            entry.update(status='generated', js=f.js, owner=f.owner or '', static=f.static,
                         params=[{'name': n, 'ts': t} for (n, t, _, _) in f.jsparams])
        manifest.append(entry)
    return plans, manifest, errors


def emit_constants(api):
    """lib/libvirt/generated/constants.ts: every enum value under its C name, and
    each enum as an object of its values and as the union type of them."""
    ts = ['// GENERATED by scripts/generate.py from libvirt-api.xml: do not edit.', '']
    groups = {}
    seen = set()
    values = {}
    for e in api.enums:
        try:
            values[e.get('name')] = int(e.get('value'))
        except (TypeError, ValueError):
            pass
    for e in api.enums:
        name, val = e.get('name'), e.get('value')
        if name in seen:
            continue
        seen.add(name)
        # Some values are other enum names (VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE =
        # VIR_CONNECT_LIST_DOMAINS_ACTIVE): resolve them.
        v = values.get(name)
        if v is None:
            v = values.get(val)
        if v is None:
            continue
        info = libvirt_text(e.get('info'))
        if info:
            ts.append('/** %s */' % info.replace('*/', '*\\/').replace('\n', ' '))
        ts.append('export const %s = %d;' % (name, v))
        groups.setdefault(e.get('type'), []).append((name, v))
    ts.append('')
    for g in sorted(groups):
        if not g or not re.match(r'^\w+$', g):
            continue
        ts.append('/** The `%s` enum: C name to value. */' % g)
        ts.append('export const %s = {' % g)
        for name, v in groups[g]:
            ts.append('  %s: %d,' % (name, v))
        ts.append('} as const;')
        ts.append('/** A value of the `%s` enum. */' % g)
        ts.append('export type %s = (typeof %s)[keyof typeof %s];' % (g, g, g))
    return '\n'.join(ts) + '\n'


def emit_api_ts(api, plans, manual, ts_imports):
    """lib/libvirt/generated/api.ts: the struct interfaces, and one interface of
    methods per class (instance and static) and for the module functions."""
    api_ts = ['// GENERATED by scripts/generate.py from libvirt-api.xml: do not edit.',
              '/* eslint-disable */',
              "import type { TypedParams, TypedParamsInput } from '../typed-params.js';",
              "import type { %s } from '../classes.js';" % ', '.join(CLASSES),
              "import type * as E from './constants.js';"]
    for path, names in ts_imports.items():
        if names:
            api_ts.append("import type { %s } from '%s';" % (', '.join(names), path))
    api_ts.append('')
    for sname in sorted(typed_structs(api)):
        s = api.structs[sname]
        api_ts.append('/** C struct `%s`, fields under their C names. */' % sname)
        api_ts.append('export interface %s {' % sname)
        for name, expr, t, finfo in struct_fields_js(s, 's'):
            if finfo:
                api_ts.append('  /** %s */' % finfo.replace('*/', '*\\/'))
            api_ts.append('  %s: %s;' % (name, t))
        api_ts.append('}')
    api_ts.append('')
    by_owner = {}
    for c in CLASSES:
        by_owner[(c, False)] = []
        by_owner[(c, True)] = []
    by_owner[('', False)] = []
    for f in plans:
        by_owner.setdefault((f.owner or '', f.static), []).append((f.js, ts_member_generated(f)))
    for m in manual:
        if m.ts:
            by_owner.setdefault((m.owner, m.static), []).append((m.js, ts_member_manual(m)))
    for (owner, static), members in sorted(by_owner.items()):
        iname = ('%sStatic' % owner) if static else (('%sMethods' % owner) if owner else 'ModuleFunctions')
        api_ts.append('export interface %s {' % iname)
        for _, text in sorted(members):
            api_ts.append(text)
        api_ts.append('}')
        api_ts.append('')
    return '\n'.join(api_ts)


def write_files(files, check):
    """Writes the files that changed; with check, fails instead if any would."""
    gyp = open(os.path.join(ROOT, 'binding.gyp')).read()
    unlisted = [rel for rel in files if rel.endswith('.cc') and '"%s"' % rel not in gyp]
    if unlisted:
        sys.stderr.write('binding.gyp does not compile: %s\n' % ', '.join(unlisted))
        sys.exit(1)
    stale = []
    for rel, content in files.items():
        p = os.path.join(ROOT, rel)
        old = open(p).read() if os.path.exists(p) else None
        if old != content:
            stale.append(rel)
            if not check:
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, 'w') as fh:
                    fh.write(content)
    if check and stale:
        sys.stderr.write('generated files are stale: %s\nrun: npm run generate\n' % ', '.join(stale))
        sys.exit(1)


def main():
    check = '--check' in sys.argv
    api = Api()
    ov, errors = load_overrides(api)
    manual, ts_imports, manual_errors = load_manual(api)
    plans, manifest, plan_errors = plan_all(api, ov, manual)
    errors += manual_errors + plan_errors
    if errors:
        sys.stderr.write('functions neither bindable nor listed in scripts/overrides.json or scripts/manual.json:\n  ' +
                         '\n  '.join(errors) + '\n')
        sys.exit(1)
    wrapper_fns = wrapper_functions()
    internal = [n for n in sorted(wrapper_fns) if wrapper_fns[n][0] == 'internal'] + sorted(ov['internal'])
    files = emit_generated_cpp(api, plans)
    files.update(emit_manual_tables(manual))
    files['native/generated/tables.cc'] = emit_runtime_lists(api, plans, manual, internal)
    files['native/generated/kinds.inc'] = emit_kinds()
    files['lib/libvirt/generated/constants.ts'] = emit_constants(api)
    files['lib/libvirt/generated/api.ts'] = emit_api_ts(api, plans, manual, ts_imports)
    files['lib/libvirt/generated/classes.ts'] = emit_ts_classes()
    files['lib/libvirt/generated/manifest.json'] = json.dumps(manifest, indent=1, sort_keys=True) + '\n'
    write_files(files, check)
    n_gen = sum(1 for e in manifest if e['status'] == 'generated')
    print('generated %d bindings; %d manual, %d internal, %d skipped; %d total'
          % (n_gen, sum(1 for e in manifest if e['status'] == 'manual'),
             sum(1 for e in manifest if e['status'] == 'internal'),
             sum(1 for e in manifest if e['status'] == 'skip'), len(manifest)))


if __name__ == '__main__':
    main()
