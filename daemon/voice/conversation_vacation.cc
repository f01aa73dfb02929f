// Conversation: vacation mode by voice (conversation.h, docs/vacation.md), and which slots
// each intent has. The answers are the `voice.vacation_*` messages of the catalogs.
#include <optional>
#include <string>

#include "larder/log.h"
#include "voice/conversation.h"

namespace larder::voice {
namespace {

// A spoken end date, "YYYY-MM-DD" (Alexa's AMAZON.DATE for a day), as the instant its local
// day starts in `zone`: the day the household is back, as `larderctl vacation start --until
// 2026-12-24` reads it. Nothing for anything else (a week "2026-W52", a month "2026-12", a
// day that does not exist).
std::optional<double> day_start(const std::string& text, const TimeZone& zone, double now) {
  auto local = parse_local_date(text);
  if (!local) return std::nullopt;
  return zone.from_local(*local, now);
}

}  // namespace

bool Conversation::has_slot(const std::string& intent, const std::string& slot) {
  if (slot == "item") {
    return intent != "ConfirmOrder" && intent != "DenyOrder" && intent != "StartVacation" &&
           intent != "EndVacation" && intent != "VacationStatus";
  }
  if (slot == "quantity") return intent == "Reorder";
  if (slot == "until") return intent == "StartVacation";
  return false;
}

void Conversation::start_vacation(const contract::IntentInput& in, const VoiceSay& base,
                                  Answer& answer) {
  const double now = clock_.now();
  std::optional<double> until;
  // An empty slot is one not filled (as with `item`): until switched off.
  if (auto it = in.slots.find("until"); it != in.slots.end() && !it->second.empty()) {
    until = day_start(it->second, zone_, now);
    if (!until) {
      say(answer, base, phrases_.bad_date(it->second));
      return;
    }
    if (*until <= now) {
      say(answer, base, phrases_.date_not_future(phrases_.date(*until, zone_)));
      return;
    }
  }
  if (Status s = household_.start_vacation(until); !s.ok()) {
    log_info("voice: vacation mode was refused: " + s.message());
    say(answer, base, phrases_.refused("not_recorded"));
    return;
  }
  say(answer, base, until ? phrases_.vacation_started(phrases_.date(*until, zone_))
                          : phrases_.vacation_started_open());
}

void Conversation::end_vacation(const VoiceSay& base, Answer& answer) {
  if (!household_.away()) {
    say(answer, base, phrases_.vacation_not_on());
    return;
  }
  if (Status s = household_.end_vacation(); !s.ok()) {
    log_info("voice: the end of vacation mode was refused: " + s.message());
    say(answer, base, phrases_.refused("not_recorded"));
    return;
  }
  say(answer, base, phrases_.vacation_ended());
}

void Conversation::vacation_status(const VoiceSay& base, Answer& answer) {
  auto away = household_.away();
  if (!away) {
    say(answer, base, phrases_.vacation_off());
  } else if (away->until) {
    say(answer, base, phrases_.vacation_on_until(phrases_.date(*away->until, zone_)));
  } else {
    say(answer, base, phrases_.vacation_on_open());
  }
}

}  // namespace larder::voice
