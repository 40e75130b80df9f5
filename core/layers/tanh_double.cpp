#include "core/layers/tanh_double.h"

#include <cmath>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace ts {

#if defined(__AVX512F__)

namespace {

// tanh |x| = u / (u + 2) with u = e^(2|x|) - 1. With 2|x| = k ln 2 + r, |r| <= ln 2 / 2,
// u = 2^k (e^r - 1) + (2^k - 1), and e^r - 1 comes from its Taylor series to r^13 (the next
// term is below 2e-17 of it), never from e^r less 1: a small x keeps its relative accuracy.
// From |x| = 19.1 on, tanh x rounds to 1 (1 - tanh 19.1 < 2^-54), which also keeps 2^k
// finite; a NaN stays NaN. The sign is x's.
__m512d tanh8(__m512d x) {
  const __m512d ax = _mm512_abs_pd(x);
  const __m512d y = _mm512_add_pd(ax, ax);
  const __m512d k = _mm512_roundscale_pd(_mm512_mul_pd(y, _mm512_set1_pd(1.4426950408889634)),
                                         _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // ln 2 in two parts: k ln 2 is then exact to far below r's last bit.
  __m512d r = _mm512_fnmadd_pd(k, _mm512_set1_pd(0x1.62e42fefa39efp-1), y);
  r = _mm512_fnmadd_pd(k, _mm512_set1_pd(0x1.abc9e3b39803fp-56), r);
  // q = (e^r - 1 - r) / r^2 = 1/2! + r/3! + ... + r^11/13!, by Horner's rule.
  constexpr double kInverseFactorials[] = {1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0,
                                           1.0 / 3628800.0,    1.0 / 362880.0,    1.0 / 40320.0,
                                           1.0 / 5040.0,       1.0 / 720.0,       1.0 / 120.0,
                                           1.0 / 24.0,         1.0 / 6.0,         1.0 / 2.0};
  __m512d q = _mm512_set1_pd(kInverseFactorials[0]);
  for (int i = 1; i < 12; ++i) q = _mm512_fmadd_pd(q, r, _mm512_set1_pd(kInverseFactorials[i]));
  const __m512d em1 = _mm512_fmadd_pd(_mm512_mul_pd(q, r), r, r);  // e^r - 1
  const __m512d one = _mm512_set1_pd(1.0);
  const __m512d u =
      _mm512_add_pd(_mm512_scalef_pd(em1, k), _mm512_sub_pd(_mm512_scalef_pd(one, k), one));
  __m512d t = _mm512_div_pd(u, _mm512_add_pd(u, _mm512_set1_pd(2.0)));
  t = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(ax, _mm512_set1_pd(19.1), _CMP_GE_OQ), t, one);
  // t is not negative (or a NaN): x's sign bit ORed in makes it tanh x, -0 included.
  const __m512i sign = _mm512_and_si512(_mm512_castpd_si512(x),
                                        _mm512_set1_epi64(static_cast<long long>(1ULL << 63)));
  return _mm512_castsi512_pd(_mm512_or_si512(_mm512_castpd_si512(t), sign));
}

}  // namespace

void tanh_double(const double* x, double* y, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm512_storeu_pd(y + i, tanh8(_mm512_loadu_pd(x + i)));
  if (i < n) {
    const __mmask8 mask = __mmask8((1u << (n - i)) - 1u);
    _mm512_mask_storeu_pd(y + i, mask, tanh8(_mm512_maskz_loadu_pd(mask, x + i)));
  }
}

#else  // no AVX-512: the C library's

void tanh_double(const double* x, double* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
}

#endif

}  // namespace ts
