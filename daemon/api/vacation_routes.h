// Vacation mode over HTTP (docs/vacation.md, an extension of shared/contract/http.md):
//   GET    /api/v1/vacation  read:  {"away":false} or {"away":true,"from":..,"until":..|null}
//   PUT    /api/v1/vacation  admin: body {"until": epoch seconds} or {"until": null}
//          (open-ended; an empty object is the same): starts it now, 200 with the state.
//          400 bad_request for an `until` that is not a number or null, not in the future,
//          or other keys; nothing changes then
//   DELETE /api/v1/vacation  admin: ends it, 200 with the state; 409 conflict when nobody
//          is away
// Thread rule: event-loop thread only.
#pragma once

#include "api/router.h"
#include "core/hub.h"
#include "larder/status.h"

namespace larder {

Status add_vacation_routes(Router& router, Hub& hub);

}  // namespace larder
