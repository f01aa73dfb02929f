// Finding and loading the catalogs (include/larder/texts.h): the folder, the files, and
// the process-wide cache of loaded languages.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>

#include "larder/log.h"
#include "larder/texts.h"

#ifndef LARDER_LOCALES_INSTALL_DIR
#define LARDER_LOCALES_INSTALL_DIR "/usr/share/larder/locales"
#endif
#ifndef LARDER_LOCALES_SOURCE_DIR
#define LARDER_LOCALES_SOURCE_DIR ""
#endif

namespace larder {
namespace {

namespace fs = std::filesystem;

bool has_english(const std::string& dir) {
  std::error_code ec;
  return !dir.empty() && fs::is_regular_file(fs::path(dir) / "en.json", ec);
}

struct Cache {
  std::mutex mu;
  std::map<std::string, std::unique_ptr<Texts>> by_language;  // loaded catalogs
  std::map<std::string, Status> failed;                       // by tag, logged once
};

Cache& cache() {
  static Cache c;
  return c;
}

}  // namespace

Result<Texts> Texts::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error("cannot read the catalog " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse(text, path);
}

std::string Texts::find_dir() {
  if (const char* env = std::getenv("LARDER_LOCALES_DIR"); env && *env) {
    if (has_english(env)) return env;
    log_warn(std::string("LARDER_LOCALES_DIR=") + env + " has no en.json");
    return "";
  }
  if (has_english(LARDER_LOCALES_INSTALL_DIR)) return LARDER_LOCALES_INSTALL_DIR;
  if (has_english(LARDER_LOCALES_SOURCE_DIR)) return LARDER_LOCALES_SOURCE_DIR;
  return "";
}

Result<const Texts*> Texts::for_locale(std::string_view tag) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  std::string lang = language_of(tag);
  if (auto it = c.by_language.find(lang); it != c.by_language.end()) return it->second.get();
  std::string dir = find_dir();
  if (dir.empty()) {
    return Status::Error(std::string("the message catalogs are not installed: no en.json in "
                                     "$LARDER_LOCALES_DIR, ") +
                         LARDER_LOCALES_INSTALL_DIR + " or the source tree's locales/");
  }
  auto load = [&](const std::string& language) -> Result<const Texts*> {
    if (auto it = c.by_language.find(language); it != c.by_language.end()) return it->second.get();
    auto t = load_file((fs::path(dir) / (language + ".json")).string());
    if (!t.ok()) return t.status();
    c.by_language[language] = std::make_unique<Texts>(std::move(*t));
    return c.by_language[language].get();
  };
  auto english = load("en");
  if (!english.ok() || lang == "en") return english;
  std::error_code ec;
  if (!fs::is_regular_file(fs::path(dir) / (lang + ".json"), ec)) {
    log_warn("no catalog for the language of household.locale " + std::string(tag) + " in " +
             dir + ": answers are in English");
    c.by_language[lang] = std::make_unique<Texts>(**english);
    return c.by_language[lang].get();
  }
  auto t = load_file((fs::path(dir) / (lang + ".json")).string());
  if (!t.ok()) return t.status();
  auto problems = t->problems_against(**english);
  if (!problems.empty()) {
    std::string why;
    for (const auto& p : problems) why += (why.empty() ? "" : "; ") + p;
    return Status::Error("the catalog " + lang + ".json does not match en.json: " + why);
  }
  c.by_language[lang] = std::make_unique<Texts>(std::move(*t));
  return c.by_language[lang].get();
}

const Texts& texts_for(std::string_view tag) {
  auto t = Texts::for_locale(tag);
  if (t.ok()) return **t;
  static const Texts kIds;  // no catalog: every message comes out as its id
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  if (c.failed.emplace(std::string(tag), t.status()).second) log_error(t.status().message());
  return kIds;
}

}  // namespace larder
