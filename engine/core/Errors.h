#pragma once
// Exceptions thrown by the engine. Every message names the input and the problem so that the UI and the
// command-line tool can show it as it is.
#include <stdexcept>
#include <string>

namespace ts {

/// Base of all engine errors.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};
/// The user's input (a spec, a file, a shape, an option) is wrong.
struct InputError : Error {
  using Error::Error;
};
/// An exact computation would need more memory than the configured budget.
struct MemoryBudgetError : Error {
  using Error::Error;
};
/// A computation produced NaN or Inf, or a factorisation failed beyond repair.
struct NumericalError : Error {
  using Error::Error;
};
/// Another rank of a run over several processes failed, hung past the time-out, or could not be reached.
struct DistributedError : Error {
  using Error::Error;
};
/// The run was cancelled through its CancelToken.
struct Cancelled : Error {
  Cancelled() : Error("cancelled") {}
};

}  // namespace ts
