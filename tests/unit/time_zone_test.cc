// The TZif reader (include/larder/time_zone.h). Expected offsets of real zones were taken from
// `TZ=zone date -d @ts +%z` and `zdump -v` on Debian 12 (tzdata 2025b); the hand-built files
// exercise the footer's TZ string and every kind of malformed input.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "larder/time_zone.h"
#include "support/tempdir.h"

using larder::TimeZone;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TimeZone zone(const char* name) {
  auto z = TimeZone::load(name);
  INFO(z.status().message());
  REQUIRE(z.ok());
  return *z;
}

std::string be32(std::uint32_t v) {
  std::string s;
  for (int shift = 24; shift >= 0; shift -= 8) s += static_cast<char>((v >> shift) & 0xff);
  return s;
}
std::string be64(std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v);
  return be32(static_cast<std::uint32_t>(u >> 32)) + be32(static_cast<std::uint32_t>(u));
}

struct Type {
  std::int32_t utoff;
  std::uint8_t isdst;
  std::uint8_t desig;
};

// A TZif file: version '\0' (1), '2', '3' or '4'; for 2+ the same data in both blocks and
// the footer between newlines.
struct Tzif {
  char version = '2';
  std::vector<std::int64_t> times;
  std::vector<std::uint8_t> idx;
  std::vector<Type> types = {{0, 0, 0}};
  std::string chars = std::string("UTC\0", 4);
  std::string footer;

  std::string header() const {
    return std::string("TZif") + version + std::string(15, '\0') + be32(0) + be32(0) + be32(0) +
           be32(static_cast<std::uint32_t>(times.size())) +
           be32(static_cast<std::uint32_t>(types.size())) +
           be32(static_cast<std::uint32_t>(chars.size()));
  }
  std::string block(bool wide) const {
    std::string b;
    for (auto t : times) b += wide ? be64(t) : be32(static_cast<std::uint32_t>(t));
    for (auto i : idx) b += static_cast<char>(i);
    for (auto& t : types) {
      b += be32(static_cast<std::uint32_t>(t.utoff));
      b += static_cast<char>(t.isdst);
      b += static_cast<char>(t.desig);
    }
    return b + chars;
  }
  std::string bytes() const {
    if (version == '\0') return header() + block(false);
    return header() + block(false) + header() + block(true) + "\n" + footer + "\n";
  }
};

// A v2 file with no transitions: every offset comes from the footer.
std::string footer_only(const std::string& footer) {
  Tzif f;
  f.footer = footer;
  return f.bytes();
}
TimeZone footer_zone(const std::string& footer) {
  auto z = TimeZone::parse(footer_only(footer), "test");
  INFO(footer, " -> ", z.status().message());
  REQUIRE(z.ok());
  return *z;
}

std::string error_of(std::string_view bytes) {
  auto z = TimeZone::parse(bytes, "test");
  return z.ok() ? std::string("(parsed)") : z.status().message();
}

// Sets $TZDIR for one scope (the test runs on one thread; setenv is process-global).
class ScopedTzdir {
 public:
  explicit ScopedTzdir(const std::string& dir) {
    if (const char* old = getenv("TZDIR")) saved_ = old;
    setenv("TZDIR", dir.c_str(), 1);
  }
  ~ScopedTzdir() {
    if (saved_) {
      setenv("TZDIR", saved_->c_str(), 1);
    } else {
      unsetenv("TZDIR");
    }
  }
  ScopedTzdir(const ScopedTzdir&) = delete;
  ScopedTzdir& operator=(const ScopedTzdir&) = delete;

 private:
  std::optional<std::string> saved_;
};

// The offset just before and at a change.
void check_change(const TimeZone& z, double at, int before, int after) {
  INFO(z.name(), " at ", static_cast<std::int64_t>(at));
  CHECK(z.utc_offset_at(at - 1) == before);
  CHECK(z.utc_offset_at(at - 0.5) == before);
  CHECK(z.utc_offset_at(at) == after);
  CHECK(z.utc_offset_at(at + 1) == after);
}

}  // namespace

