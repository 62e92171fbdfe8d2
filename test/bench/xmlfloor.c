/*
 * libxml2 in C, the floor under lxml (test/bench/xml.ts runs it per round):
 *
 *   xmlfloor FILE CALLS
 *
 * Times, one call at a time, what lxml.objectify.fromstring does in C (a tree parse with a
 * reused parser context, as lxml keeps one per thread, and objectify's parse options) and a
 * SAX pass with no-op handlers
 * (libxml2's counterpart of saxes's raw parse). Prints one JSON object: per operation, the
 * per-call times in ns and the process CPU in ns, the shape xml_lxml.py prints.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long ns(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void noop_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                       const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                       int nb_attributes, int nb_defaulted, const xmlChar **attributes) {
  (void)ctx, (void)localname, (void)prefix, (void)uri, (void)nb_namespaces, (void)namespaces;
  (void)nb_attributes, (void)nb_defaulted, (void)attributes;
}
static void noop_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri) {
  (void)ctx, (void)localname, (void)prefix, (void)uri;
}
static void noop_chars(void *ctx, const xmlChar *ch, int len) { (void)ctx, (void)ch, (void)len; }

// The options lxml.objectify's default parser passes to libxml2 (lxml's defaults plus
// remove_blank_text=True): whitespace-only text is dropped, so the tree is smaller.
#define OBJECTIFY_OPTIONS                                                      \
  (XML_PARSE_NOENT | XML_PARSE_NOCDATA | XML_PARSE_NONET | XML_PARSE_COMPACT | \
   XML_PARSE_BIG_LINES | XML_PARSE_NOBLANKS)

static const char *text;
static int len;
static xmlParserCtxtPtr tree_ctxt;
static xmlSAXHandler sax;

static int tree(void) {
  xmlDocPtr d = xmlCtxtReadMemory(tree_ctxt, text, len, NULL, NULL, OBJECTIFY_OPTIONS);
  if (!d) return -1;
  xmlFreeDoc(d);
  return 0;
}

static int sax_pass(void) { return xmlSAXUserParseMemory(&sax, NULL, text, len); }

static void timed(const char *name, int (*fn)(void), int calls, int last) {
  long long *t = malloc(sizeof(long long) * calls);
  for (int i = 0; i < calls / 10 + 5; i++)
    if (fn() != 0) {
      fprintf(stderr, "xmlfloor: %s failed\n", name);
      exit(1);
    }
  long long c0 = ns(CLOCK_PROCESS_CPUTIME_ID);
  for (int i = 0; i < calls; i++) {
    long long t0 = ns(CLOCK_MONOTONIC);
    fn();
    t[i] = ns(CLOCK_MONOTONIC) - t0;
  }
  long long cpu = ns(CLOCK_PROCESS_CPUTIME_ID) - c0;
  printf("\"%s\": {\"cpuNs\": %lld, \"times\": [", name, cpu);
  for (int i = 0; i < calls; i++) printf(i ? ",%lld" : "%lld", t[i]);
  printf("]}%s", last ? "" : ", ");
  free(t);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: xmlfloor FILE CALLS\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  static char buf[1 << 22];
  len = (int)fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  text = buf;
  int calls = atoi(argv[2]);
  xmlInitParser();
  tree_ctxt = xmlNewParserCtxt();
  memset(&sax, 0, sizeof sax);
  sax.initialized = XML_SAX2_MAGIC;
  sax.startElementNs = noop_start;
  sax.endElementNs = noop_end;
  sax.characters = noop_chars;
  printf("{\"bytes\": %d, ", len);
  timed("tree", tree, calls, 0);
  timed("sax", sax_pass, calls, 1);
  printf("}\n");
  xmlFreeParserCtxt(tree_ctxt);
  return 0;
}
