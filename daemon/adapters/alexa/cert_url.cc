// Rule 1 of the Alexa request checks: the SignatureCertChainUrl header, parsed and
// normalised (RFC 3986 section 6.2.2: percent-encoding, then dot segments) before its host,
// port and path are judged, so that what was checked is what the verifier fetches.
#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include "adapters/alexa/alexa_verifier.h"
#include "larder/text.h"

namespace larder::alexa {
namespace {

constexpr std::string_view kHost = "s3.amazonaws.com";
constexpr std::string_view kPathPrefix = "/echo.api/";
constexpr std::size_t kMaxUrlBytes = 2048;

bool is_unreserved(char c) {
  return is_ascii_alpha(c) || is_ascii_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
// RFC 3986 pchar without '%' (handled apart), plus the '/' between segments.
bool is_path_char(char c) {
  return is_unreserved(c) || c == '/' || c == ':' || c == '@' || c == '!' || c == '$' ||
         c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' || c == ',' ||
         c == ';' || c == '=';
}
int hex_value(char c) {
  if (is_ascii_digit(c)) return c - '0';
  c = ascii_lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// RFC 3986, section 5.2.4.
std::string remove_dot_segments(std::string_view in) {
  std::string out;
  auto drop_last_segment = [&out] {
    auto slash = out.rfind('/');
    out.erase(slash == std::string::npos ? 0 : slash);
  };
  while (!in.empty()) {
    if (in.substr(0, 3) == "../") {
      in.remove_prefix(3);
    } else if (in.substr(0, 2) == "./" || in.substr(0, 3) == "/./") {
      in.remove_prefix(2);  // "/./" leaves "/"
    } else if (in == "/.") {
      in = "/";
    } else if (in.substr(0, 4) == "/../") {
      in.remove_prefix(3);  // leaves "/"
      drop_last_segment();
    } else if (in == "/..") {
      in = "/";
      drop_last_segment();
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      auto end = in.find('/', 1);
      if (end == std::string_view::npos) end = in.size();
      out.append(in.substr(0, end));
      in.remove_prefix(end);
    }
  }
  return out;
}

Status url_error(const std::string& why) {
  return Status::Error("rule 1 (certificate URL): " + why);
}

// The path with percent-encoded unreserved characters decoded and other escapes in upper
// case (RFC 3986 6.2.2.1-2), or an error.
Result<std::string> normalise_percent(std::string_view path, std::string_view url) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c != '%') {
      if (!is_path_char(c)) {
        return url_error("the URL " + quote_excerpt(url) +
                         " holds a character not allowed in a path");
      }
      out += c;
      continue;
    }
    int hi = i + 2 < path.size() ? hex_value(path[i + 1]) : -1;
    int lo = i + 2 < path.size() ? hex_value(path[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return url_error("the URL " + quote_excerpt(url) + " has a malformed '%'");
    }
    auto byte = static_cast<char>(hi * 16 + lo);
    if (byte == '/' || byte == '\\') {
      return url_error("the URL " + quote_excerpt(url) + " has an encoded '/' or '\\' in its path");
    }
    if (is_unreserved(byte)) {
      out += byte;
    } else {
      out += '%';
      out += kHex[hi];
      out += kHex[lo];
    }
    i += 2;
  }
  return out;
}

}  // namespace

Result<std::string> normalise_cert_url(std::string_view url) {
  if (url.size() > kMaxUrlBytes) return url_error("the URL is longer than 2048 bytes");
  auto sep = url.find("://");
  if (sep == std::string_view::npos) {
    return url_error(quote_excerpt(url) + " is not an absolute URL");
  }
  if (!iequals(url.substr(0, sep), "https")) {
    return url_error("the scheme of " + quote_excerpt(url) + " is not https");
  }
  std::string_view rest = url.substr(sep + 3);
  auto end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    return url_error(quote_excerpt(url) + " holds a user name");
  }
  std::string_view host = authority;
  if (auto colon = authority.rfind(':'); colon != std::string_view::npos &&
                                         authority.find(']') == std::string_view::npos) {
    host = authority.substr(0, colon);
    std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), is_ascii_digit)) {
      return url_error("the port of " + quote_excerpt(url) + " is not a number");
    }
    if (std::stoi(std::string(port)) != 443) {
      return url_error("the port of " + quote_excerpt(url) + " is not 443");
    }
  }
  if (!iequals(host, kHost)) {
    return url_error("the host of " + quote_excerpt(url) + " is not s3.amazonaws.com");
  }
  if (tail.find_first_of("?#") != std::string_view::npos) {
    return url_error(quote_excerpt(url) + " has a query or a fragment");
  }
  auto path = normalise_percent(tail, url);
  if (!path.ok()) return path.status();
  std::string normal = remove_dot_segments(*path);
  if (normal.compare(0, kPathPrefix.size(), kPathPrefix) != 0) {
    return url_error("the path of " + quote_excerpt(url) + " does not start with /echo.api/");
  }
  return "https://" + std::string(kHost) + normal;
}

Status check_cert_url(std::string_view url) { return normalise_cert_url(url).status(); }

}  // namespace larder::alexa
