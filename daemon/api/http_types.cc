#include "api/http_types.h"

#include <cctype>
#include <utility>

namespace larder {

const std::string& HttpRequest::header(const std::string& name) const {
  static const std::string kEmpty;
  auto it = headers.find(name);
  return it == headers.end() ? kEmpty : it->second;
}

HttpResponse HttpResponse::json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::error(int status, const std::string& code, const std::string& message) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  return json(status, json_text(body));
}

std::optional<HttpResponse> unknown_field(const nlohmann::json& object,
                                          std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (std::string_view k : known) found = found || key == k;
    if (found) continue;
    std::string list;
    for (std::string_view k : known) {
      list += (list.empty() ? "'" : ", '") + std::string(k) + "'";
    }
    return HttpResponse::error(
        400, "bad_request", "unknown field '" + key.substr(0, 64) + "' (known: " + list + ")");
  }
  return std::nullopt;
}

std::string json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> percent_decode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      int hi = i + 1 < in.size() ? hex_value(in[i + 1]) : -1;
      int lo = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return Status::Error("bad percent-encoding: '%' must be followed by two hex digits");
      }
      char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') return Status::Error("bad percent-encoding: %00 is not allowed");
      out += decoded;
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

Result<std::string> decode_path(std::string_view raw) {
  std::string path;
  // raw starts with '/'; decode segment by segment so that %2F cannot make new ones.
  std::size_t start = 1;
  while (true) {
    std::size_t end = raw.find('/', start);
    std::string_view seg = raw.substr(start, end == std::string_view::npos ? std::string_view::npos
                                                                           : end - start);
    auto decoded = percent_decode(seg, false);
    if (!decoded) return Status::Error("path: " + decoded.status().message());
    if (decoded->find('/') != std::string::npos) {
      return Status::Error("path: an encoded slash (%2F) is not allowed");
    }
    if (*decoded == "." || *decoded == "..") {
      return Status::Error("path: '.' and '..' segments are not allowed");
    }
    path += '/';
    path += *decoded;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return path;
}

Result<std::map<std::string, std::string>> decode_query(std::string_view raw) {
  std::map<std::string, std::string> query;
  std::size_t start = 0;
  while (start <= raw.size()) {
    std::size_t end = raw.find('&', start);
    if (end == std::string_view::npos) end = raw.size();
    std::string_view pair = raw.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    std::size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    if (!name) return Status::Error("query: " + name.status().message());
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1),
                                true);
    if (!value) return Status::Error("query: " + value.status().message());
    if (name->empty()) return Status::Error("query: a parameter has no name");
    if (query.count(*name)) return Status::Error("query: parameter '" + *name + "' is given twice");
    query.emplace(std::move(*name), std::move(*value));
  }
  return query;
}

}  // namespace

Status parse_target(std::string_view target, HttpRequest& request) {
  if (target.empty() || target[0] != '/') {
    return Status::Error("the request target must be a path starting with '/'");
  }
  std::size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  std::string_view raw_query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  auto path = decode_path(raw_path);
  if (!path) return path.status();
  auto query = decode_query(raw_query);
  if (!query) return query.status();
  request.path = std::move(*path);
  request.query = std::move(*query);
  return Status::Ok();
}

std::string media_type(std::string_view content_type) {
  std::string out;
  for (char c : content_type) {
    if (c == ';') break;
    if (c == ' ' || c == '\t') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace larder
