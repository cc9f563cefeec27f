/*
 * nbody: a float-heavy workload (hard float).  The classic five-body
 * simulation of the Jovian planets (energy before and after), a dense
 * 48x48 double matrix product followed by an LU solve, and a
 * single-precision Mandelbrot count.  Every number printed depends on
 * every floating-point operation being bit-exact (long and short BFP add,
 * multiply, multiply-and-add, divide, square root, compare, conversions).
 *
 * -append "steps=N" changes the number of n-body steps (default 50000).
 */
#include "runtime.h"
#include "s390.h"
#include "fmt.h"

static double dsqrt(double x)
{
    double r;
    asm("sqdbr %0,%1" : "=f"(r) : "f"(x));
    return r;
}

/* ---- n-body -------------------------------------------------------------------------------- */

#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24
#define NBODIES 5

struct body { double x, y, z, vx, vy, vz, mass; };

/* a page of its own: stores next to code would keep a JIT recompiling it */
static struct body bodies[NBODIES] __attribute__((aligned(4096))) = {
    { 0, 0, 0, 0, 0, 0, SOLAR_MASS },   /* sun */
    { 4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
      1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
      -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS },
    { 8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
      -2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
      2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS },
    { 1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
      2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
      -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS },
    { 1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
      2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
      -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS },
};

static void offset_momentum(void)
{
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < NBODIES; i++) {
        px += bodies[i].vx * bodies[i].mass;
        py += bodies[i].vy * bodies[i].mass;
        pz += bodies[i].vz * bodies[i].mass;
    }
    bodies[0].vx = -px / SOLAR_MASS;
    bodies[0].vy = -py / SOLAR_MASS;
    bodies[0].vz = -pz / SOLAR_MASS;
}

static double energy(void)
{
    double e = 0;
    for (int i = 0; i < NBODIES; i++) {
        struct body *b = &bodies[i];
        e += 0.5 * b->mass * (b->vx * b->vx + b->vy * b->vy + b->vz * b->vz);
        for (int j = i + 1; j < NBODIES; j++) {
            struct body *c = &bodies[j];
            double dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
            e -= b->mass * c->mass / dsqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static void advance(double dt)
{
    for (int i = 0; i < NBODIES; i++) {
        struct body *b = &bodies[i];
        for (int j = i + 1; j < NBODIES; j++) {
            struct body *c = &bodies[j];
            double dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * dsqrt(d2));
            b->vx -= dx * c->mass * mag;
            b->vy -= dy * c->mass * mag;
            b->vz -= dz * c->mass * mag;
            c->vx += dx * b->mass * mag;
            c->vy += dy * b->mass * mag;
            c->vz += dz * b->mass * mag;
        }
    }
    for (int i = 0; i < NBODIES; i++) {
        bodies[i].x += dt * bodies[i].vx;
        bodies[i].y += dt * bodies[i].vy;
        bodies[i].z += dt * bodies[i].vz;
    }
}

/* ---- matrices ------------------------------------------------------------------------------ */

#define N 48
static double A[N][N], B[N][N], C[N][N], x[N], rhs[N];

static void matrices(void)
{
    /* a deterministic pseudo-random fill in [-1, 1) */
    u64 s = 0x243f6a8885a308d3UL;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            s = s * 6364136223846793005UL + 1442695040888963407UL;
            A[i][j] = (double)(long)(s >> 11) / 4503599627370496.0 - 1.0;
            s = s * 6364136223846793005UL + 1442695040888963407UL;
            B[i][j] = (double)(long)(s >> 11) / 4503599627370496.0 - 1.0;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double acc = 0;
            for (int k = 0; k < N; k++)
                acc += A[i][k] * B[k][j];
            C[i][j] = acc + (i == j ? N : 0);   /* diagonally dominant */
        }
    double trace = 0;
    for (int i = 0; i < N; i++)
        trace += C[i][i];
    print_double("matrix trace", trace, 'e', 15);

    /* C x = rhs with rhs = C * (1, 2, ..., N): LU without pivoting, then back substitution */
    for (int i = 0; i < N; i++) {
        rhs[i] = 0;
        for (int j = 0; j < N; j++)
            rhs[i] += C[i][j] * (j + 1);
    }
    for (int k = 0; k < N; k++)
        for (int i = k + 1; i < N; i++) {
            double f = C[i][k] / C[k][k];
            for (int j = k; j < N; j++)
                C[i][j] -= f * C[k][j];
            rhs[i] -= f * rhs[k];
        }
    double err = 0;
    for (int i = N - 1; i >= 0; i--) {
        double v = rhs[i];
        for (int j = i + 1; j < N; j++)
            v -= C[i][j] * x[j];
        x[i] = v / C[i][i];
        double d = x[i] - (i + 1);
        err += d < 0 ? -d : d;
    }
    print_double("solution x[0]", x[0], 'e', 17);
    print_double("solution error", err, 'e', 6);
}

/* ---- single precision -------------------------------------------------------------------- */

static void mandelbrot(void)
{
    long inside = 0, iterations = 0;
    for (int py = 0; py < 64; py++)
        for (int px = 0; px < 96; px++) {
            float cr = -2.0f + 2.6f * (float)px / 96.0f, ci = -1.15f + 2.3f * (float)py / 64.0f;
            float zr = 0, zi = 0;
            int n = 0;
            while (n < 200 && zr * zr + zi * zi <= 4.0f) {
                float t = zr * zr - zi * zi + cr;
                zi = 2.0f * zr * zi + ci;
                zr = t;
                n++;
            }
            iterations += n;
            inside += n == 200;
        }
    printf("mandelbrot: %ld inside, %ld iterations\n", inside, iterations);
}

int main(void)
{
    long steps = cmdline_long("steps", 50000);

    offset_momentum();
    print_double("energy before", energy(), 'f', 9);
    for (long i = 0; i < steps; i++)
        advance(0.01);
    print_double("energy after", energy(), 'f', 9);
    printf("steps: %ld\n", steps);
    matrices();
    mandelbrot();
    return 0;
}

