/* fpex runs its checks with fpdiff's one-instruction runner (same context layout). */
#include "../fpdiff/run.S"
