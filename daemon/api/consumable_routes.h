// The consumables and the recent events on the HTTP API (docs/http.md):
//   GET /api/v1/consumables          read; every consumable's state, with id and name
//   GET /api/v1/consumables/{id}     read; ?since=&until= (epoch seconds) bound the history;
//                                    the state, history, forecast band, reorder point
//   GET /api/v1/events               read; ?since= (epoch seconds), ?after= (a seq), ?limit=
// Bad query values are 400 with what was wrong; an unknown consumable is 404; a history the
// store cannot read is 503 unavailable (the next try may work; 500 is for bugs).
// `view` and `events` must outlive the router.
// Thread rule: event-loop thread only.
#pragma once

#include "api/router.h"
#include "app/consumable_view.h"
#include "app/event_log.h"
#include "larder/status.h"

namespace larder {

Status add_consumable_routes(Router& router, const ConsumableView& view, const EventLog& events);

}  // namespace larder
