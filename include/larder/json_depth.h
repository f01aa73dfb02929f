// Whether JSON text nests arrays and objects deeper than `limit`, counted before parsing
// so that a hostile body never reaches the parser's recursion (strings are skipped; the
// text need not be valid JSON). Used on every outside JSON body (the HTTP router, Alexa).
#pragma once

#include <string_view>

namespace larder {

inline bool json_nests_deeper(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

}  // namespace larder
