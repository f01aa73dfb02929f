#include "replay/replay_voice.h"

namespace larder {

namespace {
orders::Reply no_orders(orders::Code code) {
  orders::Reply r;
  r.code = code;
  r.status = Status::Error("replay places no orders");
  return r;
}
}  // namespace

ReplayVoice::ReplayVoice(const Config& config, Hub& hub, const Clock& clock, Metrics& metrics)
    : HubHousehold(hub), conversation_(config, *this, clock, metrics) {
  hub_.set_voice_actions(this);
}

ReplayVoice::~ReplayVoice() { hub_.set_voice_actions(nullptr); }

void ReplayVoice::intent(const contract::IntentInput& in) {
  conversation_.on_intent(in, [](const VoiceSay&) {});
}

orders::Reply ReplayVoice::request(const std::string&, int, bool) {
  return no_orders(orders::Code::conflict);
}

orders::Reply ReplayVoice::confirm(const std::string&) { return no_orders(orders::Code::not_found); }

orders::Reply ReplayVoice::cancel(const std::string&) { return no_orders(orders::Code::not_found); }

}  // namespace larder
