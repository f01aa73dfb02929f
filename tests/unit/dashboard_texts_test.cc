// The dashboard's words over HTTP (api/dashboard_texts.h): GET /api/v1/dashboard answers
// the household's locale, currency, zone and the dashboard's messages in its language,
// to the read right only; GET /api/v1/dashboard/texts words the sign-in form for anyone,
// in the asked language when it has a catalog, and tells nothing of the household.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "api/dashboard_texts.h"
#include "api/http_types.h"
#include "larder/clock.h"
#include "larder/metrics.h"

using namespace larder;
using nlohmann::json;

namespace {

const char* kRead = "read-token-for-tests";

HttpConfig tokens() {
  HttpConfig http;
  http.read_token = kRead;
  http.admin_token = "admin-token-for-tests";
  return http;
}

struct Hub {
  ManualClock clock{1000};
  Metrics metrics;
  HttpConfig http = tokens();
  Access access{http, clock, metrics};
  Router router{access};

  Hub(const std::string& locale, const std::string& currency, const std::string& zone) {
    HouseholdConfig household;
    household.locale = locale;
    household.currency = currency;
    household.timezone = zone;
    REQUIRE(add_dashboard_text_routes(router, household).ok());
  }
  HttpResponse get(const std::string& target, const std::string& token = kRead) {
    HttpRequest r;
    r.method = "GET";
    r.target = target;
    REQUIRE(parse_target(target, r).ok());
    if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
    return router.handle(r);
  }
};

std::set<std::string> ids(const json& messages) {
  std::set<std::string> out;
  for (const auto& [id, v] : messages.items()) out.insert(id);
  return out;
}

}  // namespace

TEST_CASE("GET /api/v1/dashboard answers the household's German words and formats") {
  Hub hub("de-DE", "EUR", "Europe/Berlin");
  HttpResponse r = hub.get("/api/v1/dashboard");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/json");
  json j = json::parse(r.body);
  CHECK(j["locale"] == "de-DE");
  CHECK(j["language"] == "de");
  CHECK(j["currency"] == "EUR");
  CHECK(j["timezone"] == "Europe/Berlin");
  const json& m = j["messages"];
  CHECK(m["dashboard.section.orders"] == "Bestellungen");
  CHECK(m["dashboard.order.cancel"] == "Stornieren");
  CHECK(m["dashboard.status.low"] == "knapp");
  CHECK(m["dashboard.order_status.cancelled"] == "storniert");
  CHECK(m["dashboard.packs"] == json({{"by", "n"}, {"one", "{n} Packung"}, {"other", "{n} Packungen"}}));
  for (const auto& item : m.items()) {
    const std::string& id = item.key();
    CAPTURE(id);
    CHECK(id.rfind("dashboard.", 0) == 0);  // only the dashboard's words, not the voice's
  }
}

TEST_CASE("GET /api/v1/dashboard in English has the same messages, and another currency") {
  Hub en("en-GB", "GBP", "Europe/London");
  Hub de("de-CH", "CHF", "Europe/Zurich");
  json e = json::parse(en.get("/api/v1/dashboard").body);
  json d = json::parse(de.get("/api/v1/dashboard").body);
  CHECK(e["language"] == "en");
  CHECK(e["currency"] == "GBP");
  CHECK(e["messages"]["dashboard.order.cancel"] == "Cancel");
  CHECK(e["messages"]["dashboard.days"]["one"] == "{n} day");
  CHECK(d["locale"] == "de-CH");
  CHECK(d["currency"] == "CHF");
  CHECK(d["messages"]["dashboard.order.cancel"] == "Stornieren");
  CHECK(e["messages"].size() > 50);
  CHECK(ids(e["messages"]) == ids(d["messages"]));
}

TEST_CASE("GET /api/v1/dashboard needs the read right, like the dashboard's other data") {
  Hub hub("de-DE", "EUR", "UTC");
  CHECK(hub.get("/api/v1/dashboard", "").status == 401);
  CHECK(hub.get("/api/v1/dashboard", "wrong-token-for-tests").status == 401);
  CHECK(hub.get("/api/v1/dashboard", "admin-token-for-tests").status == 200);
}

TEST_CASE("GET /api/v1/dashboard/texts words the sign-in form for anyone, in the asked language") {
  Hub hub("de-DE", "EUR", "Europe/Berlin");
  auto texts = [&](const std::string& target) {
    HttpResponse r = hub.get(target, "");
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  };
  json de = texts("/api/v1/dashboard/texts?lang=de-AT");
  CHECK(de["language"] == "de");
  CHECK(de["messages"]["dashboard.signin.button"] == "Anmelden");
  CHECK_FALSE(de.contains("locale"));  // nothing of the household before signing in
  CHECK_FALSE(de.contains("currency"));
  CHECK_FALSE(de.contains("timezone"));
  CHECK(texts("/api/v1/dashboard/texts?lang=en-US")["messages"]["dashboard.signin.button"] == "Sign in");
  // Without a tag, with a language that has no catalog, or with a tag that is not one:
  // English, whatever the household speaks.
  for (const char* target : {"/api/v1/dashboard/texts", "/api/v1/dashboard/texts?lang=fr-FR",
                             "/api/v1/dashboard/texts?lang=..%2Fde", "/api/v1/dashboard/texts?lang=DE",
                             "/api/v1/dashboard/texts?lang=de-DE-x-123456789012", "/api/v1/dashboard/texts?lang="}) {
    CAPTURE(std::string(target));
    CHECK(texts(target)["language"] == "en");
  }
}
