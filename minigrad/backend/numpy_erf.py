"""erf for NumPy arrays, which NumPy lacks: W. J. Cody's rational Chebyshev approximations.

Cody, "Rational Chebyshev Approximations for the Error Function", Math. Comp. 23 (1969) 631-638,
the coefficient sets of Netlib's specfun CALERF, accurate to double precision. Three ranges of
|x|: erf itself near zero, erfc(|x|) exp(x^2) as a rational function of |x| up to 4, and an
asymptotic form in 1/x^2 beyond. Vectorised, so GELU on a large batch costs a few array passes
instead of one Python call per element.
"""
import numpy

_SMALL, _MEDIUM, _SATURATED = 0.46875, 4.0, 9.0
_ONE_OVER_SQRT_PI = 5.6418958354775628695e-1

# erf(x) = x P(x^2) / Q(x^2) for |x| <= 0.46875.
_SMALL_P = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
            3.20937758913846947e03, 1.85777706184603153e-1)
_SMALL_Q = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
            2.84423683343917062e03)
# erfc(y) = exp(-y^2) P(y) / Q(y) for 0.46875 < y <= 4.
_MEDIUM_P = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
             2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
             2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_MEDIUM_Q = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
             1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
             3.43936767414372164e03, 1.23033935480374942e03)
# erfc(y) = exp(-y^2) (1/sqrt(pi) - z P(z) / Q(z)) / y with z = 1/y^2, for y > 4.
_LARGE_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
            1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_LARGE_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
            6.05183413124413191e-2, 2.33520497626869185e-3)


def _ratio(u, p, q):
    """Cody's nested form: (p[-1] u^n + p[0] u^(n-1) + ... + p[n-1]) / (u^n + q[0] u^(n-1) + ... + q[n-1]),
    updated in place (two temporaries, not two per coefficient)."""
    numerator, denominator = p[-1] * u, u.copy()
    for p_i, q_i in zip(p[:-2], q[:-1]):
        numerator += p_i
        numerator *= u
        denominator += q_i
        denominator *= u
    numerator += p[-2]
    denominator += q[-1]
    numerator /= denominator
    return numerator


def _exp_minus_square(y):
    """exp(-y^2). (CALERF splits y^2 to keep erfc's relative accuracy far in the tail; erf = 1 - erfc
    only needs erfc's absolute accuracy there, which one exp gives.)"""
    square = y * y
    numpy.negative(square, out=square)
    return numpy.exp(square, out=square)


def erf(array):
    """erf of every element: in float64 for float64 input, else in float32 (the precision of the
    result either way, and float32's exp is several times faster)."""
    x = numpy.asarray(array)
    x = x.astype(numpy.float64 if x.dtype == numpy.float64 else numpy.float32, copy=False)
    y = numpy.abs(x)
    result = numpy.empty_like(x)
    small = y <= _SMALL
    medium = (y > _SMALL) & (y <= _MEDIUM)
    large = y > _MEDIUM
    result[small] = x[small] * _ratio(x[small] ** 2, _SMALL_P, _SMALL_Q)
    y_medium = y[medium]
    erfc_medium = _exp_minus_square(y_medium) * _ratio(y_medium, _MEDIUM_P, _MEDIUM_Q)
    result[medium] = numpy.copysign(1.0 - erfc_medium, x[medium])
    y_large = numpy.minimum(y[large], _SATURATED)  # erfc(9) = 4e-37: 1 - erfc is 1 in either precision
    z = 1.0 / (y_large * y_large)
    erfc_large = _exp_minus_square(y_large) * (_ONE_OVER_SQRT_PI - z * _ratio(z, _LARGE_P, _LARGE_Q)) / y_large
    result[large] = numpy.copysign(1.0 - erfc_large, x[large])
    result[numpy.isnan(x)] = numpy.nan
    return result
