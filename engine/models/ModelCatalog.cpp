#include "models/ModelCatalog.h"

namespace ts {

const std::vector<ModelKindInfo>& model_kind_catalog() {
  static const std::vector<ModelKindInfo> c{
      {"mlp", "MLP",
       "mlp:in=100,width=64,depth=15,out=64,act=relu,final_act=relu,bias=1,param=standard,seed=0",
       "a fully connected network, standard or NTK parameterisation"},
      {"cnn", "CNN", "cnn:channels=1,width=8,out=10,act=relu,seed=0",
       "a small convolutional network for images (two convolutions, pooling, a linear head)"},
      {"gru", "GRU", "gru:in=10,hidden=64,steps=15,seed=0",
       "a GRU whose output is every hidden unit at every step"},
  };
  return c;
}

const std::vector<ActivationInfo>& activation_catalog() {
  static const std::vector<ActivationInfo> c{
      {"relu", "ReLU", "max(0, x)", true},
      {"tanh", "tanh", "tanh x", true},
      {"gelu", "GELU", "x Φ(x)", true},
      {"erf", "erf", "erf x", true},
      {"sigmoid", "sigmoid", "1 / (1 + e^{−x})", true},
      {"none", "identity", "x (also 'linear' or 'identity')", false},
  };
  return c;
}

std::string activation_list() {
  std::string s;
  for (const auto& a : activation_catalog()) s += (s.empty() ? "" : ", ") + a.name;
  return s;
}

}  // namespace ts
