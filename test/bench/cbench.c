/*
 * The C baselines for scripts/bench.sh (libvirt called directly, no bindings).
 *
 *   cbench stats   URI ITERS             virConnectGetAllDomainStats(conn, 0, &recs, 0) + list free,
 *                                        timed one call at a time
 *   cbench list    URI ITERS             virConnectListAllDomains + virDomainFree of each
 *   cbench serial  URI DOMAIN CALLS      virDomainGetInfo one call after another: calls/s and CPU
 *                                        from an untimed loop, percentiles from a second, timed one
 *   cbench threads URI THREADS SECONDS DOMAIN...
 *                                        THREADS threads sharing ONE connection, each calling
 *                                        virDomainGetInfo on the domains in turn for SECONDS
 *
 * Every mode prints meanNs (wall time of the loop / calls), medianNs, p99Ns and cpuUsPerCall
 * (this process, user + system). With CBENCH_DAEMON_PID=N, threads also prints the CPU that
 * process N (libvirtd) used during the timed section, per call.
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
#include <unistd.h>

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

/* Sorts t and returns its p-quantile (0..1). */
static double quantile(double *t, long n, double p) {
  if (n <= 0) return 0;
  qsort(t, (size_t)n, sizeof(double), cmp_double);
  long i = (long)(p * (double)n);
  return t[i >= n ? n - 1 : i];
}

/* utime + stime of process `pid` in seconds, from /proc/<pid>/stat; -1 if unknown. */
static double proc_cpu_sec(long pid) {
  if (pid <= 0) return -1;
  char path[64], buf[2048];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')'); /* the command name may hold spaces */
  if (!p) return -1;
  unsigned long ut = 0, st = 0;
  /* after ") ": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) return -1;
  return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
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
  double c0 = cpu_sec(), w0 = now_ns();
  for (int i = 0; i < iters; i++) {
    virDomainStatsRecordPtr *recs = NULL;
    double t0 = now_ns();
    int r = virConnectGetAllDomainStats(c, 0, &recs, 0);
    virDomainStatsRecordListFree(recs);
    t[i] = now_ns() - t0;
    if (r < 0) return 1;
  }
  double wall = now_ns() - w0, cpu = cpu_sec() - c0;
  double med = quantile(t, iters, 0.5), p99 = quantile(t, iters, 0.99);
  printf("{\"bench\":\"stats\",\"domains\":%d,\"iters\":%d,\"meanNs\":%.0f,\"medianNs\":%.0f,\"p99Ns\":%.0f,\"cpuUsPerCall\":%.3f}\n",
         n, iters, wall / iters, med, p99, cpu * 1e6 / iters);
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
  double c0 = cpu_sec();
  double t0 = now_ns();
  for (long i = 0; i < calls; i++)
    if (virDomainGetInfo(d, &info) < 0) return 1;
  double dt = now_ns() - t0;
  double cpu = cpu_sec() - c0;
  long timed = calls < 200000 ? calls : 200000;
  double *t = malloc(sizeof(double) * (size_t)timed);
  for (long i = 0; i < timed; i++) {
    double s0 = now_ns();
    virDomainGetInfo(d, &info);
    t[i] = now_ns() - s0;
  }
  double med = quantile(t, timed, 0.5), p99 = quantile(t, timed, 0.99);
  printf("{\"bench\":\"serial\",\"calls\":%ld,\"seconds\":%.6f,\"callsPerSec\":%.0f,\"meanNs\":%.1f,\"medianNs\":%.1f,\"p99Ns\":%.1f,\"cpuUsPerCall\":%.4f}\n",
         calls, dt / 1e9, calls / (dt / 1e9), dt / calls, med, p99, cpu * 1e6 / calls);
  free(t);
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
  double *lat; /* per-call latencies, LAT_PER_THREAD slots per thread */
  atomic_int slot;
};
#define LAT_PER_THREAD 65536

static void *worker(void *arg) {
  struct shared *s = arg;
  virDomainInfo info;
  long mine = 0, errs = 0;
  double *lat = s->lat + (long)atomic_fetch_add(&s->slot, 1) * LAT_PER_THREAD;
  unsigned k = (unsigned)(size_t)&info; /* spread the threads over the domains */
  while (!atomic_load(&s->go)) ;
  while (1) {
    double t0 = now_ns();
    if (t0 >= s->deadline) break;
    int r = virDomainGetInfo(s->doms[k++ % (unsigned)s->ndoms], &info);
    if (r < 0) errs++;
    else {
      if (mine < LAT_PER_THREAD) lat[mine] = now_ns() - t0;
      mine++;
    }
  }
  for (long i = mine; i < LAT_PER_THREAD; i++) lat[i] = -1;
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
  s.lat = malloc(sizeof(double) * (size_t)nthreads * LAT_PER_THREAD);
  atomic_store(&s.slot, 0);
  const char *dp = getenv("CBENCH_DAEMON_PID");
  long daemon = dp ? atol(dp) : 0;
  atomic_store(&s.calls, 0);
  atomic_store(&s.errors, 0);
  atomic_store(&s.go, 0);
  for (int i = 0; i < nthreads; i++) pthread_create(&th[i], NULL, worker, &s);
  double c0 = cpu_sec(), d0 = proc_cpu_sec(daemon);
  double t0 = now_ns();
  s.deadline = t0 + seconds * 1e9;
  atomic_store(&s.go, 1);
  for (int i = 0; i < nthreads; i++) pthread_join(th[i], NULL);
  double dt = now_ns() - t0;
  double cpu = cpu_sec() - c0, dcpu = proc_cpu_sec(daemon) - d0;
  long calls = atomic_load(&s.calls);
  long nl = 0, total = (long)nthreads * LAT_PER_THREAD;
  for (long i = 0; i < total; i++)
    if (s.lat[i] >= 0) s.lat[nl++] = s.lat[i];
  double med = quantile(s.lat, nl, 0.5), p99 = quantile(s.lat, nl, 0.99);
  printf("{\"bench\":\"threads\",\"threads\":%d,\"calls\":%ld,\"errors\":%ld,\"seconds\":%.6f,\"callsPerSec\":%.0f,"
         "\"meanNs\":%.0f,\"medianNs\":%.0f,\"p99Ns\":%.0f,\"cpuUsPerCall\":%.2f,\"daemonCpuUsPerCall\":%.2f}\n",
         nthreads, calls, atomic_load(&s.errors), dt / 1e9, calls / (dt / 1e9),
         calls ? dt * nthreads / calls : 0, med, p99, cpu * 1e6 / (calls ? calls : 1),
         daemon > 0 && d0 >= 0 ? dcpu * 1e6 / (calls ? calls : 1) : -1);
  free(s.lat);
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
