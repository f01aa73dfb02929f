// The delivery endpoints of shared/contract/http.md, on the delivery desk
// (app/delivery_desk.h):
//   GET  /api/v1/deliveries                    read: every order with a delivery, newest first:
//        method, window, reasons, place, and its trunk access (state, never the code)
//   POST /api/v1/deliveries/<order_id>/revoke  admin: revokes the trunk grant; an order not
//        yet out for delivery goes to the doorstep. 404 unknown order, 409 not for the trunk
//   GET  /api/v1/audit                         read: the grant audit log and whether its hash
//        chain verifies; 503 unavailable when the store cannot be read (try again)
//   GET  /api/v1/carrier/deliveries/<order_id>         the carrier, only during the window:
//        the window and the car's position rounded to about 100 m
//   POST /api/v1/carrier/deliveries/<order_id>/unlock  the carrier: opens the trunk once
// The carrier's routes are authenticated by the grant code alone, in
// `Authorization: Bearer <code>` (Right::none: the hub's tokens mean nothing there). Every
// wrong code counts toward the grant's lockout. Answers: 401 unauthorized for a missing or
// wrong code and for an order without a grant (the same answer, so that guessing learns
// nothing); 403 forbidden for a revoked or locked-out grant and outside the window; 409
// conflict for a code already used and for a car that is not parked in its place; 503 when
// the hub could not record the use; 429 too_many_requests (with Retry-After) for everyone
// once 30 requests were refused within a minute, so that guessing ids or codes cannot
// fill the audit log. A code never appears in an answer or a log line.
// Thread rule: event-loop thread only.
#pragma once

#include "api/router.h"
#include "app/delivery_desk.h"
#include "larder/status.h"

namespace larder {

Status add_delivery_routes(Router& router, DeliveryDesk& desk);

}  // namespace larder