TEST_CASE("UTC needs no file and is the default") {
  auto z = [] {
    ScopedTzdir no_database("/nonexistent-tzdir");
    return TimeZone::load("UTC");
  }();
  REQUIRE(z.ok());
  CHECK(z->name() == "UTC");
  for (double t : {-1e12, -1.0, 0.0, 1774746000.0, 4102444800.0, 1e12}) {
    CHECK(z->utc_offset_at(t) == 0);
    CHECK(TimeZone::utc().utc_offset_at(t) == 0);
    CHECK(TimeZone().utc_offset_at(t) == 0);
  }
  CHECK(TimeZone::utc().name() == "UTC");
  CHECK(TimeZone::utc().to_local(1234.5) == 1234.5);
}

TEST_CASE("the tz database is installed here") {
  CHECK(std::ifstream("/usr/share/zoneinfo/Europe/Berlin").good());
}

TEST_CASE("Europe/Berlin: winter, summer and the exact changes") {
  auto z = zone("Europe/Berlin");
  CHECK(z.name() == "Europe/Berlin");
  CHECK(z.utc_offset_at(1768435200) == 3600);          // 2026-01-15
  CHECK(z.utc_offset_at(1784073600) == 7200);          // 2026-07-15
  check_change(z, 1774746000, 3600, 7200);             // 2026-03-29 01:00 UTC
  check_change(z, 1792890000, 7200, 3600);             // 2026-10-25 01:00 UTC
  CHECK(z.to_local(1774746000) == 1774746000 + 7200);  // 03:00 local
  CHECK(z.to_local(1774745999.5) == 1774745999.5 + 3600);
}

TEST_CASE("America/New_York") {
  auto z = zone("America/New_York");
  CHECK(z.utc_offset_at(1768435200) == -18000);
  CHECK(z.utc_offset_at(1784073600) == -14400);
  check_change(z, 1772953200, -18000, -14400);  // 2026-03-08 07:00 UTC
  check_change(z, 1793512800, -14400, -18000);  // 2026-11-01 06:00 UTC
}

TEST_CASE("Australia/Sydney: southern DST spans the new year") {
  auto z = zone("Australia/Sydney");
  CHECK(z.utc_offset_at(1767225600) == 39600);  // 2026-01-01: summer, DST
  CHECK(z.utc_offset_at(1784073600) == 36000);  // 2026-07-15: winter
  check_change(z, 1775318400, 39600, 36000);    // 2026-04-04 16:00 UTC
  check_change(z, 1791043200, 36000, 39600);    // 2026-10-03 16:00 UTC
}

TEST_CASE("Asia/Kolkata: +05:30 all year") {
  auto z = zone("Asia/Kolkata");
  for (double t : {632361600.0, 1768435200.0, 1784073600.0, 4118083200.0}) {
    CHECK(z.utc_offset_at(t) == 19800);
  }
}

TEST_CASE("year 2100 comes from the footer (the table ends in 2037 or earlier)") {
  auto berlin = zone("Europe/Berlin");
  CHECK(berlin.utc_offset_at(4103654400) == 3600);  // 2100-01-15
  CHECK(berlin.utc_offset_at(4118083200) == 7200);  // 2100-07-01
  check_change(berlin, 4109878800, 3600, 7200);     // 2100-03-28 01:00 UTC
  check_change(berlin, 4128627600, 7200, 3600);     // 2100-10-31 01:00 UTC
  check_change(zone("America/New_York"), 4108690800, -18000, -14400);  // 2100-03-14 07:00
  auto sydney = zone("Australia/Sydney");
  check_change(sydney, 4110451200, 39600, 36000);  // 2100-04-03 16:00 UTC
  check_change(sydney, 4126176000, 36000, 39600);  // 2100-10-02 16:00 UTC
  CHECK(sydney.utc_offset_at(4102444800) == 39600);  // 2100-01-01 00:00 UTC
}

