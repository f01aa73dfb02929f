// POST /alexa: the endpoint of the household's Alexa custom skill (docs/voice.md).
//
// Authenticated by Alexa's request signature and nothing else (shared/contract/http.md).
// A JSON route (Body::json) like the others: without Content-Type: application/json it is
// 415, and an empty or invalid body 400, before any verification (the router's checks,
// not counted in the metric below). Then every request passes the five checks of
// alexa::AlexaVerifier before anything is done, and any failure is 400 bad_request with
// nothing done. A verified envelope becomes a turn
// (alexa_envelope.h): an intent goes to the voice desk's conversation and its answer, which
// may wait for the retailer's price (at most voice.answer_timeout_s, within Alexa's 8 s),
// becomes the response envelope; LaunchRequest, help, an unknown intent and "stop" are
// answered by the conversation too; SessionEndedRequest drops the session's question and
// gets the empty response. The session id keys the dialog, so "yes" answers the question
// asked in the same session.
// Metrics: larder_alexa_requests_total{outcome="answered"|"refused"|"malformed"}.
// Thread rule: event-loop thread only; `verifier`, `voice`, `clock` and `metrics` outlive
// the router.
#pragma once

#include "adapters/alexa/alexa_verifier.h"
#include "api/router.h"
#include "app/voice_desk.h"
#include "larder/clock.h"
#include "larder/metrics.h"
#include "larder/status.h"

namespace larder {

Status add_alexa_routes(Router& router, alexa::AlexaVerifier& verifier, VoiceDesk& voice,
                        const Clock& clock, Metrics& metrics);

}  // namespace larder
