// Package libm computes e^x, ln x and x^y with the same bits, on every
// GOARCH, as the Rust libm crate 0.2.16 (the float functions the reference
// implementation of Maybenot samples its distributions with). Its
// algorithms are those of Sun's fdlibm, by way of FreeBSD's msun and musl:
// polynomial approximations after an argument reduction, each step rounded
// to float64.
//
// Why not package math: sampling must give the reference's values to the
// last bit, and math does not promise that. math.Exp is assembly on amd64,
// arm64, loong64 and s390x, and math.Log on amd64 and s390x, with their own
// polynomials and rounding; math's pure-Go Exp, though a port of the same
// fdlibm code, has another first coefficient and so rounds e^1 one unit
// lower; math.Pow works from Frexp, Modf and repeated multiplication, a
// different algorithm altogether; and where math is pure Go the compiler
// may fuse a multiplication and an addition into one fused multiply-add
// (it does on arm64, loong64, ppc64, riscv64, s390x, and amd64 with
// GOAMD64=v3), which rounds once where fdlibm rounds twice.
//
// So every product here that is then added to or subtracted from is
// written float64(a*b): an explicit conversion rounds, and the Go
// specification forbids fusing across it. math.Sqrt, math.Abs and the bit
// conversions are used freely: they are exact or correctly rounded
// everywhere.
package libm

import "math"

// hi returns the high 32 bits of x's encoding (sign, exponent and the top
// 20 bits of the fraction).
func hi(x float64) uint32 { return uint32(math.Float64bits(x) >> 32) }

// lo returns the low 32 bits of x's encoding.
func lo(x float64) uint32 { return uint32(math.Float64bits(x)) }

// withHi returns x with the high 32 bits of its encoding replaced by h.
func withHi(x float64, h uint32) float64 {
	return math.Float64frombits(uint64(h)<<32 | math.Float64bits(x)&0xffffffff)
}

// withLo returns x with the low 32 bits of its encoding replaced by l;
// withLo(x, 0) keeps the top 21 bits of the significand, so that products
// of two such numbers are exact.
func withLo(x float64, l uint32) float64 {
	return math.Float64frombits(math.Float64bits(x)&^0xffffffff | uint64(l))
}

// ln2Hi + ln2Lo is ln 2: ln2Hi has its low 32 bits zero, so k*ln2Hi is
// exact for every exponent k.
const (
	ln2Hi = 6.93147180369123816490e-01 // 0x3fe62e42fee00000
	ln2Lo = 1.90821492927058770002e-10 // 0x3dea39ef35793c76
)

// The coefficients of the minimax polynomial behind Exp and the last step
// of Pow: R(z) = 2 + p1 z + ... + p5 z^5 approximates r (e^r+1)/(e^r-1)
// as a function of z = r^2 on |r| <= ln(2)/2.
const (
	p1 = 1.66666666666666019037e-01  // 0x3fc555555555553e
	p2 = -2.77777777770155933842e-03 // 0xbf66c16c16bebd93
	p3 = 6.61375632143793436117e-05  // 0x3f11566aaf25de2c
	p4 = -1.65339022054652515390e-06 // 0xbebbbd41c5d26bf1
	p5 = 4.13813679705723846039e-08  // 0x3e66376972bea4d0
)

// scalbn returns x * 2^n as the reference's scalbn does: in up to three
// multiplications by powers of two (2^1023 going up, 2^-969 going down, so
// that a normal x stays normal until the last), so the result is exact
// unless it overflows or is subnormal, and then rounded once. For n in
// [-1022, 1023] that is the one multiplication by pow2(n).
func scalbn(x float64, n int) float64 {
	switch {
	case n > 1023:
		x *= 0x1p1023
		n -= 1023
		if n > 1023 {
			x *= 0x1p1023
			n -= 1023
			n = min(n, 1023)
		}
	case n < -1022:
		x *= 0x1p-969
		n += 969
		if n < -1022 {
			x *= 0x1p-969
			n += 969
			n = max(n, -1022)
		}
	}
	return x * pow2(n)
}

// pow2 returns 2^n for n in [-1022, 1023].
func pow2(n int) float64 { return math.Float64frombits(uint64(1023+n) << 52) }