TEST_CASE("the past: 1990 from the table, 1850 before the first transition (LMT)") {
  auto berlin = zone("Europe/Berlin");
  CHECK(berlin.utc_offset_at(632361600) == 3600);  // 1990-01-15
  CHECK(berlin.utc_offset_at(646790400) == 7200);  // 1990-07-01
  CHECK(zone("America/New_York").utc_offset_at(646790400) == -14400);
  CHECK(zone("Australia/Sydney").utc_offset_at(646790400) == 36000);
  CHECK(berlin.utc_offset_at(-3786825600) == 3208);  // 1850: LMT +0:53:28, type 0
  check_change(berlin, -2422054408, 3208, 3600);     // 1893-04-01 00:00 local: CET
}

TEST_CASE("odd instants do not break it") {
  auto berlin = zone("Europe/Berlin");
  CHECK(berlin.utc_offset_at(std::nan("")) == 3600);  // taken as the epoch
  const double inf = std::numeric_limits<double>::infinity();
  for (double t : {inf, -inf, 1e300, -1e300, 9.2e18, -9.2e18}) {
    int off = berlin.utc_offset_at(t);
    CHECK((off == 3600 || off == 7200 || off == 3208));
  }
}

TEST_CASE("load: errors and $TZDIR") {
  for (const char* bad : {"", "No/Such_Zone", "../etc/passwd", "/etc/passwd", "Europe/../UTC",
                          "Europe/Berlin\n", "zone.tab", "Europe//Berlin", "localtime",
                          "posixrules", "Factory", "right/Europe/Berlin",
                          "posix/Europe/Berlin", "Europe/Berlin/"}) {
    auto z = TimeZone::load(bad);
    CHECK_FALSE(z.ok());
    CHECK(z.status().message().find("time zone") != std::string::npos);
  }
  CHECK_FALSE(TimeZone::load("Europe").ok());  // a directory
  CHECK(TimeZone::load("No/Such_Zone").status().message().find("No/Such_Zone") !=
        std::string::npos);

  larder::test::TempDir dir;
  dir.write("Testzone", footer_only("<+0330>-3:30"));
  dir.write("Notzif", "hello");
  std::optional<ScopedTzdir> tzdir(std::in_place, dir.path());
  auto z = TimeZone::load("Testzone");
  auto bad = TimeZone::load("Notzif");
  auto berlin = TimeZone::load("Europe/Berlin");  // not in that directory
  tzdir.reset();
  REQUIRE(z.ok());
  CHECK(z->name() == "Testzone");
  CHECK(z->utc_offset_at(0) == 12600);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("truncated") != std::string::npos);
  CHECK_FALSE(berlin.ok());
}

