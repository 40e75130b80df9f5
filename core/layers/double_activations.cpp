#include "core/layers/double_activations.h"

#include <cmath>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace ts {

#if defined(__AVX512F__)

namespace {

// y = k ln 2 + r with k an integer and |r| <= ln 2 / 2 (ln 2 in two parts: k ln 2 is exact to
// far below r's last bit), and e^r - 1 by its Taylor series to r^13 (the next term is below
// 2e-17 of it), never as e^r less 1. e^y = 2^k (1 + that).
struct Reduced {
  __m512d k, em1;
};
Reduced reduce_exp(__m512d y) {
  const __m512d k = _mm512_roundscale_pd(_mm512_mul_pd(y, _mm512_set1_pd(1.4426950408889634)),
                                         _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512d r = _mm512_fnmadd_pd(k, _mm512_set1_pd(0x1.62e42fefa39efp-1), y);
  r = _mm512_fnmadd_pd(k, _mm512_set1_pd(0x1.abc9e3b39803fp-56), r);
  // q = (e^r - 1 - r) / r^2 = 1/2! + r/3! + ... + r^11/13!, by Horner's rule.
  constexpr double kInverseFactorials[] = {1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0,
                                           1.0 / 3628800.0,    1.0 / 362880.0,    1.0 / 40320.0,
                                           1.0 / 5040.0,       1.0 / 720.0,       1.0 / 120.0,
                                           1.0 / 24.0,         1.0 / 6.0,         1.0 / 2.0};
  __m512d q = _mm512_set1_pd(kInverseFactorials[0]);
  for (int i = 1; i < 12; ++i) q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(kInverseFactorials[i]));
  return {k, _mm512_fmadd_pd(_mm512_mul_pd(q, r), r, r)};
}

// tanh |x| = u / (u + 2) with u = e^(2|x|) - 1 = 2^k (e^r - 1) + (2^k - 1): a small x keeps
// its relative accuracy. From |x| = 19.1 on, tanh x rounds to 1 (1 - tanh 19.1 < 2^-54),
// which also keeps 2^k finite; a NaN stays NaN. The sign is x's.
__m512d tanh8(__m512d x) {
  const __m512d ax = _mm512_abs_pd(x);
  const Reduced e = reduce_exp(_mm512_add_pd(ax, ax));
  const __m512d one = _mm512_set1_pd(1.0);
  const __m512d u =
      _mm512_add_pd(_mm512_scalef_pd(e.em1, e.k), _mm512_sub_pd(_mm512_scalef_pd(one, e.k), one));
  __m512d t = _mm512_div_pd(u, _mm512_add_pd(u, _mm512_set1_pd(2.0)));
  t = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(ax, _mm512_set1_pd(19.1), _CMP_GE_OQ), t, one);
  // t is not negative (or a NaN): x's sign bit ORed in makes it tanh x, -0 included.
  const __m512i sign = _mm512_and_si512(_mm512_castpd_si512(x),
                                        _mm512_set1_epi64(static_cast<long long>(1ULL << 63)));
  return _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(t), sign));
}

// With e = e^-|x| (at most 1: nothing overflows), 1 / (1 + e) for x >= 0 and e / (1 + e)
// below, so a very negative x keeps its relative accuracy down to e's subnormals. From
// |x| = 746 on, e is 0 (also for an infinite x, whose r would be a NaN); a NaN stays NaN.
__m512d sigmoid8(__m512d x) {
  const __m512d ax = _mm512_abs_pd(x);
  const Reduced r = reduce_exp(_mm512_sub_pd(_mm512_setzero_pd(), ax));
  const __m512d one = _mm512_set1_pd(1.0);
  __m512d e = _mm512_scalef_pd(_mm512_add_pd(r.em1, one), r.k);
  e = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(ax, _mm512_set1_pd(746.0), _CMP_GE_OQ), e,
                           _mm512_setzero_pd());
  const __m512d d = _mm512_add_pd(one, e);
  const __mmask8 negative = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_LT_OQ);
  return _mm512_div_pd(_mm512_mask_blend_pd(negative, one, e), d);
}

// x above 0, else alpha (e^x - 1) = alpha (2^k (e^r - 1) + (2^k - 1)); from x = -40 down,
// e^x - 1 rounds to -1 (e^-40 < 2^-57), which also keeps 2^k from underflowing to a NaN's
// reduction at -infinity. A NaN stays NaN.
__m512d elu8(__m512d x, __m512d alpha) {
  const Reduced r = reduce_exp(x);
  const __m512d one = _mm512_set1_pd(1.0);
  __m512d em1 =
      _mm512_add_pd(_mm512_scalef_pd(r.em1, r.k), _mm512_sub_pd(_mm512_scalef_pd(one, r.k), one));
  em1 = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(x, _mm512_set1_pd(-40.0), _CMP_LE_OQ), em1,
                             _mm512_set1_pd(-1.0));
  const __mmask8 positive = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_GT_OQ);
  return _mm512_mask_blend_pd(positive, _mm512_mul_pd(alpha, em1), x);
}

// f over n values, eight at a time, the last few by a mask.
template <class F>
void by_lanes(const double* x, double* y, std::size_t n, F f) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm512_storeu_pd(y + i, f(_mm512_loadu_pd(x + i)));
  if (i < n) {
    const __mmask8 mask = __mmask8((1u << (n - i)) - 1u);
    _mm512_mask_storeu_pd(y + i, mask, f(_mm512_maskz_loadu_pd(mask, x + i)));
  }
}

}  // namespace

void tanh_double(const double* x, double* y, std::size_t n) { by_lanes(x, y, n, tanh8); }

void sigmoid_double(const double* x, double* y, std::size_t n) { by_lanes(x, y, n, sigmoid8); }

void elu_double(const double* x, double* y, std::size_t n, double alpha) {
  const __m512d a = _mm512_set1_pd(alpha);
  by_lanes(x, y, n, [a](__m512d v) { return elu8(v, a); });
}

#else  // no AVX-512: the C library's

void tanh_double(const double* x, double* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}

void sigmoid_double(const double* x, double* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = 1.0 / (1.0 + std::exp(-x[i]));
}

void elu_double(const double* x, double* y, std::size_t n, double alpha) {
  for (std::size_t i = 0; i < n; ++i) y[i] = x[i] > 0.0 ? x[i] : alpha * std::expm1(x[i]);
}

#endif

}  // namespace ts
