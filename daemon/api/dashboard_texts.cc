#include "api/dashboard_texts.h"

#include <filesystem>
#include <system_error>

namespace larder {

using nlohmann::json;

namespace {

// "de", "de-DE", "de_AT", "gsw-CH": letters, then an optional region of letters or digits.
bool plain_tag(const std::string& tag) {
  if (tag.empty() || tag.size() > 16) return false;
  std::string lang = Texts::language_of(tag);
  if (lang.size() < 2 || lang.size() > 3) return false;
  for (char c : lang) {
    if (c < 'a' || c > 'z') return false;
  }
  for (std::size_t i = lang.size(); i < tag.size(); ++i) {
    char c = tag[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The catalog for a tag the caller chose: English unless the tag is plain and its
// language has a file (so that no request makes the catalog cache hold another entry).
const Texts& texts_for_visitor(const std::string& tag) {
  std::string lang = "en";
  if (plain_tag(tag)) {
    std::string dir = Texts::find_dir();
    std::error_code ec;
    if (!dir.empty() &&
        std::filesystem::is_regular_file(std::filesystem::path(dir) / (Texts::language_of(tag) + ".json"), ec)) {
      lang = Texts::language_of(tag);
    }
  }
  return texts_for(lang);
}

}  // namespace

json dashboard_messages(const Texts& texts) {
  json out = json::object();
  for (const auto& [id, m] : texts.messages_with_prefix("dashboard.")) {
    if (m.by.empty()) {
      out[id] = m.forms.at("");
    } else {
      out[id] = {{"by", m.by}, {"one", m.forms.at("one")}, {"other", m.forms.at("other")}};
    }
  }
  return out;
}

Status add_dashboard_text_routes(Router& router, const HouseholdConfig& household) {
  Status s = router.add("GET", "/api/v1/dashboard", Right::read, [household](const RouteContext&) {
    const Texts& texts = texts_for(household.locale);
    json j = {{"locale", household.locale},
              {"language", texts.language()},
              {"currency", household.currency},
              {"timezone", household.timezone},
              {"messages", dashboard_messages(texts)}};
    return HttpResponse::json(200, j.dump());
  });
  if (!s.ok()) return s;
  return router.add(
      "GET", "/api/v1/dashboard/texts?lang", Right::none, [](const RouteContext& ctx) {
    auto lang = ctx.request.query.find("lang");
    const Texts& texts = texts_for_visitor(lang == ctx.request.query.end() ? "" : lang->second);
    json j = {{"language", texts.language()}, {"messages", dashboard_messages(texts)}};
    return HttpResponse::json(200, j.dump());
  });
}

}  // namespace larder
