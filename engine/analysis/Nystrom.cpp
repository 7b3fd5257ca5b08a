#include "analysis/Nystrom.h"

#include <limits>

#include "core/Errors.h"
#include "estimators/EstimatorSupport.h"

namespace ts {

at::Tensor nystrom_eigenvalues(const LinearOperator& K, int64_t rank, uint64_t seed, const RunControl& rc,
                               int64_t block) {
  if (!K.is_psd()) throw InputError("a Nyström approximation needs a PSD operator; " + K.name() + " is not");
  const int64_t n = K.size();
  rank = std::max<int64_t>(1, std::min(rank, n));
  auto gen = make_generator(seed);
  rc.check();
  const at::Tensor Om = draw_normal(gen, {rank, n}, K.options().dtype(at::kDouble)).t();
  const at::Tensor Y = detail::apply_d(K, Om, block);
  const double eps = K.options().dtype() == at::kFloat ? std::numeric_limits<float>::epsilon()
                                                       : std::numeric_limits<double>::epsilon();
  double nu = eps * Y.norm().item<double>() / std::sqrt(double(n));
  for (int attempt = 0; attempt < 12; ++attempt, nu *= 10) {
    const at::Tensor Ys = Y + nu * Om;
    at::Tensor H = at::matmul(Om.t(), Ys);
    H = (H + H.t()) / 2;
    auto [L, info] = at::linalg_cholesky_ex(H);
    if (info.item<int64_t>() != 0) continue;
    // K⟨Ω⟩ + νI ≈ B Bᵀ with B = Ys L⁻ᵀ, so its eigenvalues are the squared singular values of B.
    const at::Tensor B = at::linalg_solve_triangular(L, Ys.t(), /*upper=*/false).t();
    const at::Tensor s = at::linalg_svdvals(B);
    return at::clamp_min(s * s - nu, 0.0).to(at::kCPU);
  }
  throw NumericalError("the Nyström core ΩᵀKΩ is not positive definite even after enlarging the shift");
}

}  // namespace ts
