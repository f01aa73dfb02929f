// The dashboard's words and formats over HTTP (docs/dashboard.md, docs/languages.md; an
// extension of shared/contract/http.md):
//   GET /api/v1/dashboard        read: the household's settings the page formats with and
//        the dashboard's messages in household.locale's language:
//        {"locale":"de-DE","language":"de","currency":"EUR","timezone":"Europe/Berlin",
//         "messages":{"dashboard.cancel":"Abbrechen",
//                     "dashboard.packs":{"by":"n","one":"{n} Packung","other":"{n} Packungen"},
//                     ...}}
//   GET /api/v1/dashboard/texts  anyone: {"language":"de","messages":{...}} for the locale
//        tag in `?lang=` (the browser's; English without it, for a language without a
//        catalog, or for a tag that is not 2-3 letters with an optional region). It holds no
//        data of the household: it words the sign-in form, before the page may know more.
// The messages are every `dashboard.*` message of the catalog (locales/<language>.json),
// unfilled: the page fills the `{placeholders}` and picks the plural form itself ("one"
// when the number shown is exactly 1), and formats numbers, money and dates with Intl in
// `locale`, `currency` and `timezone`. Nothing here changes with the language but words.
// Thread rule: event-loop thread only.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/router.h"
#include "larder/config.h"
#include "larder/status.h"
#include "larder/texts.h"

namespace larder {

// The `dashboard.*` messages of `texts` as JSON: a string, or {"by","one","other"}.
nlohmann::json dashboard_messages(const Texts& texts);

// Registers the two routes; `household` is copied (a reload builds new routes).
Status add_dashboard_text_routes(Router& router, const HouseholdConfig& household);

}  // namespace larder
