# Compile flags of the fuzz build (LARDER_FUZZ, docs/fuzzing.md): every object carries
# libFuzzer's coverage instrumentation and the address and undefined-behaviour checks;
# the fuzz targets link libFuzzer's main (fuzz/CMakeLists.txt).
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "LARDER_FUZZ needs clang: -DCMAKE_CXX_COMPILER=clang++ (scripts/fuzz)")
endif()
if(LARDER_SANITIZE)
  message(FATAL_ERROR "LARDER_FUZZ already builds with the sanitizers; leave LARDER_SANITIZE off")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
  -fno-sanitize-recover=undefined)
add_link_options(-fsanitize=address,undefined)
# As in the sanitizer build: cpprest's stream buffer type info is not unique across its
# library boundary (a false vptr report), so that one file skips that one check.
set_source_files_properties(${PROJECT_SOURCE_DIR}/daemon/adapters/retailer/retailer_http.cc
  PROPERTIES COMPILE_OPTIONS -fno-sanitize=vptr)
# Fuzzing wants speed and line numbers in stack traces, and asserts left on.
set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O1 -gline-tables-only")
# The larder library reduced to what the targets reach: the core, the forecaster, replay,
# the orders, delivery, grants and voice logic, the plugins, the app's desks, the HTTP API's
# routes, the Alexa envelope and verifier, the crypto helpers and the state files, the
# retailers' answers and their identity (retailer_answers.cc, retailer_ref.cc: no cpprestsdk)
# and the store's journal (store_journal.cc, no SQLite, with os_random.cc for its ids).
# Not the adapters for the broker, the database, the retailers' HTTP client, Alexa's
# certificate fetcher, notifications, the HTTP server or systemd, nor the daemon's wiring:
# they are the slowest to compile with the sanitizers, and the outside input they carry
# comes through the parsers fuzzed here (the HTTP target parses the wire with Beast's parser
# itself).
set(LARDER_FUZZ_SOURCES "/(daemon/(core|forecast|replay|orders|delivery|grants|voice)/[^/]*|\
plugins/.*|daemon/api/[^/]*|\
daemon/app/(consumable_view|event_log|plugin_host|order_desk|delivery_desk[^/]*|voice_desk)|\
daemon/adapters/alexa/(alexa_envelope|alexa_verifier|cert_url)|\
daemon/adapters/crypto/(grant_crypto|signature|os_random)|daemon/adapters/fs/state_file|\
daemon/adapters/retailer/retailer_(answers|ref)|daemon/adapters/store/store_journal)\\.cc$")
