#pragma once
// The tables of built-in model kinds and activations (docs/FORMATS.md, "Model specs"): names as typed,
// names as shown, spec syntax. make_model and parse_activation read them; so do the CLI's help, the app's
// model form and the docs' option tables.
#include <string>
#include <vector>

namespace ts {

struct ModelKindInfo {
  std::string name;     ///< as typed in a spec: "mlp"
  std::string label;    ///< as shown: "MLP"
  std::string syntax;   ///< the spec with its keys and defaults
  std::string summary;  ///< one line: what it is
};

struct ActivationInfo {
  std::string name;        ///< as typed: "gelu"
  std::string label;       ///< as shown: "GELU"
  std::string formula;     ///< what it computes
  bool app_listed = true;  ///< in the app's activation list
};

/// The built-in model kinds, in the order help and the app list them (TorchScript files besides).
const std::vector<ModelKindInfo>& model_kind_catalog();
/// The activations of the built-in models (aliases of the identity: linear, identity).
const std::vector<ActivationInfo>& activation_catalog();
/// "relu, tanh, …" (for messages and help).
std::string activation_list();

}  // namespace ts
