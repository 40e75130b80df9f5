// Operations on the 16 float lanes of an AVX-512 vector, shared by the kernels written for it:
// a mask of the first lanes, the lane sums of 16 vectors at once, a 16 x 16 transpose, and e^x and
// ln x for the arguments a softmax cross-entropy takes them at. Compiled only with AVX-512.
#pragma once

#if defined(__AVX512F__)
#include "core/tensor.h"

#include <immintrin.h>

namespace ts::simd {

// The first `count` lanes (all 16 from 16 on).
inline __mmask16 lanes_mask(Index count) {
  return count >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << count) - 1u);
}

// out[j] = the sum of the 16 lanes of v[j], for 16 vectors at once: four rounds of pairwise
// shuffles and adds (45 operations for 16 sums, against about 10 for each one alone).
inline __m512 sum_lanes16(const __m512 (&v)[16]) {
  __m512 t[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i)  // halves of 256 bits: [a.lo | b.lo] + [a.hi | b.hi]
    t[i] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_shuffle_f32x4(v[2 * i], v[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  __m512 u[4];
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i)  // quarters of 128 bits: each u holds four owners, four lanes each
    u[i] = _mm512_add_ps(_mm512_shuffle_f32x4(t[2 * i], t[2 * i + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                         _mm512_shuffle_f32x4(t[2 * i], t[2 * i + 1], _MM_SHUFFLE(3, 1, 3, 1)));
  __m512 w[2];
#pragma GCC unroll 2
  for (int i = 0; i < 2; ++i)  // within each 128-bit lane: pairs
    w[i] = _mm512_add_ps(_mm512_shuffle_ps(u[2 * i], u[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_shuffle_ps(u[2 * i], u[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  const __m512 x = _mm512_add_ps(_mm512_shuffle_ps(w[0], w[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                 _mm512_shuffle_ps(w[0], w[1], _MM_SHUFFLE(3, 1, 3, 1)));
  // x[4 * L + p] now holds the sum of v[4 * p + L].
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  return _mm512_permutexvar_ps(order, x);
}

// Transposes the 16 x 16 block held by r[0..15] (row i in r[i]) in place: r[j] then holds
// column j. Three rounds of unpacks and two of 128-bit shuffles, 64 operations.
inline void transpose16(__m512 (&r)[16]) {
  __m512 t[16];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {  // pairs of rows interleaved by single lanes
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i)  // then by pairs of lanes
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      const __m512d a = _mm512_castps_pd(t[4 * i + h]), b = _mm512_castps_pd(t[4 * i + 2 + h]);
      r[4 * i + 2 * h] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
      r[4 * i + 2 * h + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    }
#pragma GCC unroll 2
  for (int i = 0; i < 2; ++i)  // then the 128-bit quarters
#pragma GCC unroll 4
    for (int h = 0; h < 4; ++h) {
      t[8 * i + h] = _mm512_shuffle_f32x4(r[8 * i + h], r[8 * i + 4 + h], 0x88);
      t[8 * i + 4 + h] = _mm512_shuffle_f32x4(r[8 * i + h], r[8 * i + 4 + h], 0xdd);
    }
#pragma GCC unroll 8
  for (int h = 0; h < 8; ++h) {
    r[h] = _mm512_shuffle_f32x4(t[h], t[8 + h], 0x88);
    r[8 + h] = _mm512_shuffle_f32x4(t[h], t[8 + h], 0xdd);
  }
}

// e^x for x <= 0 (a softmax's logits less their largest): x = n ln 2 + f with |f| <= ln 2 / 2,
// e^f by its Taylor polynomial to f^7 (the next term is below 6e-9 of it), times 2^n. Below -87
// it gives e^-87, which adds nothing to a float sum that holds a 1.
inline __m512 exp_nonpositive(__m512 x) {
  x = _mm512_max_ps(x, _mm512_set1_ps(-87.f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // ln 2 in two parts, the first exact in float times any n here.
  __m512 f = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145751953125f), x);
  f = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.42860677e-06f), f);
  __m512 p = _mm512_set1_ps(1.f / 5040.f);
  for (const float c : {1.f / 720.f, 1.f / 120.f, 1.f / 24.f, 1.f / 6.f, 0.5f, 1.f, 1.f})
    p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(c));
  return _mm512_scalef_ps(p, n);
}

// ln x for finite x > 0: x = m 2^e with m in [0.75, 1.5), and ln m = 2 atanh(r) with
// r = (m - 1) / (m + 1), |r| <= 0.2, by its series to r^9 (the next term is below 2e-9 of it).
inline __m512 log_positive(__m512 x) {
  const __m512 m = _mm512_getmant_ps(x, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_src);
  // getexp gives the exponent of x in [1, 2); a mantissa below 1 means one more.
  const __mmask16 below_one = _mm512_cmp_ps_mask(m, _mm512_set1_ps(1.f), _CMP_LT_OQ);
  const __m512 e =
      _mm512_mask_add_ps(_mm512_getexp_ps(x), below_one, _mm512_getexp_ps(x), _mm512_set1_ps(1.f));
  const __m512 r =
      _mm512_div_ps(_mm512_sub_ps(m, _mm512_set1_ps(1.f)), _mm512_add_ps(m, _mm512_set1_ps(1.f)));
  const __m512 r2 = _mm512_mul_ps(r, r);
  __m512 p = _mm512_set1_ps(1.f / 9.f);
  for (const float c : {1.f / 7.f, 1.f / 5.f, 1.f / 3.f, 1.f})
    p = _mm512_fmadd_ps(p, r2, _mm512_set1_ps(c));
  const __m512 ln_m = _mm512_mul_ps(_mm512_add_ps(r, r), p);
  return _mm512_fmadd_ps(e, _mm512_set1_ps(0.693147182f), ln_m);
}

}  // namespace ts::simd

#endif