// Exp returns e^x, within 1 ulp, with exactly the reference's rounding.
// Exp(NaN) is NaN, Exp(+Inf) = +Inf, Exp(-Inf) = 0; results overflow to
// +Inf above about 709.78 and underflow to 0 below about -745.13.
func Exp(x float64) float64 {
	const invLn2 = 1.44269504088896338700e+00 // 0x3ff71547652b82fe

	h := hi(x)
	sign := int(h >> 31)
	h &= 0x7fffffff

	if h >= 0x4086232b { // |x| >= 708.39...
		switch {
		case x != x:
			return x
		case x > 709.782712893383973096:
			return x * 0x1p1023 // +Inf, also for x = +Inf
		case x < -745.13321910194110842:
			return 0
		}
	}

	// Reduce: x = k ln2 + r with |r| <= ln(2)/2, r carried as hi - lo.
	var rHi, rLo float64
	var k int
	switch {
	case h > 0x3fd62e42: // |x| > ln(2)/2
		if h >= 0x3ff0a2b2 { // |x| >= 1.5 ln2: round x/ln2 to nearest
			half := 0.5
			if sign != 0 {
				half = -0.5
			}
			k = int(float64(invLn2*x) + half)
		} else {
			k = 1 - sign - sign
		}
		kf := float64(k)
		rHi = x - float64(kf*ln2Hi)
		rLo = float64(kf * ln2Lo)
		x = rHi - rLo
	case h > 0x3e300000: // |x| > 2^-28
		rHi = x
	default:
		return 1 + x
	}

	// e^r = 1 + r + r·c/(2-c) with c = r - (p1 r² + p2 r⁴ + ... + p5 r¹⁰).
	z := x * x
	c := x - float64(z*(p1+float64(z*(p2+float64(z*(p3+float64(z*(p4+float64(z*p5)))))))))
	y := 1 + (float64(x*c)/(2-c) - rLo + rHi)
	if uint(k+1022) <= 1023+1022 { // scalbn's one multiplication, without a call
		return y * pow2(k)
	}
	return scalbn(y, k)
}

// Log returns the natural logarithm of x, within 1 ulp, with exactly the
// reference's rounding. Log(0) = -Inf, Log(x < 0) = NaN, Log(+Inf) = +Inf,
// Log(NaN) is NaN, Log(1) = 0.
func Log(x float64) float64 {
	// The coefficients of the polynomial approximating
	// (ln((1+s)/(1-s)) - 2s) / s on s in [0, 0.1716].
	const (
		lg1 = 6.666666666666735130e-01 // 0x3fe5555555555593
		lg2 = 3.999999999940941908e-01 // 0x3fd999999997fa04
		lg3 = 2.857142874366239149e-01 // 0x3fd2492494229359
		lg4 = 2.222219843214978396e-01 // 0x3fcc71c51d8e78af
		lg5 = 1.818357216161805012e-01 // 0x3fc7466496cb03de
		lg6 = 1.531383769920937332e-01 // 0x3fc39a09d078c69f
		lg7 = 1.479819860511658591e-01 // 0x3fc2f112df3e5244
	)

	bits := math.Float64bits(x)
	h := uint32(bits >> 32)
	k := 0
	// One test passes x positive, normal, finite and not 1.
	if h-0x00100000 >= 0x7ff00000-0x00100000 || bits == 0x3ff0000000000000 {
		switch {
		case h >= 0x7ff00000 && h>>31 == 0: // +Inf or NaN
			return x
		case bits == 0x3ff0000000000000: // 1
			return 0
		case bits<<1 == 0:
			return math.Inf(-1)
		case h>>31 != 0:
			return math.NaN()
		}
		// Subnormal.
		k -= 54
		x *= 0x1p54
		bits = math.Float64bits(x)
		h = uint32(bits >> 32)
	}

	// Write x = 2^k (1+f) with 1+f in [sqrt(2)/2, sqrt(2)).
	h += 0x3ff00000 - 0x3fe6a09e
	k += int(h>>20) - 0x3ff
	h = h&0x000fffff + 0x3fe6a09e
	x = math.Float64frombits(uint64(h)<<32 | bits&0xffffffff)

	// ln(1+f) = f - f^2/2 + s (f^2/2 + R) with s = f/(2+f).
	f := x - 1
	hfsq := float64(0.5 * f * f)
	s := f / (2 + f)
	z := s * s
	w := z * z
	t1 := float64(w * (lg2 + float64(w*(lg4+float64(w*lg6)))))
	t2 := float64(z * (lg1 + float64(w*(lg3+float64(w*(lg5+float64(w*lg7)))))))
	r := t2 + t1
	dk := float64(k)
	return float64(s*(hfsq+r)) + float64(dk*ln2Lo) - hfsq + f + float64(dk*ln2Hi)
}

