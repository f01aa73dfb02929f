// The web dashboard's static files (web/ in the source tree, docs/dashboard.md), served to
// anyone: they hold no data; the data comes from the API after sign-in.
//   GET /          the dashboard's index.html
//   GET /{file...} a file of the dashboard's folder
// Only plain names are served: each path segment of letters, digits, '.', '_' and '-',
// not starting with '.', and of a known type (html, js, mjs, css, svg, png, ico, json,
// webmanifest); a file found only through a symbolic link out of the folder is not.
// Anything else is 404. Files are read at each request (they are small), so an upgrade
// that replaces them needs no restart. Every answer carries a strict Content-Security-
// Policy (scripts, styles and data from this origin only), nosniff, no framing, and
// `Cache-Control: no-cache`.
// Thread rule: event-loop thread only.
#pragma once

#include <string>

#include "api/router.h"
#include "larder/status.h"

namespace larder {

// Where the dashboard's files are: $LARDER_DASHBOARD_DIR when set, else the installed
// folder (<prefix>/share/larder/web) when it exists, else the source tree's web/ (a
// build run in place). Empty when none has an index.html.
std::string find_dashboard_dir();

// Registers the two routes for the files of `dir` (which must exist).
Status add_dashboard_routes(Router& router, const std::string& dir);

}  // namespace larder
