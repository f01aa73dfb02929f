#include "api/dashboard_routes.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>

#include "larder/log.h"

#ifndef LARDER_DASHBOARD_INSTALL_DIR
#define LARDER_DASHBOARD_INSTALL_DIR "/usr/share/larder/web"
#endif
#ifndef LARDER_DASHBOARD_SOURCE_DIR
#define LARDER_DASHBOARD_SOURCE_DIR ""
#endif

namespace larder {

namespace {

namespace fs = std::filesystem;

constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{4} << 20;  // 4 MiB

std::optional<std::string> content_type(const std::string& name) {
  static const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
  };
  auto dot = name.rfind('.');
  if (dot == std::string::npos) return std::nullopt;
  auto it = types.find(name.substr(dot));
  if (it == types.end()) return std::nullopt;
  return it->second;
}

bool plain_segment(const std::string& seg) {
  if (seg.empty() || seg.size() > 128 || seg[0] == '.') return false;
  for (char c : seg) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void secure(HttpResponse& r) {
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                         "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cache-Control", "no-cache");
}

HttpResponse not_found(const std::string& path) {
  HttpResponse r = HttpResponse::error(404, "not_found", "nothing at " + path);
  secure(r);
  return r;
}

// A strong validator from the file's size and modification time: an edited or replaced
// file (a package upgrade) gets another, so `no-cache` revalidates cheaply with a 304.
std::string entity_tag(const fs::path& file, std::uintmax_t size, std::error_code& ec) {
  auto mtime = fs::last_write_time(file, ec);
  if (ec) return "";
  std::ostringstream tag;
  tag << '"' << std::hex << size << '-' << mtime.time_since_epoch().count() << '"';
  return tag.str();
}

// If-None-Match (RFC 9110 13.1.2): "*" or a list of tags, compared weakly (W/ ignored).
bool none_match(const std::string& header, const std::string& tag) {
  std::istringstream list(header);
  std::string item;
  while (std::getline(list, item, ',')) {
    auto first = item.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    auto last = item.find_last_not_of(" \t");
    item = item.substr(first, last - first + 1);
    if (item == "*") return true;
    if (item.rfind("W/", 0) == 0) item.erase(0, 2);
    if (item == tag) return true;
  }
  return false;
}

HttpResponse serve(const fs::path& root, const std::string& relative, const HttpRequest& request) {
  const std::string& shown = request.path;
  std::string seg;
  std::istringstream parts(relative);
  while (std::getline(parts, seg, '/')) {
    if (!plain_segment(seg)) return not_found(shown);
  }
  auto type = content_type(relative);
  if (!type) return not_found(shown);
  std::error_code ec;
  fs::path file = fs::weakly_canonical(root / relative, ec);
  if (ec) return not_found(shown);
  // The file must really be inside the folder, symbolic links resolved.
  auto [r_end, f_it] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  if (r_end != root.end() || !fs::is_regular_file(file, ec)) return not_found(shown);
  std::uintmax_t size = fs::file_size(file, ec);
  if (ec || size > kMaxFileBytes) return not_found(shown);
  std::string tag = entity_tag(file, size, ec);
  if (ec) return not_found(shown);
  HttpResponse r;
  r.content_type = *type;
  r.headers.emplace_back("ETag", tag);
  secure(r);
  if (none_match(request.header("if-none-match"), tag)) {
    r.status = 304;
    return r;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return not_found(shown);
  r.status = 200;
  r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

bool has_index(const std::string& dir) {
  std::error_code ec;
  return !dir.empty() && fs::is_regular_file(fs::path(dir) / "index.html", ec);
}

}  // namespace

std::string find_dashboard_dir() {
  if (const char* env = std::getenv("LARDER_DASHBOARD_DIR"); env && *env) {
    if (has_index(env)) return env;
    log_warn(std::string("LARDER_DASHBOARD_DIR=") + env + " has no index.html");
    return "";
  }
  if (has_index(LARDER_DASHBOARD_INSTALL_DIR)) return LARDER_DASHBOARD_INSTALL_DIR;
  if (has_index(LARDER_DASHBOARD_SOURCE_DIR)) return LARDER_DASHBOARD_SOURCE_DIR;
  return "";
}

Status add_dashboard_routes(Router& router, const std::string& dir) {
  std::error_code ec;
  fs::path root = fs::canonical(dir, ec);
  if (ec) return Status::Error("the dashboard folder " + dir + ": " + ec.message());
  Status s = router.add("GET", "/?*", Right::none, [root](const RouteContext& ctx) {
    return serve(root, "index.html", ctx.request);
  });
  if (!s.ok()) return s;
  return router.add("GET", "/{file...}?*", Right::none, [root](const RouteContext& ctx) {
    return serve(root, ctx.params.at("file"), ctx.request);
  });
}

}  // namespace larder
