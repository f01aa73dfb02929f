// The evaluation's outputs: one markdown table per item (rows = metrics, columns =
// Larder and each baseline, then the target and Larder's PASS/FAIL) and all metrics as
// JSON. "-" marks a metric a subject cannot have (a threshold has no forecast), "null"
// one it could have but did not produce.
// Thread rule: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "eval/experiment.h"

namespace larder::eval {

std::string render_table(const EvalResult& r, const Targets& t = {});
nlohmann::json to_json(const EvalResult& r, const Targets& t = {});

}  // namespace larder::eval
