// The order endpoints of shared/contract/http.md, on the order desk (app/order_desk.h):
//   GET  /api/v1/orders[?status=S]           read: order states, newest first
//   GET  /api/v1/orders/<id>                 read: one order's state
//   POST /api/v1/orders                      admin: {"consumable":"coffee","quantity":1}
//        -> 201 with the new order's state, or 200 with the order in flight and
//           "existing":true. Extensions: "additional":true orders more although one is in
//           flight (the user's explicit ask); "source":"cli" marks larderctl's orders.
//           400 for a bad value (quantity 1 to 99) or an unknown field, named.
//   POST /api/v1/orders/<id>/cancel          admin: the state (`cancelled`); 202 with the
//        state while the retailer is asked to cancel; 409 when it is too late
//   POST /api/v1/orders/<id>/confirm         admin: held / awaiting_confirmation go on;
//        409 for any other order (it waits for no confirmation), changing nothing
//   POST /api/v1/orders/<id>/confirm/<code>  no token: the one-purpose link of a
//   POST /api/v1/orders/<id>/cancel/<code>   notification (api/order_links.h); served only
//        with a `link_key` (notifications on); 403 for a wrong code. A Confirm link used
//        again on an order that went on answers its state (200): a second tap, not a 409
//   POST /api/v1/retailer/events             the retailer's status callback, authenticated
//        only by X-Larder-Signature (HMAC-SHA256 of the body with retailer.webhook_secret):
//        401 for a missing or wrong signature, 404 when no secret is configured. A JSON
//        route: 415 without application/json. The order object of retailer-v1.md: a
//        `reason`, `eta` or `window` that is there must be well formed (a string; epoch
//        seconds; {"start","end"} with start <= end; null stands for absent), else 400
//        and nothing changes; the fields the hub does not read are ignored
// Thread rule: event-loop thread only.
#pragma once

#include <string>

#include "api/router.h"
#include "app/order_desk.h"
#include "larder/config.h"
#include "larder/status.h"

namespace larder {

// `link_key`: the key of the notifications' order links; empty: no link routes.
Status add_order_routes(Router& router, OrderDesk& desk, const Config& config,
                        const std::string& link_key = {});

}  // namespace larder
