#!/usr/bin/env python3
"""Generate virtkit's typed XML layer from libvirt's RELAX NG schemas.

Reads every top-level schema (a grammar with a <start>) from libvirt's schema folder
(`pkg-config --variable=datadir libvirt` + /libvirt/schemas, falling back to datarootdir, as
libvirt 9.0's .pc has no datadir) and writes lib/xml/generated/:

  types.ts   one TypeScript interface per element shape, plus the root type of each schema
  tables.ts  compact descriptor tables (value types and element shapes) the runtime walks
  schemas.ts the schema registry (root element -> descriptor), the SchemaTypes map and the
             typed shorthands (parseDomainXML, domainXML, ...)

Design: typed interfaces plus per-element descriptor tables walked by one small runtime
(lib/xml/parse.ts, lib/xml/serialize.ts) rather than emitted per-element parse functions.
The tables keep the generated code small (libvirt's domain grammar alone has ~1000 elements
and is included by five schemas), one walker is easier to keep exact than thousands of
emitted functions, and a table-driven SAX walk stays within the speed goal because per
element it costs one Map lookup per attribute and child.

How the grammar becomes a shape (the rules the README documents):
- Each element's content is flattened: every attribute, child element and text the
  content model can hold, through define/ref, group, interleave, choice, optional,
  zeroOrMore and oneOrMore. Alternatives of a <choice> that declare an element of the same
  name are merged into one shape (attributes, children and value types united). This is the
  one loose construct: the exclusivity of choice branches is not enforced, and an attribute
  or child is required only when every branch requires it.
- A child is an array when the model lets it occur more than once.
- An element with no attributes and no child elements is a scalar (its text's value);
  otherwise an object whose text, if the model has text, is the property '#text'.
- An attribute and a child element of the same name: the attribute's property is '@name'.
- Value types: <value> choices become string-literal unions; XSD integers whose range fits
  2^53 are numbers, wider ones (long, unsignedLong, integer, ...) bigints; decimal and double
  stay strings (exact); patterns are checked; other data types are strings.
- Identical shapes are shared (Moore partition refinement over all schemas); an interface is
  named after the first schema (in SCHEMAS order) and define that declares it.

Usage: python3 scripts/gen-xml.py [--check] [--schemas DIR] [--dump-grammar SCHEMA[,SCHEMA...]|all]
"""
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

RNG = '{http://relaxng.org/ns/structure/1.0}'
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, 'lib', 'xml', 'generated')

# Schema key (file base name) -> PascalCase stem used for type and shorthand names.
# The order decides which schema names a shape shared by several.
SCHEMAS = [
    ('domain', 'Domain'), ('network', 'Network'), ('storagepool', 'StoragePool'),
    ('storagevol', 'StorageVol'), ('capability', 'Capabilities'), ('domaincaps', 'DomainCaps'),
    ('storagepoolcaps', 'StoragePoolCaps'), ('nodedev', 'NodeDevice'), ('secret', 'Secret'),
    ('nwfilter', 'NWFilter'), ('nwfilterbinding', 'NWFilterBinding'), ('interface', 'Interface'),
    ('domainsnapshot', 'DomainSnapshot'), ('domaincheckpoint', 'DomainCheckpoint'),
    ('domainbackup', 'DomainBackup'), ('networkport', 'NetworkPort'), ('cpu', 'CPU'),
    ('inactiveDomain', 'InactiveDomain'),
]

XSD_INT = {
    'byte': (-2**7, 2**7 - 1), 'short': (-2**15, 2**15 - 1), 'int': (-2**31, 2**31 - 1),
    'long': (-2**63, 2**63 - 1), 'unsignedByte': (0, 2**8 - 1), 'unsignedShort': (0, 2**16 - 1),
    'unsignedInt': (0, 2**32 - 1), 'unsignedLong': (0, 2**64 - 1), 'integer': (None, None),
    'nonNegativeInteger': (0, None), 'positiveInteger': (1, None),
    'nonPositiveInteger': (None, 0), 'negativeInteger': (None, -1),
}
SAFE = 2**53 - 1

