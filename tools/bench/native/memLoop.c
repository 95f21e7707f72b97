// The yardstick of issue 6's bandwidth target: "a compiled SIMD loop reads the MSE inputs".
// runBench.ts compiles this file with the machine's C compiler (`cc -O3 -march=native
// -ffast-math`, so that the sums vectorize in float32 lanes) and runs it on the same float32
// files as the mse and l1 rows, in the same run. It reads the two arrays once per call, as
// losskit's kernels must, and does as little else as a loop can: Σ(x − y)² or Σ|x − y| in
// float32 lanes (no float64 accuracy: this measures the memory, not a loss).
//
//   memLoop sq|abs X_FILE Y_FILE REPS MIN_MS BUDGET_MS
//
// Prints one line of JSON: {"times_ms": [...], "value": v}, the value the mean of the terms; or
// {"error": "..."} with exit code 1. Repetitions follow measure.ts's wantsMore: two untimed
// warm-ups, then REPS, more until MIN_MS is timed (at most 5 × REPS), never past BUDGET_MS.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double nowMs(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static float *readFloats(const char *file, long *count) {
  FILE *f = fopen(file, "rb");
  if (f == NULL) return NULL;
  float *data = NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long bytes = ftell(f);
    if (bytes >= 0 && fseek(f, 0, SEEK_SET) == 0) {
      *count = bytes / (long)sizeof(float);
      data = aligned_alloc(64, ((size_t)bytes + 63) / 64 * 64 + 64);
      if (data != NULL && fread(data, sizeof(float), (size_t)*count, f) != (size_t)*count) {
        free(data);
        data = NULL;
      }
    }
  }
  fclose(f);
  return data;
}

static float sumSq(const float *restrict x, const float *restrict y, long n) {
  float s = 0;
  for (long i = 0; i < n; i++) {
    float d = x[i] - y[i];
    s += d * d;
  }
  return s;
}

static float sumAbs(const float *restrict x, const float *restrict y, long n) {
  float s = 0;
  for (long i = 0; i < n; i++) {
    float d = x[i] - y[i];
    s += d < 0 ? -d : d;
  }
  return s;
}

static int fail(const char *what, const char *detail) {
  printf("{\"error\": \"%s%s%s\"}\n", what, detail[0] ? ": " : "", detail);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 7) return fail("usage: memLoop sq|abs X_FILE Y_FILE REPS MIN_MS BUDGET_MS", "");
  int abs = strcmp(argv[1], "abs") == 0;
  if (!abs && strcmp(argv[1], "sq") != 0) return fail("unknown mode", argv[1]);
  long n = 0, m = 0;
  float *x = readFloats(argv[2], &n);
  if (x == NULL) return fail("cannot read", argv[2]);
  float *y = readFloats(argv[3], &m);
  if (y == NULL) return fail("cannot read", argv[3]);
  if (n != m || n == 0) return fail("the two files differ in length or are empty", "");
  long reps = atol(argv[4]);
  double minMs = atof(argv[5]), budgetMs = atof(argv[6]);
  if (reps < 1) reps = 1;
  double *times = malloc(sizeof(double) * (size_t)(5 * reps + 1));
  if (times == NULL) return fail("out of memory", "");
  volatile float sink = 0;
  for (int w = 0; w < 2; w++) sink += abs ? sumAbs(x, y, n) : sumSq(x, y, n);
  long k = 0;
  double timed = 0, start = nowMs();
  while (k == 0 || (nowMs() - start < budgetMs && (k < reps || (timed < minMs && k < 5 * reps)))) {
    double t0 = nowMs();
    float s = abs ? sumAbs(x, y, n) : sumSq(x, y, n);
    times[k] = nowMs() - t0;
    timed += times[k++];
    sink = s;
  }
  printf("{\"times_ms\": [");
  for (long i = 0; i < k; i++) printf("%s%.6f", i ? ", " : "", times[i]);
  printf("], \"value\": %.9g}\n", (double)sink / (double)n);
  return 0;
}
