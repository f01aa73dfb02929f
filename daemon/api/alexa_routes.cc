#include "api/alexa_routes.h"

#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

#include "adapters/alexa/alexa_envelope.h"
#include "larder/log.h"

namespace larder {
namespace {

using nlohmann::json;
using Turn = voice::Conversation::Turn;

HttpResponse envelope(const json& j) {
  // The text is the hub's, but may quote what a person said: never throw on bad UTF-8.
  return HttpResponse::json(200, j.dump(-1, ' ', false, json::error_handler_t::replace));
}

// Holds a request's answer while its verification is under way. The verifier may be
// destroyed before it answers (a reload replaces it, or the hub stops) while the request
// waits for the certificate chain: then this answers 503 with Retry-After, as the hub's
// other passing failures do, instead of the server's 500 for a dropped answer.
class PendingAnswer {
 public:
  explicit PendingAnswer(HttpRespond respond) : respond_(std::move(respond)) {}
  ~PendingAnswer() {
    if (!respond_) return;
    log_warn("alexa: the verifier went (a reload or a stop) while a request waited for its "
             "certificate chain; answering 503");
    HttpResponse r = HttpResponse::error(
        503, "unavailable", "the hub reloaded while it verified the request; try again");
    r.headers.emplace_back("Retry-After", "1");
    respond_(std::move(r));
  }
  PendingAnswer(const PendingAnswer&) = delete;
  PendingAnswer& operator=(const PendingAnswer&) = delete;
  // The answer, taken by the verification's result: this no longer answers.
  HttpRespond take() { return std::exchange(respond_, nullptr); }

 private:
  HttpRespond respond_;
};

}  // namespace

Status add_alexa_routes(Router& router, alexa::AlexaVerifier& verifier, VoiceDesk& voice,
                        const Clock& clock, Metrics& metrics) {
  metrics.describe("larder_alexa_requests_total", "counter",
                   "Requests on POST /alexa: answered, refused by verification, malformed.");
  return router.add_async(
      "POST", "/alexa?*", Right::none,
      [&verifier, &voice, &clock, &metrics](const RouteContext& ctx, HttpRespond respond) {
        std::string remote = ctx.request.remote;
        auto pending = std::make_shared<PendingAnswer>(std::move(respond));
        verifier.verify(ctx.request, clock.now(), [&voice, &metrics, pending, remote](
                                                      Result<json> verified) {
          HttpRespond respond = pending->take();
          if (!respond) return;  // answered already (the verifier calls once)
          if (!verified.ok()) {
            metrics.inc("larder_alexa_requests_total", {{"outcome", "refused"}});
            log_warn("alexa: refused a request from " + remote + ": " + verified.status().message());
            respond(HttpResponse::error(400, "bad_request",
                                        "not a verified Alexa request: " + verified.status().message()));
            return;
          }
          auto turn = alexa::read_turn(*verified);
          if (!turn.ok()) {
            metrics.inc("larder_alexa_requests_total", {{"outcome", "malformed"}});
            log_warn("alexa: malformed envelope from " + remote + ": " + turn.status().message());
            respond(HttpResponse::error(400, "bad_request",
                                        "malformed Alexa request: " + turn.status().message()));
            return;
          }
          metrics.inc("larder_alexa_requests_total", {{"outcome", "answered"}});
          const alexa::AlexaTurn& t = *turn;
          auto answer = [respond](const VoiceSay& say) mutable {
            respond(envelope(alexa::response_json(say)));
          };
          const std::string& session = t.intent.session;
          const std::string& site = t.intent.site;
          log_debug("alexa: request " + t.request_id + " (" + t.alexa_intent + ")");
          switch (t.kind) {
            case alexa::AlexaTurn::Kind::intent:
              voice.ask(t.intent, std::move(answer));
              return;
            case alexa::AlexaTurn::Kind::session_ended:
              voice.end_session(session, site);
              respond(envelope(alexa::empty_response()));
              return;
            case alexa::AlexaTurn::Kind::launch:
              voice.turn(Turn::launch, session, site, std::move(answer));
              return;
            case alexa::AlexaTurn::Kind::help:
              voice.turn(Turn::help, session, site, std::move(answer));
              return;
            case alexa::AlexaTurn::Kind::stop:
              voice.turn(Turn::stop, session, site, std::move(answer));
              return;
            case alexa::AlexaTurn::Kind::unknown_intent:
              voice.turn(Turn::unknown, session, site, std::move(answer));
              return;
          }
        });
      },
      // 415 without application/json, as every JSON route; the verifier still reads the
      // raw body (ctx.request.body), which the signature covers.
      Body::json);
}

}  // namespace larder
