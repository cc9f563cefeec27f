#!/usr/bin/env python3
"""Reference model of the z/Architecture DFP instructions for the DFP differential suite.

QEMU 7.2 (TCG) does not implement the decimal-floating-point facility, so the DFP suite's reference is
this model: the arithmetic is Python's decimal module (libmpdec, an independent implementation of the
General Decimal Arithmetic specification, i.e. IEEE 754-2008 decimal arithmetic) in contexts for
decimal32/64/128 (clamp=1), the densely-packed-decimal encoding is written here from the IEEE 754-2008
decoding table (3.3), and the instruction layer (FPC masks and flags, DXC, traps with scaled results,
condition codes, register pairs, AFP-register control) follows the PoO.

Input (stdin): one case per line, hex fields:
  index mnemonic r1 r2 r3 m3 m4 length address fpc cc afp_off g0..g15 f0..f15 l2 memory_offset memory|-
Output (stdout): "index record" with the record as guests/fpdiff prints it (cc=, fpc=, pgm=, gN=, fN=).
"""
import sys
from decimal import (Decimal, Context, localcontext, ROUND_HALF_EVEN, ROUND_DOWN, ROUND_CEILING, ROUND_FLOOR,
                     ROUND_HALF_UP, ROUND_HALF_DOWN, ROUND_UP, ROUND_05UP, InvalidOperation, DivisionByZero,
                     Overflow, Underflow, Inexact, Subnormal)

ROUNDINGS = [ROUND_HALF_EVEN, ROUND_DOWN, ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, ROUND_HALF_DOWN, ROUND_UP, ROUND_05UP]

# ---- densely packed decimal (IEEE 754-2008 table 3.3, decoding; encoding by inverting it) -------------

def dpd_decode(d):
    b = [(d >> (9 - k)) & 1 for k in range(10)]  # p q r s t u v w x y
    p, q, r, s, t, u, v, w, x, y = b
    if v == 0:
        return (p * 4 + q * 2 + r) * 100 + (s * 4 + t * 2 + u) * 10 + (w * 4 + x * 2 + y)
    wx = w * 2 + x
    if wx == 0:
        d2, d1, d0 = p * 4 + q * 2 + r, s * 4 + t * 2 + u, 8 + y
    elif wx == 1:
        d2, d1, d0 = p * 4 + q * 2 + r, 8 + u, s * 4 + t * 2 + y
    elif wx == 2:
        d2, d1, d0 = 8 + r, s * 4 + t * 2 + u, p * 4 + q * 2 + y
    else:
        st = s * 2 + t
        if st == 0:
            d2, d1, d0 = 8 + r, 8 + u, p * 4 + q * 2 + y
        elif st == 1:
            d2, d1, d0 = 8 + r, p * 4 + q * 2 + u, 8 + y
        elif st == 2:
            d2, d1, d0 = p * 4 + q * 2 + r, 8 + u, 8 + y
        else:
            d2, d1, d0 = 8 + r, 8 + u, 8 + y
    return d2 * 100 + d1 * 10 + d0

DEC = [dpd_decode(d) for d in range(1024)]
ENC = {}
for d in range(1024):
    # canonical declets: of the encodings of one value, the one with bits 8-9 ('pq') zero where they are don't-care
    n = DEC[d]
    if n not in ENC or (d & 0x300) == 0 and (ENC[n] & 0x300) != 0:
        ENC[n] = d
# the canonical encoding has don't-care bits zero: pick the smallest encoding
for n in range(1000):
    ENC[n] = min(d for d in range(1024) if DEC[d] == n)