TEST_CASE("the footer alone: a v2 file with no transitions") {
  SUBCASE("CET-1CEST,M3.5.0,M10.5.0/3") {
    auto z = footer_zone("CET-1CEST,M3.5.0,M10.5.0/3");
    check_change(z, 1774746000, 3600, 7200);
    check_change(z, 1792890000, 7200, 3600);
    check_change(z, 4109878800, 3600, 7200);
    CHECK(z.utc_offset_at(-3786825600) == 3600);  // 1850-01-01: the rule applies to all time
  }
  SUBCASE("EST5EDT,M3.2.0,M11.1.0 (default change time 02:00)") {
    auto z = footer_zone("EST5EDT,M3.2.0,M11.1.0");
    check_change(z, 1772953200, -18000, -14400);
    check_change(z, 1793512800, -14400, -18000);
  }
  SUBCASE("<+0330>-3:30 (quoted name, minutes, no DST)") {
    auto z = footer_zone("<+0330>-3:30");
    CHECK(z.utc_offset_at(0) == 12600);
    CHECK(z.utc_offset_at(4118083200) == 12600);
    CHECK(footer_zone("<-0130>+1:30:15").utc_offset_at(0) == -5415);
    CHECK(footer_zone("UTC0").utc_offset_at(1e9) == 0);
  }
  SUBCASE("AEST-10AEDT,M10.1.0,M4.1.0/3 (southern)") {
    auto z = footer_zone("AEST-10AEDT,M10.1.0,M4.1.0/3");
    CHECK(z.utc_offset_at(1767225600) == 39600);  // 2026-01-01 00:00 UTC
    CHECK(z.utc_offset_at(1767225600 - 1) == 39600);
    CHECK(z.utc_offset_at(1784073600) == 36000);
    check_change(z, 1775318400, 39600, 36000);
    check_change(z, 1791043200, 36000, 39600);
  }
  SUBCASE("Jn counts no Feb 29") {
    auto z = footer_zone("AAA0BBB-1,J60/0,J300/0");  // March 1 to October 27, 00:00
    check_change(z, 1709251200, 0, 3600);            // 2024-03-01 00:00 UTC (leap year)
    check_change(z, 1729983600, 3600, 0);            // 2024-10-26 23:00 UTC
    check_change(z, 1740787200, 0, 3600);            // 2025-03-01
    check_change(z, 1761519600, 3600, 0);            // 2025-10-26 23:00 UTC
  }
  SUBCASE("n counts Feb 29") {
    auto z = footer_zone("AAA0BBB-1,59/0,299/0");
    check_change(z, 1709164800, 0, 3600);  // 2024-02-29 00:00 UTC
    check_change(z, 1729897200, 3600, 0);  // 2024-10-25 23:00 UTC
    check_change(z, 1740787200, 0, 3600);  // 2025-03-01
    check_change(z, 1761519600, 3600, 0);  // 2025-10-26 23:00 UTC
  }
  SUBCASE("RFC 8536 v3 times: beyond 24 h and negative") {
    auto z = footer_zone("XXX3YYY,M3.5.0/50,M10.1.0/-30");
    check_change(z, 1774933200, -10800, -7200);  // Sun 2026-03-29 + 50 h = 03-31 02:00 local
    check_change(z, 1790971200, -7200, -10800);  // Sun 2026-10-04 - 30 h = 10-02 18:00 local
    auto nuuk = footer_zone("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");  // America/Nuuk's footer
    check_change(nuuk, 1774746000, -7200, -3600);
    check_change(nuuk, 1792890000, -3600, -7200);
  }
  SUBCASE("DST all year (RFC 8536's example EST5EDT,0/0,J365/25)") {
    auto z = footer_zone("EST5EDT,0/0,J365/25");
    for (double t : {1767225600.0, 1767225600.0 + 5 * 3600, 1767243600.0 - 1, 1784073600.0,
                     1709164800.0, 4102444800.0 + 4 * 3600}) {
      CHECK(z.utc_offset_at(t) == -14400);
    }
  }
  SUBCASE("an explicit DST offset") {
    auto z = footer_zone("LHST-10:30LHDT-11,M10.1.0,M4.1.0");  // Australia/Lord_Howe
    CHECK(z.utc_offset_at(1767225600) == 39600);
    CHECK(z.utc_offset_at(1784073600) == 37800);
  }
}

TEST_CASE("the table: type 0 before the first transition, last type without a footer") {
  Tzif f;
  f.times = {1000, 2000};
  f.idx = {1, 2};
  f.types = {{3208, 0, 0}, {3600, 0, 4}, {7200, 1, 4}};
  f.chars = std::string("LMT\0CET\0", 8);
  for (char version : {'\0', '2', '3', '4'}) {
    f.version = version;
    auto z = TimeZone::parse(f.bytes(), "table");
    INFO("version byte ", static_cast<int>(version), ": ", z.status().message());
    REQUIRE(z.ok());
    CHECK(z->utc_offset_at(-1e10) == 3208);
    CHECK(z->utc_offset_at(999.9) == 3208);
    CHECK(z->utc_offset_at(1000) == 3600);
    CHECK(z->utc_offset_at(1999) == 3600);
    CHECK(z->utc_offset_at(2000) == 7200);
    CHECK(z->utc_offset_at(1e10) == 7200);  // empty footer / v1: the last type stays
  }
  f.version = '2';
  f.footer = "XXX-5";  // after the last transition the footer rules
  auto z = TimeZone::parse(f.bytes(), "table");
  REQUIRE(z.ok());
  CHECK(z->utc_offset_at(2000) == 7200);
  CHECK(z->utc_offset_at(2001) == 18000);
}