// Pow returns x^y, within 1 ulp, with exactly the reference's rounding
// and special cases (those of C99): Pow(x, ±0) = 1 for any x, NaN
// included; Pow(1, y) = 1 for any y; otherwise a NaN argument gives NaN; a
// negative x gives NaN unless y is a whole number; results beyond the
// float64 range are ±Inf or ±0.
//
// It forms log2|x| as t1 + t2 with about 70 significant bits, multiplies
// by y split into y1 + y2 the same way, and raises 2 to the product.
func Pow(x, y float64) float64 {
	const (
		two53 = 0x1p53
		huge  = 1e300
		tiny  = 1e-300

		// The polynomial for (3/2)(ln((1+s)/(1-s)) - 2s - (2/3)s^3)
		// as a function of s^2.
		l1 = 5.99999999999994648725e-01 // 0x3fe3333333333303
		l2 = 4.28571428578550184252e-01 // 0x3fdb6db6db6fabff
		l3 = 3.33333329818377432918e-01 // 0x3fd55555518f264d
		l4 = 2.72728123808534006489e-01 // 0x3fd17460a91d4101
		l5 = 2.30660745775561754067e-01 // 0x3fcd864a93c9db65
		l6 = 2.06975017800338417784e-01 // 0x3fca7e284a454eef

		lg2  = 6.93147180559945286227e-01  // 0x3fe62e42fefa39ef, ln 2
		lg2H = 6.93147182464599609375e-01  // 0x3fe62e4300000000
		lg2L = -1.90465429995776804525e-09 // 0xbe205c610ca86c39, ln 2 - lg2H

		// ovt is how far below 1024 a product may be rounded and
		// still not overflow: -(1024 - log2(MaxFloat64 + ulp/2)).
		ovt = 8.0085662595372944372e-17

		cp  = 9.61796693925975554329e-01  // 0x3feec709dc3a03fd, 2/(3 ln 2)
		cpH = 9.61796700954437255859e-01  // 0x3feec709e0000000, cp rounded to float32
		cpL = -7.02846165095275826516e-09 // 0xbe3e2fe0145b01f5, cp - cpH

		ivln2  = 1.44269504088896338700e+00 // 0x3ff71547652b82fe, 1/ln 2
		ivln2H = 1.44269502162933349609e+00 // 0x3ff7154760000000, 24 bits of it
		ivln2L = 1.92596299112661746887e-08 // 0x3e54ae0bf85ddf44, the rest
	)
	hx, lx := int32(hi(x)), lo(x)
	hy, ly := int32(hi(y)), lo(y)
	ix := hx & 0x7fffffff
	iy := hy & 0x7fffffff

	// The special cases leave to the general method |x| as ax = 2^n
	// times the float64 whose high word is ix, the sign s of the result
	// and, when x is near 1 and |y| > 2^31 (near), log2|x| = t1 + t2,
	// which they compute then by a series.
	ax, n, s := x, int32(0), 1.0
	var t1, t2 float64
	near := false
	// The samplers' case, x positive, normal, finite and not 1 and y
	// finite, non-zero, at most 2^31 in magnitude and none of ±1, 2 and
	// 0.5, is none of the special cases: one test skips them all.
	if !(uint32(hx)-0x00100000 < 0x7ff00000-0x00100000 && (hx != 0x3ff00000 || lx != 0) &&
		iy <= 0x41e00000 && uint32(iy)|ly != 0 &&
		(ly != 0 || iy != 0x3ff00000 && hy != 0x40000000 && hy != 0x3fe00000)) {
		switch {
		case uint32(iy)|ly == 0: // y = ±0
			return 1
		case hx == 0x3ff00000 && lx == 0: // x = 1
			return 1
		case ix > 0x7ff00000 || ix == 0x7ff00000 && lx != 0 ||
			iy > 0x7ff00000 || iy == 0x7ff00000 && ly != 0: // a NaN
			return x + y
		}

		// For x < 0: yIsInt is 0 if y is not a whole number, 1 if it is
		// odd, 2 if it is even.
		yIsInt := int32(0)
		if hx < 0 {
			switch {
			case iy >= 0x43400000: // |y| >= 2^53: even
				yIsInt = 2
			case iy >= 0x3ff00000: // |y| >= 1
				e := uint32(iy>>20) - 0x3ff // the exponent
				if e > 20 {
					j := int32(ly >> (52 - e))
					if uint32(j<<(52-e)) == ly {
						yIsInt = 2 - j&1
					}
				} else if ly == 0 {
					j := iy >> (20 - e)
					if j<<(20-e) == iy {
						yIsInt = 2 - j&1
					}
				}
			}
		}

		if ly == 0 {
			switch {
			case iy == 0x7ff00000: // y = ±Inf
				switch {
				case (ix-0x3ff00000)|int32(lx) == 0: // |x| = 1
					return 1
				case ix >= 0x3ff00000: // |x| > 1
					if hy >= 0 {
						return y
					}
					return 0
				default: // |x| < 1
					if hy >= 0 {
						return 0
					}
					return -y
				}
			case iy == 0x3ff00000: // y = ±1
				if hy >= 0 {
					return x
				}
				return 1 / x
			case hy == 0x40000000: // y = 2
				return x * x
			case hy == 0x3fe00000 && hx >= 0: // y = 0.5, x >= +0
				return math.Sqrt(x)
			}
		}

		ax = math.Abs(x)
		if lx == 0 && (ix == 0x7ff00000 || ix == 0 || ix == 0x3ff00000) { // x = ±0, ±Inf, ±1
			z := ax
			if hy < 0 {
				z = 1 / z
			}
			if hx < 0 {
				switch {
				case (ix-0x3ff00000)|yIsInt == 0: // (-1)^non-integer
					return math.NaN()
				case yIsInt == 1:
					z = -z
				}
			}
			return z
		}

		if hx < 0 {
			switch yIsInt {
			case 0:
				return math.NaN()
			case 1:
				s = -1
			}
		}

		switch {
		case iy > 0x43f00000: // |y| > 2^64: overflows or underflows
			if ix <= 0x3fefffff {
				if hy < 0 {
					return math.Inf(1)
				}
				return 0
			}
			if hy > 0 {
				return math.Inf(1)
			}
			return 0
		case iy > 0x41e00000: // |y| > 2^31
			// Unless x is within 2^-20 of 1 the result overflows or
			// underflows.
			if ix < 0x3fefffff {
				if hy < 0 {
					return s * huge * huge
				}
				return s * tiny * tiny
			}
			if ix > 0x3ff00000 {
				if hy > 0 {
					return s * huge * huge
				}
				return s * tiny * tiny
			}
			// ln x = t - t^2/2 + t^3/3 - t^4/4 for t = x-1, which has
			// at least 20 trailing zero bits.
			t := ax - 1
			w := float64(t*t) * (0.5 - float64(t*(0.3333333333333333333333-float64(t*0.25))))
			u := float64(ivln2H * t)
			v := float64(t*ivln2L) - float64(w*ivln2)
			t1 = withLo(u+v, 0)
			t2 = v - (t1 - u)
			near = true
		case ix < 0x00100000: // subnormal x
			ax *= two53
			n -= 53
			ix = int32(hi(ax))
		}
	}

	// log2|x| = t1 + t2.
	if !near {
		n += ix>>20 - 0x3ff
		j := ix & 0x000fffff
		// Scale ax into [1, 2) and pick the reference point 1 or 1.5
		// (k = 0 or 1) nearer to it; from sqrt(3) up use 1 of the next
		// binade instead.
		// bp is the reference point, dpH + dpL = log2(bp).
		ix = j | 0x3ff00000
		k := uint32(0)
		bp, dpH, dpL := 1.0, 0.0, 0.0
		switch {
		case j <= 0x3988e: // below sqrt(3/2)
		case j < 0xbb67a: // below sqrt(3)
			k = 1
			bp = 1.5
			dpH = 5.84962487220764160156e-01 // 0x3fe2b80340000000
			dpL = 1.35003920212974897128e-08 // 0x3e4cfdeb43cfd006
		default:
			n++
			ix -= 0x00100000
		}
		ax = withHi(ax, uint32(ix))

		// ss = sH + sL = (ax - bp) / (ax + bp).
		u := ax - bp
		v := 1 / (ax + bp)
		ss := float64(u * v)
		sH := withLo(ss, 0)
		tH := withHi(0, (uint32(ix)>>1|0x20000000)+0x00080000+k<<18) // ax + bp, high part
		tL := ax - (tH - bp)
		sL := float64(v * ((u - float64(sH*tH)) - float64(sH*tL)))

		// ln ax = 2 ss + (2/3) ss^3 + ... = (2/3)(3 ss + ss^3 + r') with r' the polynomial.
		s2 := float64(ss * ss)
		r := float64(float64(s2*s2) * (l1 + float64(s2*(l2+float64(s2*(l3+float64(s2*(l4+float64(s2*(l5+float64(s2*l6)))))))))))
		r += float64(sL * (sH + ss))
		s2 = float64(sH * sH)
		tH = withLo(3+s2+r, 0)
		tL = r - ((tH - 3) - s2)
		// u + v = ss (3 + ss^2 + r').
		u = float64(sH * tH)
		v = float64(sL*tH) + float64(tL*ss)
		// log2 ax = 2/(3 ln 2) (u + v) + log2 bp, split again.
		pH := withLo(u+v, 0)
		pL := v - (pH - u)
		zH := float64(cpH * pH)
		zL := float64(cpL*pH) + float64(pL*cp) + dpL
		t := float64(n)
		t1 = withLo(((zH+zL)+dpH)+t, 0)
		t2 = zL - (((t1 - t) - dpH) - zH)
	}

	// y log2|x| = pH + pL, with y split into y1 (21 bits) and y - y1.
	y1 := withLo(y, 0)
	pL := float64((y-y1)*t1) + float64(y*t2)
	pH := float64(y1 * t1)
	z := pL + pH
	j := int32(hi(z))
	i := int32(lo(z))
	if j >= 0x40900000 { // z >= 1024
		if (j-0x40900000)|i != 0 || pL+ovt > z-pH {
			return s * huge * huge
		}
	} else if j&0x7fffffff >= 0x4090cc00 { // z <= -1075
		if (uint32(j)-0xc090cc00)|uint32(i) != 0 || pL <= z-pH {
			return s * tiny * tiny
		}
	}

	// 2^z = 2^n e^((z-n) ln 2) for n the nearest whole number to z
	// (when |z| > 0.5).
	i = j & 0x7fffffff
	k := i>>20 - 0x3ff
	n = 0
	if i > 0x3fe00000 {
		n = j + 0x00100000>>(k+1)
		k = (n&0x7fffffff)>>20 - 0x3ff // the exponent of n
		t := withHi(0, uint32(n&^(0x000fffff>>k)))
		n = (n&0x000fffff | 0x00100000) >> (20 - k)
		if j < 0 {
			n = -n
		}
		pH -= t
	}
	t := withLo(pL+pH, 0)
	u := float64(t * lg2H)
	v := float64((pL-(t-pH))*lg2) + float64(t*lg2L)
	z = u + v
	w := v - (z - u)
	t = float64(z * z)
	t1 = z - float64(t*(p1+float64(t*(p2+float64(t*(p3+float64(t*(p4+float64(t*p5)))))))))
	r := float64(z*t1)/(t1-2) - (w + float64(z*w))
	z = 1 - (r - z)
	j = int32(hi(z)) + n<<20
	if j>>20 <= 0 { // subnormal result
		z = scalbn(z, int(n))
	} else {
		z = withHi(z, uint32(j))
	}
	return s * z
}