class Fmt:
    def __init__(self, width, ec, digits, bias, maxb, scale, emax):
        self.width, self.ec, self.p, self.bias, self.maxb, self.scale = width, ec, digits, bias, maxb, scale
        self.cc = width - 6 - ec
        self.qmin, self.qmax = -bias, maxb - bias
        self.emax, self.emin = emax, 1 - emax
        self.mask = (1 << width) - 1

    def ctx(self, mode, unbounded=False):
        if unbounded:
            return Context(prec=self.p, Emax=999999, Emin=-999999, rounding=ROUNDINGS[mode], traps=[], clamp=0)
        return Context(prec=self.p, Emax=self.emax, Emin=self.emin, rounding=ROUNDINGS[mode], traps=[], clamp=1)

    def trailing(self, v):
        n = 0
        for k in range(self.cc // 10 - 1, -1, -1):
            n = n * 1000 + DEC[(v >> (10 * k)) & 0x3FF]
        return n

    def enc_trailing(self, n):
        v = 0
        for k in range(self.cc // 10):
            v |= ENC[n % 1000] << (10 * k)
            n //= 1000
        return v

    def unpack(self, v):
        """('F'|'I'|'Q'|'S', sign, coefficient, exponent)"""
        sign = (v >> (self.width - 1)) & 1
        g = (v >> (self.width - 6)) & 0x1F
        ec = (v >> self.cc) & ((1 << self.ec) - 1)
        t = self.trailing(v)
        if g >> 1 == 0xF:
            if g & 1 == 0:
                return ('I', sign, t, 0)
            return ('S' if ec >> (self.ec - 1) else 'Q', sign, t, 0)
        if g >> 3 == 3:
            hi, lead = (g >> 1) & 3, 8 + (g & 1)
        else:
            hi, lead = g >> 3, g & 7
        return ('F', sign, lead * 10 ** (self.p - 1) + t, ((hi << self.ec) | ec) - self.bias)

    def pack(self, sign, coef, exp):
        assert 0 <= coef < 10 ** self.p and self.qmin <= exp <= self.qmax, (coef, exp)
        b = exp + self.bias
        lead, rest = divmod(coef, 10 ** (self.p - 1))
        hi = b >> self.ec
        g = (0x18 | hi << 1 | (lead & 1)) if lead >= 8 else (hi << 3 | lead)
        return sign << (self.width - 1) | g << (self.width - 6) | (b & ((1 << self.ec) - 1)) << self.cc | self.enc_trailing(rest)

    def inf(self, sign):
        return sign << (self.width - 1) | 0x1E << (self.width - 6)

    def nan(self, sign, snan, payload):
        payload %= 10 ** (self.p - 1)
        v = sign << (self.width - 1) | 0x1F << (self.width - 6) | self.enc_trailing(payload)
        if snan:
            v |= 1 << (self.width - 7)
        return v

    def to_dec(self, u):
        k, s, c, e = u
        if k == 'F':
            return Decimal((s, tuple(int(x) for x in str(c)), e))
        if k == 'I':
            return Decimal((s, (0,), 'F'))
        return Decimal((s, tuple(int(x) for x in str(c)) if c else (), 'N' if k == 'S' else 'n'))

    def from_dec(self, d):
        t = d.as_tuple()
        s = t.sign
        if d.is_infinite():
            return self.inf(s)
        if d.is_nan():
            pay = int(''.join(map(str, t.digits))) if t.digits else 0
            return self.nan(s, d.is_snan(), pay)
        coef = int(''.join(map(str, t.digits))) if t.digits else 0
        exp = t.exponent
        if coef == 0:
            return self.pack(s, 0, min(max(exp, self.qmin), self.qmax))
        if exp > self.qmax:  # fold down
            coef *= 10 ** (exp - self.qmax)
            exp = self.qmax
        return self.pack(s, coef % 10 ** self.p, max(exp, self.qmin))


E = Fmt(32, 6, 7, 101, 191, 144, 96)
D = Fmt(64, 8, 16, 398, 767, 576, 384)
X = Fmt(128, 12, 34, 6176, 12287, 9216, 6144)

# ---- operation results with IEEE conditions -------------------------------------------------------------

class Env:
    def __init__(self, mode):
        self.mode = mode
        self.invalid = self.divzero = self.overflow = self.tiny = self.inexact = self.incremented = False
        self.scaled = None
        self.sinexact = self.sincremented = False


def incremented(exact, result):
    return result.copy_abs() > exact.copy_abs()


def run_rounded(f, env, op):
    """Runs op(ctx) in the format's context and an unbounded one; returns the packed result, fills env."""
    ctx = f.ctx(env.mode)
    r = op(ctx)
    fl = ctx.flags
    if fl[InvalidOperation]:
        env.invalid = True
    if fl[DivisionByZero]:
        env.divzero = True
    if r.is_nan() or r.is_infinite() and not fl[Overflow]:
        return f.from_dec(r)
    # precise value (truncated to 60 digits: enough for the tininess and increment comparisons)
    pctx = Context(prec=80, Emax=999999, Emin=-999999, rounding=ROUND_DOWN, traps=[])
    precise = op(pctx)
    exact = not pctx.flags[Inexact]
    uctx = f.ctx(env.mode, unbounded=True)
    ur = op(uctx)
    if fl[Overflow]:
        env.overflow = True
        env.inexact = True
        env.incremented = r.is_infinite()
        env.scaled = f.from_dec(ur.scaleb(-f.scale, context=Context(prec=f.p, Emax=999999, Emin=-999999)))
        env.sinexact = uctx.flags[Inexact]
        env.sincremented = env.sinexact and incremented(precise, ur)
        return f.from_dec(r)
    if precise != 0 and precise.adjusted() < f.emin:
        env.tiny = True
        env.scaled = f.from_dec(ur.scaleb(f.scale, context=Context(prec=f.p, Emax=999999, Emin=-999999)))
        env.sinexact = uctx.flags[Inexact]
        env.sincremented = env.sinexact and incremented(precise, ur)
    if fl[Inexact]:
        env.inexact = True
        env.incremented = r.copy_abs() > precise.copy_abs()
    return f.from_dec(r)


MASK_SHIFT = 24
BUFFER = 0x7F0000


class Trap(Exception):
    def __init__(self, code, dxc=None):
        self.code, self.dxc = code, dxc


def ieee(st, env, result, xxc=False):
    """FPC actions; returns (result, dxc of a completion trap or 0); raises Trap for suppression."""
    masks = st.fpc >> 24
    flags = 0
    if env.invalid:
        if masks & 0x80:
            raise Trap(7, 0x80)
        flags |= 0x80
    if env.divzero:
        if masks & 0x40:
            raise Trap(7, 0x40)
        flags |= 0x40
    underflow = env.tiny and env.inexact
    if xxc:
        env.inexact = False
    dxc = 0
    ib = lambda i, n: (0x0C if n else 0x08) if i else 0
    if env.overflow and masks & 0x20:
        result = env.scaled
        dxc = 0x20 | ib(env.sinexact, env.sincremented)
    elif env.tiny and masks & 0x10:
        result = env.scaled
        dxc = 0x10 | ib(env.sinexact, env.sincremented)
    else:
        if env.overflow:
            flags |= 0x20
        if underflow:
            flags |= 0x10
        if env.inexact:
            if masks & 0x08:
                dxc = ib(True, env.incremented)
            else:
                flags |= 0x08
    st.fpc |= flags << 16
    return result, dxc

# ---- machine state ------------------------------------------------------------------------------------

class State:
    pass


def rounding(st, m):
    # bit 0 of the field zero: the FPC's DFP rounding mode; one: bits 1-3
    return m & 7 if m & 8 else (st.fpc >> 4) & 7


def getf(st, f, r):
    if f is E:
        return st.f[r] >> 32
    if f is D:
        return st.f[r]
    return st.f[r] << 64 | st.f[r + 2]


def setf(st, f, r, v):
    if f is E:
        st.f[r] = (st.f[r] & 0xFFFFFFFF) | v << 32
    elif f is D:
        st.f[r] = v
    else:
        st.f[r], st.f[r + 2] = v >> 64, v & (2 ** 64 - 1)


def spec():
    raise Trap(6)


def pair(r):
    if r & 2:
        spec()


def result_cc(f, v):
    k, s, c, e = f.unpack(v)
    return 3 if k in 'QS' else 0 if k == 'F' and c == 0 else 1 if s else 2

FMT = {'D': D, 'X': X, 'E': E}


def fmt_of(m):
    """format of a DFP mnemonic's (source) operand"""
    special = {'LDETR': E, 'LXDTR': D, 'LEDTR': D, 'LDXTR': X, 'TDCET': E, 'TDGET': E}
    if m in special:
        return special[m]
    return X if 'X' in m[1:] else D


def execute(st, m, r1, r2, r3, m3, m4):
    fpe = True
    if st.afp_off:
        raise Trap(7, 3)
    f = fmt_of(m)
    dxc = 0
    if m[:2] in ('AD', 'AX', 'SD', 'SX', 'MD', 'MX', 'DD', 'DX') and m.endswith('TRA'):
        if f is X:
            pair(r1); pair(r2); pair(r3)
        env = Env(rounding(st, m4 if fpe else 0))
        a, b = f.to_dec(f.unpack(getf(st, f, r2))), f.to_dec(f.unpack(getf(st, f, r3)))
        op = {'A': lambda c: c.add(a, b), 'S': lambda c: c.subtract(a, b), 'M': lambda c: c.multiply(a, b), 'D': lambda c: c.divide(a, b)}[m[0]]
        r = run_rounded(f, env, op)
        r, dxc = ieee(st, env, r)
        setf(st, f, r1, r)
        if m[0] in 'AS':
            st.cc = result_cc(f, r)
    elif m in ('CDTR', 'CXTR', 'KDTR', 'KXTR'):
        if f is X:
            pair(r1); pair(r2)
        a, b = f.to_dec(f.unpack(getf(st, f, r1))), f.to_dec(f.unpack(getf(st, f, r2)))
        env = Env(0)
        ctx = f.ctx(0)
        c = (ctx.compare_signal if m[0] == 'K' else ctx.compare)(a, b)
        env.invalid = bool(ctx.flags[InvalidOperation])
        cc = 3 if c.is_nan() else {0: 0, -1: 1, 1: 2}[int(c)]
        ieee(st, env, 0)
        st.cc = cc
    elif m in ('CEDTR', 'CEXTR'):
        if f is X:
            pair(r1); pair(r2)
        a, b = f.unpack(getf(st, f, r1)), f.unpack(getf(st, f, r2))
        nan = ('Q', 'S')
        if a[0] in nan and b[0] in nan:
            st.cc = 0
        elif a[0] != 'F' or b[0] != 'F':
            st.cc = 0 if a[0] == b[0] else 3
        else:
            st.cc = 0 if a[3] == b[3] else 1 if a[3] < b[3] else 2
    elif m in ('LTDTR', 'LTXTR'):
        if f is X:
            pair(r1); pair(r2)
        u = f.unpack(getf(st, f, r2))
        env = Env(0)
        if u[0] == 'S':
            env.invalid = True
            r = f.nan(u[1], False, u[2])
        elif u[0] == 'Q':
            r = f.nan(u[1], False, u[2])
        elif u[0] == 'I':
            r = f.inf(u[1])
        else:
            r = f.pack(u[1], u[2], u[3])
        r, _ = ieee(st, env, r)
        setf(st, f, r1, r)
        st.cc = result_cc(f, r)
    elif m in ('FIDTR', 'FIXTR'):
        if f is X:
            pair(r1); pair(r2)
        env = Env(rounding(st, m3))
        u = f.unpack(getf(st, f, r2))
        if u[0] == 'S':
            env.invalid = True
            r = f.nan(u[1], False, u[2])
        elif u[0] == 'Q':
            r = f.nan(u[1], False, u[2])
        elif u[0] == 'I':
            r = f.inf(u[1])
        elif u[3] >= 0:
            r = f.pack(u[1], u[2], u[3])
        else:
            a = f.to_dec(u)
            ctx = f.ctx(env.mode)
            q = ctx.to_integral_exact(a)
            if ctx.flags[Inexact]:
                env.inexact = True
                env.incremented = q.copy_abs() > a.copy_abs()
            r = f.from_dec(q)
        r, dxc = ieee(st, env, r, xxc=bool(m4 & 4))
        setf(st, f, r1, r)
    elif m in ('LDETR', 'LXDTR', 'LEDTR', 'LDXTR'):
        to = {'LDETR': D, 'LXDTR': X, 'LEDTR': E, 'LDXTR': D}[m]
        if f is X:
            pair(r2)
        if to is X:
            pair(r1)
        env = Env(rounding(st, m3 if m in ('LEDTR', 'LDXTR') else 0))
        u = f.unpack(getf(st, f, r2))
        keep = bool(m4 & 8)  # M4 bit 0: SNaN stays signaling, an infinity keeps its digits
        if u[0] == 'S' and not keep:
            env.invalid = True
            r = to.nan(u[1], False, u[2])
        elif u[0] in 'QS':
            r = to.nan(u[1], u[0] == 'S', u[2])
        elif u[0] == 'I':
            r = to.inf(u[1]) | (to.enc_trailing(u[2] % 10 ** (to.p - 1)) if keep else 0)
        else:
            a = f.to_dec(u)
            r = run_rounded(to, env, lambda c: c.create_decimal(a))
        r, dxc = ieee(st, env, r)
        setf(st, to, r1, r)
    elif m in ('QADTR', 'QAXTR'):
        if f is X:
            pair(r1); pair(r2); pair(r3)
        env = Env(rounding(st, m4))
        a, b = f.to_dec(f.unpack(getf(st, f, r3))), f.to_dec(f.unpack(getf(st, f, r2)))
        ctx = f.ctx(env.mode)
        q = ctx.quantize(a, b)
        env.invalid = bool(ctx.flags[InvalidOperation])
        if ctx.flags[Inexact] and not env.invalid:
            env.inexact = True
            env.incremented = q.copy_abs() > a.copy_abs()
        r = f.from_dec(q)
        r, dxc = ieee(st, env, r)
        setf(st, f, r1, r)
    elif m in ('RRDTR', 'RRXTR'):
        if f is X:
            pair(r1); pair(r3)
        env = Env(rounding(st, m4))
        sig = st.g[r2] & 63
        u = f.unpack(getf(st, f, r3))
        if u[0] == 'S':
            env.invalid = True
            r = f.nan(u[1], False, u[2])
        elif u[0] == 'Q':
            r = f.nan(u[1], False, u[2])
        elif u[0] == 'I':
            r = f.inf(u[1])
        elif sig == 0 or u[2] == 0 or len(str(u[2])) <= sig:
            r = f.pack(u[1], u[2], u[3])
        else:
            a = f.to_dec(u)
            ctx = Context(prec=sig, Emax=999999, Emin=-999999, rounding=ROUNDINGS[env.mode], traps=[])
            q = ctx.plus(a)
            t = q.as_tuple()
            if t.exponent > f.qmax:
                env.invalid = True
                r = f.nan(0, False, 0)
            else:
                if ctx.flags[Inexact]:
                    env.inexact = True
                    env.incremented = q.copy_abs() > a.copy_abs()
                r = f.pack(u[1], int(''.join(map(str, t.digits))), t.exponent)
        r, dxc = ieee(st, env, r)
        setf(st, f, r1, r)
    elif m in ('CDGTRA', 'CXGTRA', 'CDFTR', 'CXFTR', 'CDLGTR', 'CDLFTR', 'CXLGTR', 'CXLFTR'):
        if f is X:
            pair(r1)
        env = Env(rounding(st, m3))
        g = st.g[r2]
        signed = 'L' not in m[2:4]
        bits = 32 if m[-3] == 'F' or m.endswith('FTR') else 64
        if bits == 32:
            g &= 0xFFFFFFFF
            if signed and g >> 31:
                g -= 1 << 32
        elif signed and g >> 63:
            g -= 1 << 64
        r = run_rounded(f, env, lambda c: c.create_decimal(g))
        r, dxc = ieee(st, env, r, xxc=fpe and bool(m4 & 4))
        setf(st, f, r1, r)
    elif m in ('CGDTRA', 'CGXTRA', 'CFDTR', 'CFXTR', 'CLGDTR', 'CLFDTR', 'CLGXTR', 'CLFXTR'):
        if f is X:
            pair(r2)
        env = Env(rounding(st, m3))
        signed = m[1] != 'L'
        bits = 32 if m[1 if signed else 2] == 'F' else 64
        lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
        u = f.unpack(getf(st, f, r2))
        if u[0] in 'QS':
            env.invalid, cc, val = True, 3, lo
        elif u[0] == 'I':
            env.invalid, cc, val = True, 3, lo if u[1] else hi
        else:
            a = f.to_dec(u)
            cc = 0 if u[2] == 0 else 1 if u[1] else 2
            ctx = Context(prec=9999, Emax=999999, Emin=-999999, rounding=ROUNDINGS[env.mode], traps=[])
            q = ctx.to_integral_exact(a)
            v = int(q)
            if v < lo or v > hi:
                env.invalid, cc, val = True, 3, lo if u[1] else hi
            else:
                val = v
                if ctx.flags[Inexact]:
                    env.inexact = True
                    env.incremented = q.copy_abs() > a.copy_abs()
        if env.invalid and not (st.fpc >> 24) & 0x80:
            env.inexact = True
        _, dxc = ieee(st, env, 0, xxc=fpe and bool(m4 & 4))
        val &= (1 << 64) - 1
        if bits == 32:
            st.g[r1] = (st.g[r1] & ~0xFFFFFFFF & (2 ** 64 - 1)) | (val & 0xFFFFFFFF)
        else:
            st.g[r1] = val
        st.cc = cc
    elif m in ('CSDTR', 'CSXTR', 'CUDTR', 'CUXTR'):
        if f is X:
            pair(r2)
            if r1 & 1:
                spec()
        u = f.unpack(getf(st, f, r2))
        signed = m[1] == 'S'
        nd = (31 if signed else 32) if f is X else (15 if signed else 16)
        digits = str(u[2]).rjust(40, '0')[-nd:]
        v = int(digits, 16)
        if signed:
            v = v << 4 | (0xD if u[1] else 0xF if m4 & 1 else 0xC)
        if f is X:
            st.g[r1], st.g[r1 + 1] = v >> 64, v & (2 ** 64 - 1)
        else:
            st.g[r1] = v
    elif m in ('CDSTR', 'CXSTR', 'CDUTR', 'CXUTR'):
        if f is X:
            pair(r1)
            if r2 & 1:
                spec()
        v = st.g[r2] << 64 | st.g[r2 + 1] if f is X else st.g[r2]
        signed = m[2] == 'S'
        sign = 0
        if signed:
            s = v & 0xF
            if s < 0xA:
                raise Trap(7, 0)
            sign = 1 if s in (0xB, 0xD) else 0
            v >>= 4
        nd = (31 if signed else 32) if f is X else (15 if signed else 16)
        h = '%0*x' % (nd, v)
        if any(ch not in '0123456789' for ch in h):
            raise Trap(7, 0)
        setf(st, f, r1, f.pack(sign, int(h), 0))
    elif m in ('EEDTR', 'EEXTR', 'ESDTR', 'ESXTR'):
        if f is X:
            pair(r2)
        u = f.unpack(getf(st, f, r2))
        if u[0] != 'F':
            v = {'I': -1, 'Q': -2, 'S': -3}[u[0]]
        elif m[1] == 'E':
            v = u[3] + f.bias
        else:
            v = len(str(u[2])) if u[2] else 0
        st.g[r1] = v & (2 ** 64 - 1)
    elif m in ('IEDTR', 'IEXTR'):
        if f is X:
            pair(r1); pair(r3)
        u = f.unpack(getf(st, f, r3))
        g = st.g[r2]
        if g >> 63:
            g -= 1 << 64
        t = u[2] % 10 ** (f.p - 1)
        if 0 <= g <= f.maxb:
            r = f.pack(u[1], u[2], g - f.bias)
        elif g == -1:
            r = f.inf(u[1]) | f.enc_trailing(t)
        else:
            r = f.nan(u[1], g == -3, t)
        setf(st, f, r1, r)
    elif m in ('SLDT', 'SRDT', 'SLXT', 'SRXT'):
        if f is X:
            pair(r1); pair(r3)
        n = st.addr & 63
        u = f.unpack(getf(st, f, r3))
        nd = f.p if u[0] == 'F' else f.p - 1
        c = u[2] * 10 ** n % 10 ** nd if m[1] == 'L' else u[2] // 10 ** n
        if u[0] == 'F':
            r = f.pack(u[1], c, u[3])
        elif u[0] == 'I':
            r = f.inf(u[1]) | f.enc_trailing(c)
        else:
            r = f.nan(u[1], u[0] == 'S', c)
        setf(st, f, r1, r)
    elif m in ('CDZT', 'CXZT', 'CDPT', 'CXPT'):
        if f is X:
            pair(r1)
        packed = m[2] == 'P'
        length = st.l2 + 1
        mx = (18 if f is X else 9) if packed else f.p
        if length > mx:
            spec()
        a = st.addr - BUFFER
        b = st.buf[a:a + length]
        def sign_code(code):
            if code in (0xB, 0xD):
                return 1
            if code >= 0xA:
                return 0
            raise Trap(7, 0)
        signed = bool(m3 & 8)
        digits = []
        sign = 0
        if packed:
            if length == mx and (b[0] >> 4 if signed else b[0]) != 0:
                raise Trap(7, 0)
            if signed and not m3 & 1:
                sign = sign_code(b[-1] & 0xF)
            nib = []
            for x in b:
                nib += [x >> 4, x & 0xF]
            if signed:
                nib = nib[:-1]
            digits = nib
        else:
            if signed:
                sign = sign_code(b[-1] >> 4)
            digits = [x & 0xF for x in b]
        if any(d > 9 for d in digits):
            raise Trap(7, 0)
        setf(st, f, r1, f.pack(sign, int(''.join(map(str, digits))), 0))
    elif m in ('CZDT', 'CZXT', 'CPDT', 'CPXT'):
        if f is X:
            pair(r1)
        packed = m[1] == 'P'
        length = st.l2 + 1
        mx = (18 if f is X else 9) if packed else f.p
        if length > mx:
            spec()
        signed = bool(m3 & 8)
        k, s, c, e = f.unpack(getf(st, f, r1))
        neg = s == 1 and not (m3 & 1 and k == 'F' and c == 0)
        cap = 2 * length - (1 if signed else 0) if packed else length
        cc = 3 if k != 'F' else 0 if c == 0 else 1 if neg else 2
        if len(str(c)) > cap:
            cc = 3
        ds = [int(ch) for ch in str(c).rjust(80, '0')[-cap:]]
        signcode = 0xD if neg else 0xF if m3 & 2 else 0xC
        if packed:
            nib = ds + ([signcode] if signed else [])
            out = [nib[2 * j] << 4 | nib[2 * j + 1] for j in range(length)]
        else:
            zone = 0x30 if m3 & 4 else 0xF0
            out = [zone | d for d in ds]
            if signed:
                out[-1] = out[-1] & 0xF | signcode << 4
        a = st.addr - BUFFER
        st.buf[a:a + length] = bytes(out)
        st.cc = cc
    elif m[:3] in ('TDC', 'TDG'):
        if f is X:
            pair(r1)
        u = f.unpack(getf(st, f, r1))
        k, s, c, e = u
        if m[2] == 'C':
            cls = {'I': 3, 'Q': 4, 'S': 5}.get(k)
            if cls is None:
                cls = 0 if c == 0 else 1 if len(str(c)) + e - 1 < f.emin else 2
        else:
            if k != 'F':
                cls = 5
            else:
                extreme = e in (f.qmin, f.qmax)
                cls = (1 if extreme else 0) if c == 0 else 2 if extreme else 3 if c < 10 ** (f.p - 1) else 4
        bit = 11 - (2 * cls + s)
        st.cc = (st.addr >> bit) & 1
    else:
        raise SystemExit('unknown mnemonic ' + m)
    return dxc


def main():
    out = []
    for line in sys.stdin:
        p = line.split()
        if not p:
            continue
        idx, m = p[0], p[1]
        r1, r2, r3, m3, m4, length = (int(x, 16) for x in p[2:8])
        st = State()
        st.addr = int(p[8], 16)
        st.fpc = int(p[9], 16)
        st.cc = int(p[10], 16)
        st.afp_off = p[11] == '1'
        st.g = [int(x, 16) for x in p[12:28]]
        st.f = [int(x, 16) for x in p[28:44]]
        st.l2 = int(p[44], 16)
        moff = int(p[45], 16)
        mem = bytes.fromhex(p[46]) if p[46] != '-' else b''
        st.buf = bytearray((0xC5 ^ k) & 0xFF for k in range(256))
        st.buf[moff:moff + len(mem)] = mem
        buf0 = bytes(st.buf)
        g0, f0, fpc0, cc0 = list(st.g), list(st.f), st.fpc, st.cc
        pgm = None
        try:
            dxc = execute(st, m, r1, r2, r3, m3, m4)
            if dxc:
                pgm = (7, dxc)
        except Trap as t:
            st.g, st.f, st.fpc, st.cc = g0, f0, fpc0, cc0
            st.buf = bytearray(buf0)
            pgm = (t.code, t.dxc or 0)
        toks = ['cc=%d' % st.cc]
        if pgm is not None and pgm[0] == 7 and not st.afp_off:
            st.fpc = (st.fpc & 0xFFFF00FF) | pgm[1] << 8
        toks.append('fpc=%08x' % st.fpc)
        if pgm is not None:
            toks.append('pgm=%04x,%02x,%d,%d' % (pgm[0], pgm[1] if pgm[0] == 7 else 0, length, length))
        for r in range(16):
            if st.g[r] != g0[r]:
                toks.append('g%d=%016x' % (r, st.g[r]))
        for r in range(16):
            if st.f[r] != f0[r]:
                toks.append('f%d=%016x' % (r, st.f[r]))
        changed = [k for k in range(256) if st.buf[k] != buf0[k]]
        if changed:
            toks.append('m%d=%s' % (changed[0], bytes(st.buf[changed[0]:changed[-1] + 1]).hex()))
        out.append(idx + ' ' + ' '.join(toks))
    sys.stdout.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