TEST_CASE("malformed files are refused with a reason") {
  Tzif good;
  good.times = {1000};
  good.idx = {0};
  const std::string bytes = good.bytes();
  REQUIRE(TimeZone::parse(bytes, "good").ok());

  CHECK(error_of("").find("empty") != std::string::npos);
  CHECK(error_of("TZif2").find("truncated") != std::string::npos);
  CHECK(error_of("Xzif" + bytes.substr(4)).find("magic") != std::string::npos);
  CHECK(error_of(std::string(200, '\0')).find("magic") != std::string::npos);
  std::string v = bytes;
  v[4] = '1';
  CHECK(error_of(v).find("version") != std::string::npos);
  CHECK(TimeZone::parse(v, "zone-x").status().message().find("zone-x") != std::string::npos);

  auto patched = [&](std::size_t at, const std::string& with) {
    std::string b = bytes;
    b.replace(at, with.size(), with);
    return error_of(b);
  };
  const std::size_t v1_size = 4 + 1 + 6 + 4;  // one 32-bit time, its index, one type, "UTC\0"
  const std::size_t second = 44 + v1_size;
  // The counts sit at 20: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt.
  CHECK(patched(32, be32(0xffffffff)).find("counts too big") != std::string::npos);
  CHECK(patched(second + 32, be32(0xffffffff)).find("counts too big") != std::string::npos);
  CHECK(patched(second + 28, be32(0x10000000)).find("counts too big") != std::string::npos);
  CHECK(patched(second + 36, be32(0)).find("local time types") != std::string::npos);
  CHECK(patched(second + 36, be32(300)).find("local time types") != std::string::npos);
  CHECK(patched(second + 40, be32(0)).find("designations") != std::string::npos);
  CHECK(patched(second + 20, be32(7)).find("isutcnt") != std::string::npos);
  CHECK(patched(second + 24, be32(7)).find("isstdcnt") != std::string::npos);
  CHECK(patched(second, "TZiX").find("magic") != std::string::npos);
  CHECK(patched(second + 4, "3").find("versions") != std::string::npos);
  const std::size_t data = second + 44;
  CHECK(patched(data + 8, std::string(1, '\1')).find("type 1 of 1") != std::string::npos);
  CHECK(patched(data + 9, be32(0x80000000)).find("UTC offset") != std::string::npos);
  CHECK(patched(data + 9, be32(93600)).find("UTC offset") != std::string::npos);
  CHECK(patched(data + 13, std::string(1, '\2')).find("isdst") != std::string::npos);
  CHECK(patched(data + 14, std::string(1, '\4')).find("designation") != std::string::npos);
  CHECK(patched(data + 18, std::string(1, 'x')).find("designation") != std::string::npos);

  Tzif order;
  order.times = {2000, 1000};
  order.idx = {0, 0};
  CHECK(error_of(order.bytes()).find("ascending") != std::string::npos);
  order.times = {1000, 1000};
  CHECK(error_of(order.bytes()).find("ascending") != std::string::npos);

  Tzif v1;
  v1.version = '\0';
  CHECK(error_of(v1.bytes() + "x").find("after") != std::string::npos);

  const std::string body = bytes.substr(0, bytes.size() - 2);  // without "\n" footer "\n"
  CHECK(error_of(body).find("footer") != std::string::npos);
  CHECK(error_of(body + "x").find("footer") != std::string::npos);
  CHECK(error_of(body + "\nUTC0").find("no final newline") != std::string::npos);
  CHECK(error_of(body + "\nUTC0\nmore").find("after the footer") != std::string::npos);
}

