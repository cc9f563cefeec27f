#ifndef NBODY_FMT_H
#define NBODY_FMT_H
/* Prints "<label>: <value>" with conv 'f' (prec digits after the point) or 'e' (prec digits after the first). */
void print_double(const char *label, double v, char conv, int prec);
#endif
