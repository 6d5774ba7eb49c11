"""Global maximum-likelihood search for the hedge-ratio model.

The likelihood of this model is multimodal (a "moving intercept" and a "moving hedge ratio"
explanation of the same prices compete), mu is weakly identified when alpha is near one, and
variances sit at zero. A single local fit from one start is not enough. The search here:

1. **alpha1 stage** (alpha = 1, c = 0): a grid of variance scales (observation variance,
   intercept variance and hedge-ratio variance as fractions of the OLS residual variance) is
   evaluated; the best distinct grid points and the model's start values are polished by local fits.
2. **mu0 stage** (c = 0): a profile over alpha on a grid reaching 0.9999, each point warm-started
   from the previous grid point and from the alpha1 optimum; the best profile points and the alpha1
   optima (moved to alpha = 0.999) start free local fits.
3. **full stage**: the same profile with c free, started from c = 0 and from c = (1-alpha) times
   the OLS intercept, plus free fits from the mu0 optima.
4. Every stage keeps the nested stage's optimum as a candidate (alpha1 is the point alpha = 1,
   c = 0 of mu0; mu0 is the slice c = 0 of full), so a model never reports a lower
   log-likelihood than a model nested in it. A winner with a variance at zero is re-polished from
   a start with that variance moved off the boundary, which catches a boundary that only the
   starting point imposed.
5. The mu0 and full stages also start from the "noisy mean-reverting spread" basin (moments of
   AR(1) plus noise on the OLS residuals, see :meth:`GlobalSearch._spread_starts`), which the
   warm-started profile from alpha near one can miss.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._progress import report
from ._optimize import LocalFit, Objective, parameter_scales

__all__ = ["GlobalSearch", "StageResult", "ALPHA_GRID"]

#: alpha grid of the profile likelihood (dense towards one, where the real data put it).
ALPHA_GRID = np.array([0.0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9999])


@dataclass
class StageResult:
    """Best point of one nested stage plus everything tried on the way."""

    variant: str
    best: LocalFit
    candidates: list[LocalFit]
    profile: list[tuple[float, float, np.ndarray]] = field(default_factory=list)

    @property
    def n_local_fits(self) -> int:
        """Number of local optimisations run in this stage."""
        return sum(1 for c in self.candidates if c.nit > 0 or c.label.startswith("local"))


def _distinct(fits: list[LocalFit], top: int, tol: float = 1e-3) -> list[LocalFit]:
    """Best ``top`` fits whose log-likelihoods differ by more than ``tol``."""
    out: list[LocalFit] = []
    for f in sorted(fits, key=lambda f: -f.llf if np.isfinite(f.llf) else np.inf):
        if not np.isfinite(f.llf):
            continue
        if all(abs(f.llf - g.llf) > tol or not np.allclose(f.full, g.full, rtol=1e-2) for g in out):
            out.append(f)
        if len(out) >= top:
            break
    return out


class GlobalSearch:
    """Nested global search on one base model (whose ``fixed`` are the user's extra constraints).

    Parameters
    ----------
    model : HedgeRatioModel
        A model with the user's fixed parameters (beyond the variant's) already set; its
        ``all_param_names``, data and initialization are used for every stage.
    n_grid_starts : int
        Number of distinct grid points polished in the alpha1 stage.
    """

    def __init__(self, model, *, n_grid_starts: int = 6) -> None:
        self.model = model
        self.names = model.all_param_names
        self.user_fixed = dict(model.fixed)
        self.k = model.k_states
        self.scales = parameter_scales(model)
        y = np.asarray(model.endog[:, 0], float)
        Z = model._design_rows
        ok = np.isfinite(y)
        coef, *_ = np.linalg.lstsq(Z[ok], y[ok], rcond=None)
        #: static OLS fit of y on (1, x_2..x_k): its intercept and residuals seed the starts
        self.mu_ols = float(coef[0])
        self.ols_resid = y[ok] - Z[ok] @ coef
        self.n_grid_starts = n_grid_starts
        self.stages: dict[str, StageResult] = {}
        self._n_local, self._best = 0, -np.inf  # for progress messages

    # -- helpers ---------------------------------------------------------------------
    def _free(self, variant_fixed: dict[str, float]) -> list[str]:
        fixed = {**variant_fixed, **self.user_fixed}
        return [n for n in self.names if n not in fixed]

    def _apply_fixed(self, full: np.ndarray, variant_fixed: dict[str, float]) -> np.ndarray:
        full = np.array(full, float)
        for n, v in {**variant_fixed, **self.user_fixed}.items():
            full[self.names.index(n)] = v
        return full

    def _local(self, start: np.ndarray, variant_fixed: dict[str, float], label: str) -> LocalFit:
        start = self._apply_fixed(start, variant_fixed)
        obj = Objective(self.model, self._free(variant_fixed), start)
        fit = obj.maximize(start, "local:" + label)
        fit.full = self._apply_fixed(fit.full, variant_fixed)
        self._n_local += 1
        self._best = max(self._best, fit.llf) if np.isfinite(fit.llf) else self._best
        report(lambda: f"MLE: local fit {self._n_local} ({label}), best llf {self._best:.6g}")
        return fit

    def _unstick(self, fit: LocalFit, variant_fixed: dict[str, float]) -> LocalFit:
        """Re-polish a fit from a start whose zero variances are moved off the boundary."""
        free = set(self._free(variant_fixed))
        start = fit.full.copy()
        moved = False
        for i, n in enumerate(self.names):
            if n.startswith("sigma2.") and n in free and start[i] <= 1e-12 * self.scales[i]:
                start[i] = self.scales[i] * 1e-2
                moved = True
        if not moved:
            return fit
        alt = self._local(start, variant_fixed, fit.label + "+unstick")
        return alt if alt.llf > fit.llf + 1e-9 else fit

    def _finish(self, variant, fits, variant_fixed, profile=()) -> StageResult:
        fits = [f for f in fits if np.isfinite(f.llf)]
        best = max(fits, key=lambda f: f.llf)
        if best.label.startswith("local") or best.label.startswith("nested"):
            polished = self._unstick(best, variant_fixed)
            again = self._local(polished.full, variant_fixed, "polish")
            for cand in (polished, again):
                if cand.llf > best.llf:
                    fits.append(cand)
                    best = cand
        st = StageResult(variant, best, fits, list(profile))
        self.stages[variant] = st
        return st

    def _spread_starts(self, with_c: bool) -> list[tuple[str, np.ndarray]]:
        r"""Starts in the "noisy mean-reverting spread" basin, from the static OLS residuals.

        The profile over alpha is warm-started from alpha near one, where the data are often
        explained by drifting hedge ratios and a level without noise
        (``sigma2.intercept = 0``); a fast-reverting level with noise is a separate optimum
        that warm starts do not reach. These starts put the model there directly:

        * the model's own ``start_params`` (alpha from the residuals' lag-one autocorrelation);
        * moments of AR(1) plus noise: with residual autocovariances
          :math:`\gamma_0, \gamma_1, \gamma_2`, :math:`\alpha = \gamma_2 / \gamma_1`,
          level variance :math:`\gamma_1/\alpha`, so :math:`q = (1-\alpha^2)\gamma_1/\alpha`
          and :math:`r = \gamma_0 - \gamma_1/\alpha` (clipped to stay positive);
        * alpha in {0.5, 0.9} with the residual variance split half and half between level
          and noise.

        Hedge-ratio variances start small (1e-2 of their scale); ``c`` starts at
        :math:`(1-\alpha)` times the OLS intercept when ``with_c``, else 0.
        """
        e = self.ols_resid - self.ols_resid.mean()
        g0 = float(e @ e) / e.size
        g1 = float(e[1:] @ e[:-1]) / e.size
        g2 = float(e[2:] @ e[:-2]) / e.size
        s, k = self.scales, self.k
        out = [("start_params", self.model._start_full())]
        specs = []
        if g0 > 0 and g1 > 0 and g2 > 0:
            a = float(np.clip(g2 / g1, 0.05, 0.99))
            level = min(g1 / a, 0.95 * g0)
            specs.append(("moments", a, level * (1 - a * a), g0 - level))
        for a in (0.5, 0.9):
            specs.append((f"split:alpha={a}", a, 0.5 * g0 * (1 - a * a), 0.5 * g0))
        for label, a, q, r in specs:
            full = np.empty(len(self.names))
            full[0] = a
            full[1] = (1 - a) * self.mu_ols if with_c else 0.0
            full[2] = max(q, 1e-6 * s[2])
            full[3 : 2 + k] = 1e-2 * s[3 : 2 + k]
            full[2 + k] = max(r, 1e-3 * s[2 + k])
            out.append((label, full))
        return out

    # -- stages ------------------------------------------------------------------------
    def alpha1(self) -> StageResult:
        """Stage 1: alpha = 1, c = 0, variances from a grid of scales."""
        vf = {"alpha": 1.0, "c": 0.0}
        s = self.scales
        k = self.k
        grid_pts = []
        for r in (3.0, 1.0, 0.3, 0.1, 0.01):
            for q1 in (10.0, 1.0, 0.1, 0.01, 0.0):
                for qh in (10.0, 1.0, 0.1, 0.01, 1e-3, 0.0):
                    full = np.empty(len(self.names))
                    full[0], full[1] = 1.0, 0.0
                    full[2] = q1 * s[2]
                    full[3 : 2 + k] = qh * s[3 : 2 + k]
                    full[2 + k] = r * s[2 + k]
                    full = self._apply_fixed(full, vf)
                    llf = self.model.fast_loglike(full)
                    grid_pts.append(LocalFit(full, llf, True, 0, 1, f"grid:r{r}-q1{q1}-qh{qh}"))
        starts = _distinct(grid_pts, self.n_grid_starts, tol=1e-6)
        start_params = self._apply_fixed(self.model._start_full(), vf)
        fits = [self._local(st.full, vf, st.label) for st in starts]
        fits.append(self._local(start_params, vf, "start_params"))
        return self._finish("alpha1", fits, vf)

    def _profile(self, vf_base, starts_for_alpha, label) -> tuple[list, list[LocalFit]]:
        """Profile over ALPHA_GRID (descending from 0.9999), warm-started along the grid."""
        profile = []
        fits = []
        prev = None
        for a in ALPHA_GRID[::-1]:
            vf = {**vf_base, "alpha": float(a)}
            if prev is None:
                cands = [self._local(st, vf, f"{label}:alpha={a}") for st in starts_for_alpha(a)]
            else:
                cands = []
                start = prev.full.copy()
                start[0] = a
                cands.append(self._local(start, vf, f"{label}:alpha={a}:warm"))
            best = max(cands, key=lambda f: f.llf)
            profile.append((float(a), best.llf, best.full.copy()))
            fits.append(best)
            prev = best
        profile.sort(key=lambda p: p[0])
        return profile, fits

    def mu0(self) -> StageResult:
        """Stage 2: c = 0, alpha free; profile over alpha, then free fits."""
        a1 = self.stages.get("alpha1") or self.alpha1()
        vf = {"c": 0.0}
        nested = LocalFit(a1.best.full.copy(), a1.best.llf, True, 0, 0, "nested:alpha1")
        tops = _distinct(a1.candidates, 2)

        def starts(a):
            out = []
            for t in tops[:1]:
                s = t.full.copy()
                s[0] = a
                out.append(s)
            return out

        profile, pfits = self._profile(vf, starts, "mu0-profile")
        fits = [nested]
        for p in sorted(pfits, key=lambda f: -f.llf)[:2]:
            fits.append(self._local(p.full, vf, "from-profile"))
        for t in tops:
            for a in (0.999, 0.99):
                s = t.full.copy()
                s[0] = a
                fits.append(self._local(s, vf, f"from-alpha1:alpha={a}"))
        for label, s in self._spread_starts(with_c=False):
            fits.append(self._local(s, vf, f"spread:{label}"))
        return self._finish("mu0", fits + pfits, vf, profile)

    def full(self) -> StageResult:
        """Stage 3: alpha and c free; profile over alpha with c free, then free fits."""
        m0 = self.stages.get("mu0") or self.mu0()
        vf: dict[str, float] = {}
        nested = LocalFit(m0.best.full.copy(), m0.best.llf, True, 0, 0, "nested:mu0")
        mu_ols = self.mu_ols
        m0_by_alpha = {a: full for a, _, full in m0.profile}

        def starts(a):
            base = m0_by_alpha.get(float(a), m0.best.full).copy()
            base[0] = a
            s1 = base.copy()
            s1[1] = (1 - a) * mu_ols
            return [base, s1]

        profile, pfits = self._profile(vf, starts, "full-profile")
        fits = [nested]
        for p in sorted(pfits, key=lambda f: -f.llf)[:2]:
            fits.append(self._local(p.full, vf, "from-profile"))
        for t in _distinct(m0.candidates, 2):
            fits.append(self._local(t.full, vf, "from-mu0"))
            s = t.full.copy()
            s[1] = (1 - min(s[0], 0.999)) * mu_ols
            fits.append(self._local(s, vf, "from-mu0-c"))
        for label, s in self._spread_starts(with_c=True):
            fits.append(self._local(s, vf, f"spread:{label}"))
        return self._finish("full", fits + pfits, vf, profile)

    def run(self, variant: str) -> StageResult:
        """Run the stages up to ``variant`` (``alpha1`` < ``mu0`` < ``full``)."""
        self.alpha1()
        if variant == "alpha1":
            return self.stages["alpha1"]
        self.mu0()
        if variant == "mu0":
            return self.stages["mu0"]
        return self.full()