TEST_CASE("bad footers are refused with the string and a reason") {
  for (const char* bad :
       {"CET", "-1", "1", "<>1", "<+03", "<+0 3>-3", "CET-1CEST", "CET-1CEST,M3.5.0",
        "CET-1CEST,M3.5.0,", "CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M0.5.0,M10.5.0",
        "CET-1CEST,M3.6.0,M10.5.0", "CET-1CEST,M3.0.0,M10.5.0", "CET-1CEST,M3.5.7,M10.5.0",
        "CET-1CEST,M3.5,M10.5.0", "CET-1CEST,M3,M10.5.0", "XXX0YYY,J0,J365", "XXX0YYY,J366,J1",
        "XXX0YYY,366,1", "XXX0YYY,-1,1", "XXX0YYY,M3.5.0/168,M10.5.0", "XXX0YYY,M3.5.0/,M10.5.0",
        "XXX0YYY,M3.5.0/1:60,M10.5.0", "XXX0YYY,M3.5.0/1:00:60,M10.5.0",
        "XXX0YYY,M3.5.0/1000,M1.1.0", "XXX25", "XXX0:60", "XXX0:00:60", "XXX1:", "XXX-", "XXX+",
        "CET-1 ", "CET-1CEST,M3.5.0,M10.5.0/3x", "CET-1CEST,M3.5.0,M10.5.0,M11.1.0",
        "CET-1CEST25,M3.5.0,M10.5.0", "UTC0\x01", "UTC0\r", "CET-1CEST,M03.5.0,M10.5.0/0003,",
        "XXX0YYY,M3.5.0,M10.5.0/00000000000000000001"}) {
    std::string why = error_of(footer_only(bad));
    INFO("footer: ", bad, " -> ", why);
    CHECK(why.find("bad footer TZ string") != std::string::npos);
  }
  CHECK(error_of(footer_only("CET-1CEST")).find("\"CET-1CEST\"") != std::string::npos);
  // Accepted variants: signs, leading zeros, full h:mm:ss, the DST offset written out.
  for (const char* good :
       {"XXX+3", "XXX-03:00:00", "<-00>0", "CET-1CEST-2,M3.5.0/2:00:00,M10.5.0/3",
        "XXX3YYY,M03.5.0/-167,M10.5.0/+167", "XXX0YYY,J1,J365", "XXX0YYY,0,365"}) {
    INFO("footer: ", good);
    CHECK(TimeZone::parse(footer_only(good), "test").ok());
  }
}

TEST_CASE("every truncation of real files is an error, never a crash") {
  for (const char* name : {"Europe/Berlin", "Asia/Kolkata", "Australia/Sydney"}) {
    const std::string bytes = read_file(std::string("/usr/share/zoneinfo/") + name);
    REQUIRE(bytes.size() > 100);
    REQUIRE(TimeZone::parse(bytes, name).ok());
    std::size_t accepted = 0;
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      if (TimeZone::parse(std::string_view(bytes).substr(0, n), name).ok()) ++accepted;
    }
    INFO(name);
    CHECK(accepted == 0);
  }
  Tzif v1;
  v1.version = '\0';
  v1.times = {1000};
  v1.idx = {0};
  const std::string bytes = v1.bytes();
  REQUIRE(TimeZone::parse(bytes, "v1").ok());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    CHECK_FALSE(TimeZone::parse(bytes.substr(0, n), "v1").ok());
  }
}

TEST_CASE("every single-byte corruption either parses or is refused (a small fuzz)") {
  const std::string bytes = read_file("/usr/share/zoneinfo/Asia/Kolkata");
  REQUIRE(!bytes.empty());
  std::size_t accepted = 0, refused = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char x : {0x01, 0x80, 0xff}) {
      std::string b = bytes;
      b[i] = static_cast<char>(static_cast<unsigned char>(b[i]) ^ x);
      auto z = TimeZone::parse(b, "fuzz");
      if (!z.ok()) {
        ++refused;
        CHECK_FALSE(z.status().message().empty());
        continue;
      }
      ++accepted;
      for (double t : {-1e13, -2e9, 0.0, 1e9, 2.2e9, 4.1e9, 1e13}) {
        int off = z->utc_offset_at(t);
        CHECK((off >= -89999 && off <= 93599 + 3600));
      }
    }
  }
  CHECK(refused > 0);
  CHECK(accepted > 0);  // the 15 unused header bytes, for one
}
