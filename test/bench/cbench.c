/*
 * The C baselines for scripts/bench.sh (libvirt called directly, no bindings).
 *
 *   cbench stats   URI ITERS             virConnectGetAllDomainStats(conn, 0, &recs, 0) + list free,
 *                                        timed one call at a time; prints the median and mean ns/call
 *   cbench list    URI ITERS             virConnectListAllDomains + virDomainFree of each, median ns/call
 *   cbench serial  URI DOMAIN CALLS      virDomainGetInfo one call after another; calls/s
 *   cbench threads URI THREADS SECONDS DOMAIN...
 *                                        THREADS threads sharing ONE connection, each calling
 *                                        virDomainGetInfo on the domains in turn for SECONDS; calls/s
 *
 * Output: one JSON object on stdout.
 * Build: cc -O2 -o cbench cbench.c $(pkg-config --cflags --libs libvirt) -lpthread
 */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static void quiet(void *ud, virErrorPtr err) { (void)ud; (void)err; }

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* CPU seconds (user + system, all threads) this process has used. */
static double cpu_sec(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static virConnectPtr open_or_die(const char *uri) {
  virConnectPtr c = virConnectOpen(uri);
  if (!c) {
    virErrorPtr e = virGetLastError();
    fprintf(stderr, "cbench: cannot open %s: %s\n", uri, e ? e->message : "?");
    exit(2);
  }
  return c;
}

static int bench_stats(const char *uri, int iters) {
  virConnectPtr c = open_or_die(uri);
  double *t = malloc(sizeof(double) * (size_t)iters);
  int n = 0;
  for (int i = 0; i < iters / 10 + 10; i++) { /* warm-up */
    virDomainStatsRecordPtr *recs = NULL;
    int r = virConnectGetAllDomainStats(c, 0, &recs, 0);
    if (r < 0) { fprintf(stderr, "cbench: getAllDomainStats failed\n"); return 1; }
    n = r;
    virDomainStatsRecordListFree(recs);
  }
  double sum = 0;
  for (int i = 0; i < iters; i++) {
    virDomainStatsRecordPtr *recs = NULL;
    double t0 = now_ns();
    int r = virConnectGetAllDomainStats(c, 0, &recs, 0);
    virDomainStatsRecordListFree(recs);
    t[i] = now_ns() - t0;
    sum += t[i];
    if (r < 0) return 1;
  }
  qsort(t, (size_t)iters, sizeof(double), cmp_double);
  printf("{\"bench\":\"stats\",\"domains\":%d,\"iters\":%d,\"medianNs\":%.0f,\"meanNs\":%.0f}\n",
         n, iters, t[iters / 2], sum / iters);
  virConnectClose(c);
  return 0;
}

static int bench_list(const char *uri, int iters) {
  virConnectPtr c = open_or_die(uri);
  double *t = malloc(sizeof(double) * (size_t)iters);
  int n = 0;
  for (int i = 0; i < iters + iters / 10; i++) {
    virDomainPtr *doms = NULL;
    double t0 = now_ns();
    n = virConnectListAllDomains(c, &doms, 0);
    for (int j = 0; j < n; j++) virDomainFree(doms[j]);
    free(doms);
    if (i >= iters / 10) t[i - iters / 10] = now_ns() - t0;
  }
  qsort(t, (size_t)iters, sizeof(double), cmp_double);
  printf("{\"bench\":\"list\",\"domains\":%d,\"iters\":%d,\"medianNs\":%.0f}\n", n, iters, t[iters / 2]);
  virConnectClose(c);
  return 0;
}

static int bench_serial(const char *uri, const char *name, long calls) {
  virConnectPtr c = open_or_die(uri);
  virDomainPtr d = virDomainLookupByName(c, name);
  if (!d) { fprintf(stderr, "cbench: no domain %s\n", name); return 1; }
  virDomainInfo info;
  for (long i = 0; i < calls / 10; i++) virDomainGetInfo(d, &info);
  double t0 = now_ns();
  for (long i = 0; i < calls; i++)
    if (virDomainGetInfo(d, &info) < 0) return 1;
  double dt = now_ns() - t0;
  printf("{\"bench\":\"serial\",\"calls\":%ld,\"seconds\":%.6f,\"callsPerSec\":%.0f}\n",
         calls, dt / 1e9, calls / (dt / 1e9));
  virDomainFree(d);
  virConnectClose(c);
  return 0;
}

struct shared {
  virDomainPtr *doms;
  int ndoms;
  double deadline;
  atomic_long calls;
  atomic_long errors;
  atomic_int go;
};

static void *worker(void *arg) {
  struct shared *s = arg;
  virDomainInfo info;
  long mine = 0, errs = 0;
  unsigned k = (unsigned)(size_t)&info; /* spread the threads over the domains */
  while (!atomic_load(&s->go)) ;
  while (now_ns() < s->deadline) {
    if (virDomainGetInfo(s->doms[k++ % (unsigned)s->ndoms], &info) < 0) errs++;
    else mine++;
  }
  atomic_fetch_add(&s->calls, mine);
  atomic_fetch_add(&s->errors, errs);
  return NULL;
}

static int bench_threads(const char *uri, int nthreads, double seconds, char **names, int nnames) {
  virConnectPtr c = open_or_die(uri);
  struct shared s = { .ndoms = nnames };
  s.doms = calloc((size_t)nnames, sizeof(virDomainPtr));
  for (int i = 0; i < nnames; i++) {
    s.doms[i] = virDomainLookupByName(c, names[i]);
    if (!s.doms[i]) { fprintf(stderr, "cbench: no domain %s\n", names[i]); return 1; }
  }
  virDomainInfo info;
  for (int i = 0; i < 200; i++) virDomainGetInfo(s.doms[i % nnames], &info); /* warm-up */
  pthread_t *th = calloc((size_t)nthreads, sizeof(pthread_t));
  atomic_store(&s.calls, 0);
  atomic_store(&s.errors, 0);
  atomic_store(&s.go, 0);
  for (int i = 0; i < nthreads; i++) pthread_create(&th[i], NULL, worker, &s);
  double c0 = cpu_sec();
  double t0 = now_ns();
  s.deadline = t0 + seconds * 1e9;
  atomic_store(&s.go, 1);
  for (int i = 0; i < nthreads; i++) pthread_join(th[i], NULL);
  double dt = now_ns() - t0;
  double cpu = cpu_sec() - c0;
  long calls = atomic_load(&s.calls);
  printf("{\"bench\":\"threads\",\"threads\":%d,\"calls\":%ld,\"errors\":%ld,\"seconds\":%.6f,\"callsPerSec\":%.0f,\"cpuUsPerCall\":%.2f}\n",
         nthreads, calls, atomic_load(&s.errors), dt / 1e9, calls / (dt / 1e9), cpu * 1e6 / (calls ? calls : 1));
  for (int i = 0; i < nnames; i++) virDomainFree(s.doms[i]);
  virConnectClose(c);
  return 0;
}

/* With CBENCH_EVENT_LOOP=1: libvirt's default event loop runs in its own thread,
 * as in virsh and in virtkit (which needs it for events and keepalive). The
 * remote driver then also reads replies on that thread, one more hop per call. */
static void *event_loop(void *arg) {
  (void)arg;
  for (;;) virEventRunDefaultImpl();
  return NULL;
}

int main(int argc, char **argv) {
  virSetErrorFunc(NULL, quiet);
  const char *ev = getenv("CBENCH_EVENT_LOOP");
  if (ev && strcmp(ev, "1") == 0) {
    pthread_t t;
    if (virEventRegisterDefaultImpl() < 0 || pthread_create(&t, NULL, event_loop, NULL) != 0) return 1;
    pthread_detach(t);
  }
  if (argc >= 4 && strcmp(argv[1], "stats") == 0) return bench_stats(argv[2], atoi(argv[3]));
  if (argc >= 4 && strcmp(argv[1], "list") == 0) return bench_list(argv[2], atoi(argv[3]));
  if (argc >= 5 && strcmp(argv[1], "serial") == 0) return bench_serial(argv[2], argv[3], atol(argv[4]));
  if (argc >= 6 && strcmp(argv[1], "threads") == 0)
    return bench_threads(argv[2], atoi(argv[3]), atof(argv[4]), argv + 5, argc - 5);
  fprintf(stderr, "usage: cbench stats URI ITERS | list URI ITERS | serial URI DOMAIN CALLS | threads URI THREADS SECONDS DOMAIN...\n");
  return 64;
}