# The prefixes libvirt writes for its extension namespaces (the grammar names only the URI).
NS_PREFIX = {
    'http://libvirt.org/schemas/domain/qemu/1.0': 'qemu',
    'http://libvirt.org/schemas/domain/lxc/1.0': 'lxc',
    'http://libvirt.org/schemas/domain/bhyve/1.0': 'bhyve',
    'http://libvirt.org/schemas/domain/xen/1.0': 'xen',
    'http://libvirt.org/schemas/domain/vmware/1.0': 'vmware',
    'http://libvirt.org/schemas/network/dnsmasq/1.0': 'dnsmasq',
    'http://libvirt.org/schemas/storagepool/fs/1.0': 'fs',
    'http://libvirt.org/schemas/storagepool/rbd/1.0': 'rbd',
}


def schema_dir():
    for var in ('datadir', 'datarootdir'):
        try:
            out = subprocess.run(['pkg-config', '--variable=' + var, 'libvirt'],
                                 capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            out = ''
        if out and os.path.isdir(os.path.join(out, 'libvirt', 'schemas')):
            return os.path.join(out, 'libvirt', 'schemas')
    sys.exit('gen-xml: libvirt schemas not found through pkg-config (libvirt-dev installed?)')


# ---------------------------------------------------------------- grammar loading

class Scope:
    """One <grammar>: its defines (after include/override/combine) and its parent."""
    def __init__(self, parent):
        self.parent = parent
        self.defines = {}   # name -> [(combine, element, dir)]
        self.starts = []    # [(combine, element, dir)]
        self.cache = {}


_parsed = {}


def parse_file(path):
    if path not in _parsed:
        _parsed[path] = ET.parse(path).getroot()
    return _parsed[path]


def collect(gram, d, scope, overrides=None):
    """Collects a grammar's defines and starts into scope, following include and div."""
    defines, starts = {}, []
    for ch in gram:
        tag = ch.tag.replace(RNG, '')
        if tag == 'define':
            defines.setdefault(ch.get('name'), []).append((ch.get('combine'), ch, d))
        elif tag == 'start':
            starts.append((ch.get('combine'), ch, d))
        elif tag == 'div':
            sub_d, sub_s = collect(ch, d, scope)
            for k, v in sub_d.items():
                defines.setdefault(k, []).extend(v)
            starts.extend(sub_s)
        elif tag == 'include':
            path = os.path.join(d, ch.get('href'))
            inc_d, inc_s = collect(parse_file(path), os.path.dirname(path), scope)
            own_d, own_s = collect(ch, d, scope)
            for k in own_d:
                inc_d.pop(k, None)
            if own_s:
                inc_s = []
            for k, v in inc_d.items():
                defines.setdefault(k, []).extend(v)
            for k, v in own_d.items():
                defines.setdefault(k, []).extend(v)
            starts.extend(inc_s + own_s)
    return defines, starts


def make_scope(gram, d, parent):
    s = Scope(parent)
    s.defines, s.starts = collect(gram, d, s)
    return s


_uid = [0]


def uid():
    _uid[0] += 1
    return _uid[0]


def combine(parts, scope):
    pats = [conv_children(el, d, scope) for _, el, d in parts]
    if len(pats) == 1:
        return pats[0]
    how = next((c for c, _, _ in parts if c), 'choice')
    return (how, pats)


def conv_children(el, d, scope, ns=''):
    """The pattern of an element's children (an implicit group)."""
    kids = [c for c in el if c.tag.startswith(RNG) and c.tag != RNG + 'name'
            and c.tag not in (RNG + 'anyName', RNG + 'nsName')]
    pats = [conv(c, d, scope, ns) for c in kids]
    if not pats:
        return ('empty',)
    return pats[0] if len(pats) == 1 else ('group', pats)


def el_name(el):
    if el.get('name') is not None:
        return el.get('name').strip()
    for c in el:
        if c.tag == RNG + 'name':
            return c.text.strip()
    return None  # anyName / nsName: a wildcard


def qname(name, ns):
    """An element of a libvirt extension namespace is named with the prefix libvirt writes."""
    if name is None or not ns:
        return name
    if ns not in NS_PREFIX:
        raise SystemExit('gen-xml: no prefix known for namespace ' + ns)
    return NS_PREFIX[ns] + ':' + name


def conv(el, d, scope, ns=''):
    tag = el.tag.replace(RNG, '')
    ns = el.get('ns', ns)
    if tag in ('group', 'interleave', 'choice'):
        pats = [conv(c, d, scope, ns) for c in el if c.tag.startswith(RNG)]
        return pats[0] if len(pats) == 1 else (tag, pats)
    if tag in ('optional', 'zeroOrMore', 'oneOrMore', 'list', 'mixed'):
        return (tag, conv_children(el, d, scope, ns))
    if tag == 'element':
        return ('element', qname(el_name(el), ns), conv_children(el, d, scope, ns), uid(), ns)
    if tag == 'attribute':
        kids = [c for c in el if c.tag.startswith(RNG) and c.tag not in
                (RNG + 'name', RNG + 'anyName', RNG + 'nsName')]
        val = conv(kids[0], d, scope, ns) if kids else ('text',)
        return ('attribute', el_name(el), val)
    if tag == 'ref':
        return ('ref', scope, el.get('name'))
    if tag == 'parentRef':
        return ('ref', scope.parent, el.get('name'))
    if tag == 'grammar':
        sub = make_scope(el, d, scope)
        return combine(sub.starts, sub)
    if tag == 'value':
        return ('value', el.text or '', el.get('type', 'token'))
    if tag == 'data':
        params = {p.get('name'): p.text for p in el if p.tag == RNG + 'param'}
        for ex in el.findall(RNG + 'except'):
            # libvirt excepts literal values only (a volume name is not "." or "..").
            params['except'] = [v.text or '' for v in ex.iter(RNG + 'value')]
        return ('data', el.get('type'), params)
    if tag in ('text', 'empty', 'notAllowed'):
        return (tag,)
    if tag == 'externalRef':
        path = os.path.join(d, el.get('href'))
        sub = make_scope(parse_file(path), os.path.dirname(path), None)
        return combine(sub.starts, sub)
    raise SystemExit('gen-xml: unhandled RELAX NG construct <%s>' % tag)


def deref(p):
    while p[0] == 'ref':
        scope, name = p[1], p[2]
        if name not in scope.cache:
            if name not in scope.defines:
                raise SystemExit('gen-xml: undefined ref ' + name)
            scope.cache[name] = None
            scope.cache[name] = combine(scope.defines[name], scope)
        if scope.cache[name] is None:
            raise SystemExit('gen-xml: ref loop without element: ' + name)
        p = scope.cache[name]
    return p


def define_name(p):
    """The define a ref points at, used to name the element it wraps."""
    return p[2] if p[0] == 'ref' else None


# ---------------------------------------------------------------- flattening

def flatten(p, acc, seen_defs=None):
    """Collects attributes, child elements and text patterns reachable without crossing an
    element boundary. acc = {'attrs': {name: [valpat]}, 'kids': {name: [(elem, defname)]},
    'text': [valpat], 'any': bool}."""
    k = p[0]
    if k == 'ref':
        flatten_named(p, acc)
    elif k in ('group', 'interleave', 'choice'):
        saved = acc.get('_def')
        acc['_def'] = None
        for c in p[1]:
            flatten(c, acc)
        acc['_def'] = saved
    elif k in ('optional', 'zeroOrMore', 'oneOrMore'):
        flatten(p[1], acc)
    elif k == 'mixed':
        acc['text'].append(('text',))
        flatten(p[1], acc)
    elif k == 'element':
        if p[1] is None:
            acc['any'] = True
        else:
            acc['kids'].setdefault(p[1], []).append((p, acc.get('_def')))
    elif k == 'attribute':
        if p[1] is not None:
            acc['attrs'].setdefault(p[1], []).append(p[2])
    elif k in ('text', 'value', 'data', 'list'):
        acc['text'].append(p)
    elif k in ('empty', 'notAllowed'):
        pass
    else:
        raise SystemExit('gen-xml: flatten ' + k)


def flatten_named(p, acc):
    body = deref(p)
    saved = acc.get('_def')
    # An element that is a define's whole body (possibly under optional/zeroOrMore) is named
    # after that define; elements inside a group or choice are named after their parent.
    inner = body
    while inner[0] in ('optional', 'zeroOrMore', 'oneOrMore'):
        inner = inner[1]
    acc['_def'] = p[2] if inner[0] == 'element' else None
    flatten(body, acc)
    acc['_def'] = saved


def seq_names(p, edges, seen):
    """Child element names a pattern can hold, adding 'a before b' edges for its sequences."""
    k = p[0]
    if k == 'ref':
        key = (id(p[1]), p[2])
        if key in seen:
            return seen[key]
        seen[key] = []
        seen[key] = seq_names(deref(p), edges, seen)
        return seen[key]
    if k == 'group':
        prev, allnames = [], []
        for c in p[1]:
            names = seq_names(c, edges, seen)
            for a in prev:
                for b in names:
                    if a != b:
                        edges.add((a, b))
            if names:
                prev = names
            allnames += [n for n in names if n not in allnames]
        return allnames
    if k in ('interleave', 'choice'):
        allnames = []
        for c in p[1]:
            allnames += [n for n in seq_names(c, edges, seen) if n not in allnames]
        return allnames
    if k in ('optional', 'zeroOrMore', 'oneOrMore', 'mixed'):
        return seq_names(p[1], edges, seen)
    if k == 'element' and p[1] is not None:
        return [p[1]]
    return []


def topo_order(names, edges):
    """Orders names so every edge a->b has a first, keeping first-seen order otherwise; a
    cycle (branches ordering two names both ways) is broken by first-seen order."""
    pos = {n: i for i, n in enumerate(names)}
    preds = {n: {a for a, b in edges if b == n and a in pos} for n in names}
    out, left = [], list(names)
    while left:
        ready = [n for n in left if not (preds[n] & set(left))]
        n = ready[0] if ready else left[0]
        out.append(n)
        left.remove(n)
    return out


def counts(p, out, mult):
    """name -> max occurrences (1, or 2 meaning 'many') of child elements."""
    k = p[0]
    if k == 'ref':
        counts(deref(p), out, mult)
    elif k in ('group', 'interleave'):
        for c in p[1]:
            counts(c, out, mult)
    elif k == 'choice':
        branch = []
        for c in p[1]:
            o = {}
            counts(c, o, mult)
            branch.append(o)
        for o in branch:
            for n, v in o.items():
                out[n] = max(out.get(n, 0), v)
        return
    elif k == 'optional':
        counts(p[1], out, mult)
    elif k in ('zeroOrMore', 'oneOrMore'):
        counts(p[1], out, 2)
    elif k == 'mixed':
        counts(p[1], out, mult)
    elif k == 'element' and p[1] is not None:
        out[p[1]] = min(2, out.get(p[1], 0) + mult)


ALL = 'ALL'


def required(p):
    """Names ('@attr' or 'elem') present in every document the pattern matches."""
    k = p[0]
    if k == 'ref':
        return required(deref(p))
    if k in ('group', 'interleave'):
        r = set()
        for c in p[1]:
            s = required(c)
            if s == ALL:
                return ALL
            r |= s
        return r
    if k == 'choice':
        r = ALL
        for c in p[1]:
            s = required(c)
            if s == ALL:
                continue
            r = set(s) if r == ALL else (r & s)
        return r
    if k == 'oneOrMore':
        return required(p[1])
    if k == 'element':
        return {p[1]} if p[1] else set()
    if k == 'attribute':
        return {'@' + p[1]} if p[1] else set()
    if k == 'notAllowed':
        return ALL
    return set()


def nullable_text(p):
    """Whether the content may have no text at all."""
    k = p[0]
    if k == 'ref':
        return nullable_text(deref(p))
    if k in ('group', 'interleave'):
        return all(nullable_text(c) for c in p[1])
    if k == 'choice':
        return any(nullable_text(c) for c in p[1])
    if k in ('value',):
        return p[1] == ''
    if k in ('data', 'list'):
        return False
    if k == 'notAllowed':
        return False
    return True


# ---------------------------------------------------------------- value types

VTS = []       # list of value-type tuples (emitted as JSON arrays)
VT_IDX = {}


def vt_id(t):
    key = json.dumps(t)
    if key not in VT_IDX:
        VT_IDX[key] = len(VTS)
        VTS.append(t)
    return VT_IDX[key]


def value_types(p, out, enum):
    """Appends value types of a text/attribute pattern to out; <value>s gather into enum."""
    k = p[0]
    if k == 'ref':
        value_types(deref(p), out, enum)
    elif k == 'choice' or k == 'group' or k == 'interleave':
        for c in p[1]:
            value_types(c, out, enum)
    elif k in ('optional', 'zeroOrMore', 'oneOrMore', 'mixed'):
        value_types(p[1], out, enum)
    elif k == 'value':
        v = p[1] if p[2] == 'string' else ' '.join(p[1].split())
        if v not in enum:
            enum.append(v)
    elif k == 'empty':
        if '' not in enum:
            enum.append('')
    elif k == 'data':
        out.append(data_type(p[1], p[2]))
    elif k in ('text', 'list'):
        out.append(['s'])
    elif k in ('element', 'attribute', 'notAllowed'):
        pass
    else:
        raise SystemExit('gen-xml: value ' + k)


XSD_CLASS_ESC = {'i': 'A-Za-z_:', 'c': '\\-.0-9A-Za-z_:'}


def xsd_regex(src):
    """An XSD regular expression as JavaScript source (anchoring is the runtime's): XSD has no
    anchors, so ^ and $ outside a class are literal; \\i and \\c become their ASCII classes."""
    out, i, in_class = [], 0, False
    while i < len(src):
        c = src[i]
        if c == '\\' and i + 1 < len(src):
            e = src[i + 1]
            if e.lower() in XSD_CLASS_ESC:
                body = XSD_CLASS_ESC[e.lower()]
                out.append(body if in_class else ('[%s%s]' % ('^' if e.isupper() else '', body)))
            elif e in 'pP':
                raise SystemExit('gen-xml: unhandled XSD regex escape \\%s in %s' % (e, src))
            else:
                out.append(c + e)
            i += 2
            continue
        if in_class:
            if c == ']':
                in_class = False
        elif c == '[':
            in_class = True
            out.append(c)
            if src[i + 1:i + 2] == '^':
                out.append('^')
                i += 1
            i += 1
            continue
        elif c in '$^':
            out.append('\\' + c)
            i += 1
            continue
        out.append(c)
        i += 1
    return ''.join(out)


def data_type(t, params):
    pat = xsd_regex(params['pattern']) if 'pattern' in params else None
    if t in XSD_INT:
        lo, hi = XSD_INT[t]
        if 'minInclusive' in params:
            lo = int(params['minInclusive']) if lo is None else max(lo, int(params['minInclusive']))
        if 'maxInclusive' in params:
            hi = int(params['maxInclusive']) if hi is None else min(hi, int(params['maxInclusive']))
        if 'minExclusive' in params:
            lo = int(params['minExclusive']) + 1
        if 'maxExclusive' in params:
            hi = int(params['maxExclusive']) - 1
        big = 0 if (lo is not None and hi is not None and lo >= -SAFE and hi <= SAFE) else 1
        if pat not in (None, '[0-9]+', '-?[0-9]+'):
            big = 2  # e.g. octal modes ("0755"): the digits are no decimal number; keep the text
        return ['i', None if lo is None else str(lo), None if hi is None else str(hi), big, pat]
    if t in ('double', 'float', 'decimal'):
        return ['d', pat]
    if 'except' in params:
        return ['p', pat if pat is not None else '[\\s\\S]*', params['except']]
    if pat is not None:
        return ['p', pat]
    return ['s']


def value_spec(pats):
    """(sorted value-type ids) for a list of alternative value patterns."""
    out, enum = [], []
    for p in pats:
        value_types(p, out, enum)
    ids = []
    if enum:
        ids.append(vt_id(['e', enum]))
    order = {'e': 0, 'i': 1, 'd': 2, 'p': 3, 's': 4}
    rest = sorted({json.dumps(t) for t in out}, key=lambda j: (order[json.loads(j)[0]], j))
    ids += [vt_id(json.loads(j)) for j in rest]
    return ids


# ---------------------------------------------------------------- shapes

class Shape:
    __slots__ = ('id', 'ns', 'name', 'attrs', 'kids', 'text', 'scalar', 'textopt', 'tsname', 'schema',
                 'defname', 'hint')


SHAPES = []


def build_shape(elems, memo, schema, hint):
    """One merged shape for element patterns sharing a name within one parent."""
    key = tuple(sorted(e[3] for e, _ in elems))
    if key in memo:
        return memo[key]
    s = Shape()
    s.id = len(SHAPES)
    SHAPES.append(s)
    memo[key] = s
    s.name = elems[0][0][1]
    s.ns = elems[0][0][4]
    s.schema = schema
    dns = {dn for _, dn in elems}
    s.defname = dns.pop() if len(dns) == 1 else None
    s.hint = hint
    acc = {'attrs': {}, 'kids': {}, 'text': [], 'any': False}
    req = ALL
    cnt = {}
    textopt = False
    for e, _ in elems:
        flatten(e[2], acc)
        r = required(e[2])
        req = r if req == ALL else (req if r == ALL else req & r)
        one = {}
        counts(e[2], one, 1)
        for n, v in one.items():
            cnt[n] = max(cnt.get(n, 0), v)
        textopt = textopt or nullable_text(e[2])
    if req == ALL:
        req = set()
    s.attrs = [(n, value_spec(v), 1 if '@' + n in req else 0) for n, v in acc['attrs'].items()]
    edges = set()
    for e, _ in elems:
        seq_names(e[2], edges, {})
    order = topo_order(list(acc['kids']), edges)
    s.kids = []
    for n in order:
        lst = acc['kids'][n]
        # Dedupe the same element pattern reached twice (a define referenced twice).
        uniq, seen = [], set()
        for e, dn in lst:
            if e[3] not in seen:
                seen.add(e[3])
                uniq.append((e, dn))
        child = build_shape(uniq, memo, schema, (s, n))
        s.kids.append((n, child, 1 if cnt.get(n, 1) > 1 else 0, 1 if n in req else 0))
    s.text = value_spec(acc['text']) if acc['text'] else None
    s.scalar = 1 if (not s.attrs and not s.kids and not acc['any']) else 0
    if s.scalar and s.text is None:
        s.scalar = 0  # an always-empty element is an object ({}), so presence is visible
    s.textopt = 1 if (s.text is not None and textopt) else 0
    return s


def schema_roots(name, sdir):
    path = os.path.join(sdir, name + '.rng')
    scope = make_scope(parse_file(path), sdir, None)
    start = combine(scope.starts, scope)
    acc = {'attrs': {}, 'kids': {}, 'text': [], 'any': False}
    flatten(start, acc)
    memo = {}
    roots = {}
    for n, lst in acc['kids'].items():
        roots[n] = build_shape(lst, memo, name, None)
    return roots


# ---------------------------------------------------------------- sharing identical shapes

def minimize():
    """Moore refinement: shapes equal in everything, children's classes included, merge."""
    def local(s):
        return json.dumps([s.name, s.ns, s.attrs, [(n, r, q) for n, _, r, q in s.kids], s.text,
                           s.scalar, s.textopt])
    cls = {}
    keys = {}
    for s in SHAPES:
        keys.setdefault(local(s), len(keys))
        cls[s.id] = keys[local(s)]
    while True:
        keys = {}
        new = {}
        for s in SHAPES:
            k = (cls[s.id], tuple(cls[c.id] for _, c, _, _ in s.kids))
            keys.setdefault(k, len(keys))
            new[s.id] = keys[k]
        if len(set(new.values())) == len(set(cls.values())):
            return new
        cls = new


# ---------------------------------------------------------------- naming

def pascal(s):
    parts = re.split(r'[^A-Za-z0-9]+', s)
    return ''.join(p[:1].upper() + p[1:] for p in parts if p)


def lower_first_run(s):
    m = re.match(r'^([A-Z]+)(?=[A-Z][a-z]|$)', s)
    if m and len(m.group(1)) > 1:
        return m.group(1).lower() + s[len(m.group(1)):]
    return s[:1].lower() + s[1:]


PROP_RE = re.compile(r'^[A-Za-z_$][A-Za-z0-9_$]*$')


def prop(n):
    return n if PROP_RE.match(n) else json.dumps(n)


# ---------------------------------------------------------------- emit

HEADER = '// Generated by scripts/gen-xml.py from libvirt %s RELAX NG schemas. Do not edit.\n'


def ts_value(ids, big_ok=True):
    parts = []
    for i in ids:
        t = VTS[i]
        if t[0] == 'e':
            parts += [json.dumps(v) for v in t[1]]
        elif t[0] == 'i':
            parts.append(['number', 'bigint', 'string'][t[3]])
        else:
            parts.append('string')
    out = []
    for p in parts:
        if p not in out:
            out.append(p)
    if 'string' in out:
        out = [p for p in out if not p.startswith('"')]
    return ' | '.join(out) if out else 'string'


def libvirt_version():
    try:
        return subprocess.run(['pkg-config', '--modversion', 'libvirt'], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return 'unknown'


def generate(sdir):
    roots = {}
    for key, _ in SCHEMAS:
        roots[key] = schema_roots(key, sdir)
    cls = minimize()
    # Representative of each class: the first shape built (schema order).
    rep = {}
    for s in SHAPES:
        rep.setdefault(cls[s.id], s)
    classes = sorted(rep)
    index = {c: i for i, c in enumerate(classes)}
    stem = dict(SCHEMAS)
    names, used = {}, set()

    def name_of(c):
        return names[c]
    # Roots first so each schema's root is <Stem>Def.
    for key, st in SCHEMAS:
        for n, s in roots[key].items():
            c = cls[s.id]
            if c not in names and not rep[c].scalar:
                nm = st + 'Def' if len(roots[key]) == 1 else st + pascal(n) + 'Def'
                names[c] = nm
                used.add(nm)

    def assign(s):
        c = cls[s.id]
        if c in names or rep[c].scalar:
            return
        r = rep[c]
        if r.defname:
            base = stem[r.schema] + pascal(r.defname)
        elif r.hint:
            parent = r.hint[0]
            assign(parent)
            base = names[cls[parent.id]][:-3] + pascal(r.name)
        else:
            base = stem[r.schema] + pascal(r.name)
        nm, i = base + 'Def', 2
        while nm in used:
            nm, i = '%s%dDef' % (base, i), i + 1
        names[c] = nm
        used.add(nm)
    for s in SHAPES:
        assign(s)

    # tables.ts
    shapes_out = []
    for c in classes:
        r = rep[c]
        attrs = [[n, ids, q] for n, ids, q in r.attrs]
        kids = [[n, index[cls[ch.id]], rp, q] for n, ch, rp, q in r.kids]
        flags = r.scalar | (r.textopt << 1)
        row = [r.name, attrs, kids, r.text if r.text is not None else 0, flags]
        if r.ns:
            row.append(r.ns)
        shapes_out.append(row)
    ver = libvirt_version()
    tables = HEADER % ver
    tables += ('import type { ShapeRow, ValueRow } from \'../table-types.js\';\n\n'
               '/** Value types: see ValueRow. */\n'
               'export const VALUES: ValueRow[] = ' + json.dumps(VTS, separators=(',', ':')) + ';\n\n'
               '/** Element shapes: see ShapeRow. */\n'
               'export const SHAPES: ShapeRow[] = [\n')
    tables += ''.join(json.dumps(s, separators=(',', ':')) + ',\n' for s in shapes_out) + '];\n'

    # types.ts
    types = HEADER % ver + 'import type { XMLExtras } from \'../node.js\';\n'
    for c in classes:
        r = rep[c]
        if r.scalar:
            continue
        kidnames = {n for n, _, _, _ in r.kids}
        lines = ['', '/** `<%s>`%s */' % (r.name, ' (schema %s)' % r.schema),
                 'export interface %s extends XMLExtras {' % names[c]]
        for n, ids, q in r.attrs:
            pn = '@' + n if n in kidnames else n
            lines.append('  %s%s: %s;' % (prop(pn), '' if q else '?', ts_value(ids)))
        for n, ch, rp, q in r.kids:
            cr = rep[cls[ch.id]]
            if cr.scalar:
                t = ts_value(cr.text)
                if cr.textopt and t not in ('string',):
                    t += ' | ""'
            else:
                t = names[cls[ch.id]]
            if rp:
                t = ('(%s)[]' % t) if ' | ' in t else t + '[]'
            lines.append('  %s%s: %s;' % (prop(n), '' if q else '?', t))
        if r.text is not None:
            lines.append('  "#text"?: %s;' % ts_value(r.text))
        lines.append('}')
        types += '\n'.join(lines) + '\n'

    # schemas.ts
    sch = HEADER % ver
    imports = set()
    reg, tmap, short = [], [], []
    for key, st in SCHEMAS:
        rs = roots[key]
        rootmap = ', '.join('%s: %d' % (prop(n), index[cls[s.id]]) for n, s in sorted(rs.items()))
        reg.append('  %s: { %s },' % (prop(key), rootmap))
        tnames = [names[cls[s.id]] for _, s in sorted(rs.items())]
        imports.update(tnames)
        tdef = ' | '.join(tnames)
        tmap.append('  %s: %s;' % (prop(key), tdef))
        fn = lower_first_run(st)
        short.append(
            '/** Parses a `%s` document (`parseXML(%s, text)`). */\n'
            'export function parse%sXML(text: string): %s {\n'
            '  return parseXML(%s, text);\n}\n'
            '/** Writes a `%s` document (`toXML(%s, value)`). */\n'
            'export function %sXML(value: %s, options?: ToXMLOptions): string {\n'
            '  return toXML(%s, value, options);\n}\n'
            % (key, json.dumps(key), st, tdef, json.dumps(key), key, json.dumps(key), fn, tdef,
               json.dumps(key)))
    types_import = 'import type { %s } from \'./types.js\';\n' % ', '.join(sorted(imports))
    sch += types_import + '\n'
    sch += ('/** Schema name -> root element name -> shape index in SHAPES. */\n'
            'export const ROOTS = {\n' + '\n'.join(reg) + '\n} as const;\n\n'
            '/** Schema name -> the type a document of that schema parses to. */\n'
            'export interface SchemaTypes {\n' + '\n'.join(tmap) + '\n}\n')
    sh = HEADER % ver + types_import
    sh += 'import { parseXML, toXML, type ToXMLOptions } from \'../api.js\';\n\n'
    sh += '\n'.join(short)
    return {'tables.ts': tables, 'types.ts': types, 'schemas.ts': sch, 'shorthands.ts': sh}


def dump_grammar(name, sdir):
    """The resolved grammar of one schema as JSON (for the property tests, which generate
    documents from it): {start, defs}; a ref is ['ref', index into defs]."""
    path = os.path.join(sdir, name + '.rng')
    scope = make_scope(parse_file(path), sdir, None)
    index, defs = {}, []

    def enc(p):
        k = p[0]
        if k == 'ref':
            key = (id(p[1]), p[2])
            if key not in index:
                index[key] = len(defs)
                defs.append(None)
                defs[index[key]] = enc(deref(p))
            return ['ref', index[key]]
        if k in ('group', 'interleave', 'choice'):
            return [k, [enc(c) for c in p[1]]]
        if k in ('optional', 'zeroOrMore', 'oneOrMore', 'list', 'mixed'):
            return [k, enc(p[1])]
        if k == 'element':
            return ['element', p[1], enc(p[2]), p[4]]
        if k == 'attribute':
            return ['attribute', p[1], enc(p[2])]
        if k == 'data':
            params = dict(p[2])
            if 'pattern' in params:
                params['pattern'] = xsd_regex(params['pattern'])
            return ['data', p[1], params]
        if k == 'value':
            return ['value', p[1], p[2]]
        return [k]
    start = enc(combine(scope.starts, scope))
    return json.dumps({'start': start, 'defs': defs}, separators=(',', ':'))


def main():
    sys.setrecursionlimit(20000)
    args = sys.argv[1:]
    if '--dump-grammar' in args:
        sdir = args[args.index('--schemas') + 1] if '--schemas' in args else schema_dir()
        which = args[args.index('--dump-grammar') + 1]
        names = [k for k, _ in SCHEMAS] if which == 'all' else which.split(',')
        print('{' + ','.join('%s:%s' % (json.dumps(n), dump_grammar(n, sdir)) for n in names) + '}')
        return
    check = '--check' in args
    sdir = args[args.index('--schemas') + 1] if '--schemas' in args else schema_dir()
    files = generate(sdir)
    stale = []
    for name, text in files.items():
        path = os.path.join(OUT, name)
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            stale.append(name)
            if not check:
                os.makedirs(OUT, exist_ok=True)
                with open(path, 'w') as f:
                    f.write(text)
    if check:
        if stale:
            sys.exit('gen-xml: lib/xml/generated is stale (%s); run python3 scripts/gen-xml.py'
                     % ', '.join(stale))
        print('gen-xml: lib/xml/generated is current (%d shapes, %d value types)'
              % (len(files['tables.ts'].splitlines()) - 8, len(VTS)))
    else:
        print('gen-xml: wrote %s' % ', '.join(sorted(files)))


if __name__ == '__main__':
    main()
