// Helpers around the plain HTTP values of include/larder/http.h: splitting and decoding
// a request target, reading a Content-Type, and JSON text that never throws.
//
// The server adapter uses parse_target to fill HttpRequest::path and ::query; the router
// uses media_type and json_text. The definitions of HttpRequest::header,
// HttpResponse::json and HttpResponse::error live in http_types.cc too.
// Thread rule: pure functions; no shared state.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "larder/http.h"
#include "larder/status.h"

namespace larder {

// Percent-decodes `in`. With `plus_is_space` a '+' becomes a space (query strings).
// Fails on a '%' that is not followed by two hex digits and on a decoded NUL byte.
Result<std::string> percent_decode(std::string_view in, bool plus_is_space);

// Splits an origin-form target ("/api/v1/orders?status=placed") into request.path
// (percent-decoded) and request.query (names and values decoded, '+' is a space).
// Refused, with a message for a 400 answer, and `request` left unchanged:
//   - a target that does not start with '/' (absolute or asterisk form);
//   - bad percent-encoding or a decoded NUL byte;
//   - an encoded slash (%2F) inside a path segment, and "." or ".." segments;
//   - a query parameter without a name, or a parameter given twice.
// A parameter without '=' has the value "".
Status parse_target(std::string_view target, HttpRequest& request);

// The media type of a Content-Type value, lower case, without parameters and spaces:
// "Application/JSON; charset=utf-8" -> "application/json".
std::string media_type(std::string_view content_type);

// The house rule for JSON bodies: a field the route does not know is refused, not ignored
// (a misspelt "quantitty" must not order the default quantity). nullopt when every key of
// `object` is one of `known`; else a 400 bad_request naming the first unknown key (cut
// to 64 bytes) and the known ones: "unknown field 'quantitty' (known: 'consumable', ...)".
// `object` must be a JSON object.
std::optional<HttpResponse> unknown_field(const nlohmann::json& object,
                                          std::initializer_list<std::string_view> known);

// value.dump() that never throws: invalid UTF-8 (which may come from a request) is
// replaced by U+FFFD.
std::string json_text(const nlohmann::json& value);

}  // namespace larder
