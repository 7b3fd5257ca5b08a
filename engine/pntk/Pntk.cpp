#include "pntk/Pntk.h"

#include <cmath>
#include <cstdlib>

#include "core/Errors.h"

namespace ts {

PntkVariant parse_pntk_variant(const std::string& text) {
  if (text == "sum") return {};
  if (text.rfind("single:", 0) == 0) {
    char* end = nullptr;
    const long k = std::strtol(text.c_str() + 7, &end, 10);
    if (*end == '\0' && k >= 0 && text.size() > 7) return {false, k};
  }
  throw InputError("pNTK variant '" + text + "' is not sum or single:K (K a logit index)");
}

PntkOperator::PntkOperator(const TangentMap& J, PntkVariant variant) : J_(J), variant_(variant) {
  const auto shape = J.output_shape();
  n_ = shape.front();
  outputs_ = J.state_size() / n_;
  if (!variant_.sum && variant_.logit >= outputs_)
    throw InputError("pNTK single:" + std::to_string(variant_.logit) + ": the model has only " +
                     std::to_string(outputs_) + " outputs per input");
}

at::Tensor PntkOperator::lift(const at::Tensor& V) const {
  const int64_t k = V.size(1);
  const at::Tensor v = V.to(options()).unsqueeze(1);  // [N, 1, k]
  at::Tensor U;
  if (variant_.sum) {
    U = (v / std::sqrt(double(outputs_))).expand({n_, outputs_, k});
  } else {
    U = at::zeros({n_, outputs_, k}, options());
    U.select(1, variant_.logit).copy_(V.to(options()));
  }
  return U.reshape({n_ * outputs_, k});
}

at::Tensor PntkOperator::reduce(const at::Tensor& U) const {
  const at::Tensor u = U.reshape({n_, outputs_, U.size(1)});
  return variant_.sum ? u.sum(1) / std::sqrt(double(outputs_)) : u.select(1, variant_.logit);
}

at::Tensor PntkOperator::apply(const at::Tensor& V) const { return reduce(J_.jvp(J_.vjp(lift(V)))); }

at::Tensor PntkOperator::quadratic_forms(const at::Tensor& V) const { return J_.vjp_sqnorms(lift(V)); }

}  // namespace ts
