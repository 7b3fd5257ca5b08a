#pragma once
// One active-learning cycle as JSON, both ways (al.json's cycles, the app's gallery in session files):
// to_json(AlCycle) and al_cycle_of are declared in results/ResultJson.h; these let a struct hold cycles in
// its `fields` list (core/JsonFields.h).
#include "core/Json.h"

namespace ts {

struct AlCycle;
class JsonField;
struct Rule;

/// Every member checked: types, ranges (cycle ≥ 0, labels ≥ 0, …), and image_shape [C, H, W] against each
/// query's pixels. A refusal is an InputError naming the member's path.
void read_value(const JsonField& f, AlCycle& x, const Rule& r);
Json write_value(const AlCycle& x);

}  // namespace ts
