// TZif files (RFC 8536) and the POSIX TZ strings of their footers; see larder/time_zone.h.
//
// Every read is bounds-checked against the bytes that are there and every index is checked
// before use: the input may be any byte string (the parser is fuzzed).
#include "larder/time_zone.h"

#include <algorithm>
#include <cstdio>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <vector>

namespace larder {
namespace {

constexpr std::int64_t kDay = 86400;
// RFC 8536 3.2: utoff SHOULD be within [-89999, 93599] (-25 h to +26 h, exclusive).
constexpr std::int32_t kMinUtoff = -89999;
constexpr std::int32_t kMaxUtoff = 93599;
constexpr std::size_t kHeaderSize = 44;
constexpr std::size_t kMaxFileSize = 1 << 20;  // real TZif files have a few KiB
// Instants are clamped to about +-270 million years, so year arithmetic cannot overflow.
constexpr double kMaxSeconds = 8.64e15;

// ---- the POSIX TZ string of the footer ----

// When a change happens: on day Jn (1-365, Feb 29 never counted), n (0-365, Feb 29 counted)
// or Mm.w.d (weekday d of week w of month m; week 5 is the last), at `time` local seconds.
struct DateRule {
  enum class Kind { julian, zero_based, month_week_day } kind = Kind::julian;
  int day = 0;
  int week = 0;
  int month = 0;
  std::int32_t time = 2 * 3600;  // POSIX default 02:00; RFC 8536 v3 allows -167 h to 167 h
};

struct PosixTz {
  std::int32_t std_utoff = 0;  // seconds east of UTC (the string says west, we store east)
  bool has_dst = false;
  std::int32_t dst_utoff = 0;
  DateRule start;  // to DST, given in standard time
  DateRule end;    // back to standard time, given in DST
};

// std offset [dst [offset] ,start[/time],end[/time]]. A DST name without a rule is refused:
// POSIX leaves its meaning to the implementation and zic never writes one.
class TzStringParser {
 public:
  explicit TzStringParser(std::string_view s) : s_(s) {}

  // Empty on success, otherwise what is wrong.
  std::string parse(PosixTz& out) {
    if (auto why = name("standard time"); !why.empty()) return why;
    if (!at_offset()) return "the standard time name has no UTC offset after it";
    std::int32_t west = 0;
    if (auto why = hms(24, west, "the standard time offset"); !why.empty()) return why;
    out.std_utoff = -west;
    if (done()) return "";
    out.has_dst = true;
    if (auto why = name("daylight saving time"); !why.empty()) return why;
    out.dst_utoff = out.std_utoff + 3600;
    if (at_offset()) {
      if (auto why = hms(24, west, "the daylight saving time offset"); !why.empty()) return why;
      out.dst_utoff = -west;
    }
    if (!accept(',')) return "daylight saving time has no rule (,start[/time],end[/time])";
    if (auto why = date_rule(out.start, "start"); !why.empty()) return why;
    if (!accept(',')) return "the daylight saving time rule has no end";
    if (auto why = date_rule(out.end, "end"); !why.empty()) return why;
    if (!done()) return "unexpected text after the end rule";
    return "";
  }

 private:
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  bool accept(char c) {
    if (done() || s_[i_] != c) return false;
    ++i_;
    return true;
  }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
  bool at_offset() const { return !done() && (is_digit(peek()) || peek() == '+' || peek() == '-'); }

  // Letters, or <...> of letters, digits, '+' and '-' (as in <+0330>).
  std::string name(const std::string& what) {
    std::size_t n = 0;
    if (accept('<')) {
      while (!done() && (is_alpha(peek()) || is_digit(peek()) || peek() == '+' || peek() == '-')) {
        ++i_;
        ++n;
      }
      if (!accept('>')) return "the " + what + " name in <...> is not closed by '>'";
    } else {
      while (!done() && is_alpha(peek())) {
        ++i_;
        ++n;
      }
    }
    return n == 0 ? "the " + what + " name is missing" : "";
  }

  // 1 to max_digits decimal digits.
  bool number(int max_digits, int& value) {
    int digits = 0;
    value = 0;
    while (!done() && is_digit(peek()) && digits < max_digits) {
      value = value * 10 + (s_[i_++] - '0');
      ++digits;
    }
    return digits > 0 && !(is_digit(peek()) && !done());
  }

  // [+-]hh[:mm[:ss]] with hh up to max_hours; positive means west for offsets.
  std::string hms(int max_hours, std::int32_t& seconds, const std::string& what) {
    bool negative = accept('-');
    if (!negative) accept('+');
    int h = 0, m = 0, s = 0;
    if (!number(3, h) || h > max_hours) {
      return what + " needs hours from 0 to " + std::to_string(max_hours);
    }
    if (accept(':')) {
      if (!number(2, m) || m > 59) return what + " has minutes that are not 00 to 59";
      if (accept(':') && (!number(2, s) || s > 59)) {
        return what + " has seconds that are not 00 to 59";
      }
    }
    seconds = (h * 3600 + m * 60 + s) * (negative ? -1 : 1);
    return "";
  }

  std::string date_rule(DateRule& r, const std::string& which) {
    const std::string what = "the " + which + " date";
    if (accept('J')) {
      r.kind = DateRule::Kind::julian;
      if (!number(3, r.day) || r.day < 1 || r.day > 365) return what + " Jn needs n from 1 to 365";
    } else if (accept('M')) {
      r.kind = DateRule::Kind::month_week_day;
      if (!number(2, r.month) || r.month < 1 || r.month > 12) return what + " has no month 1-12";
      if (!accept('.') || !number(1, r.week) || r.week < 1 || r.week > 5) {
        return what + " has no week 1-5";
      }
      if (!accept('.') || !number(1, r.day) || r.day > 6) return what + " has no weekday 0-6";
    } else {
      r.kind = DateRule::Kind::zero_based;
      if (!number(3, r.day) || r.day > 365) return what + " is not Jn, n (0-365) or Mm.w.d";
    }
    if (accept('/')) return hms(167, r.time, "the " + which + " time");
    return "";
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

// ---- calendar arithmetic (proleptic Gregorian, days since 1970-01-01) ----

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
std::int64_t floor_mod(std::int64_t a, std::int64_t b) { return a - floor_div(a, b) * b; }
bool is_leap(std::int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

// Howard Hinnant's days_from_civil and the year part of civil_from_days.
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = floor_div(y, 400);
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}
std::int64_t year_of_day(std::int64_t z) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;  // 0 = March ... 11 = February
  return yoe + era * 400 + (mp >= 10 ? 1 : 0);
}
int days_in_month(std::int64_t y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[static_cast<std::size_t>(m - 1)];
}

std::int64_t rule_day(const DateRule& r, std::int64_t year) {
  switch (r.kind) {
    case DateRule::Kind::julian:
      return days_from_civil(year, 1, 1) + r.day - 1 + (is_leap(year) && r.day >= 60 ? 1 : 0);
    case DateRule::Kind::zero_based:
      return days_from_civil(year, 1, 1) + r.day;
    case DateRule::Kind::month_week_day: {
      const std::int64_t first = days_from_civil(year, r.month, 1);
      const std::int64_t weekday = floor_mod(first + 4, 7);  // 1970-01-01 was a Thursday
      std::int64_t day = first + floor_mod(r.day - weekday, 7) + 7 * std::int64_t{r.week - 1};
      while (day >= first + days_in_month(year, r.month)) day -= 7;  // week 5 = the last one
      return day;
    }
  }
  return 0;
}

// The UTC instant of a change whose local time is counted in `utoff_before`.
std::int64_t change_at(const DateRule& r, std::int64_t year, std::int32_t utoff_before) {
  return rule_day(r, year) * kDay + r.time - utoff_before;
}

// As the reference implementation (tzcode's tzparse) reads a rule: in each year the start and
// the end are UTC instants; when the end comes first (southern hemisphere) the year has DST
// at both ends; when the start comes first and DST lasts less than the year, DST is in
// between; otherwise (as with "0/0,J365/25") the year is all DST. Rule times reach +-167 h and
// offsets 25 h, so a year's changes can fall a week into its neighbours: the changes of four
// years around t are put in order, and the last one at or before t decides.
int footer_offset(const PosixTz& tz, std::int64_t t) {
  if (!tz.has_dst) return tz.std_utoff;
  struct Change {
    std::int64_t at;
    bool to_dst;
  };
  const std::int64_t year = year_of_day(floor_div(t, kDay));
  std::array<Change, 8> changes{};
  std::size_t n = 0;
  for (std::int64_t y = year - 2; y <= year + 1; ++y) {
    const std::int64_t start = change_at(tz.start, y, tz.std_utoff);
    const std::int64_t end = change_at(tz.end, y, tz.dst_utoff);
    if (end < start) {
      changes[n++] = {end, false};
      changes[n++] = {start, true};
    } else if (start < end && end - start < (is_leap(y) ? 366 : 365) * kDay) {
      changes[n++] = {start, true};
      changes[n++] = {end, false};
    }
  }
  if (n == 0) return tz.dst_utoff;  // DST all year
  std::stable_sort(changes.begin(), changes.begin() + static_cast<std::ptrdiff_t>(n),
                   [](const Change& a, const Change& b) { return a.at < b.at; });
  bool dst = !changes[0].to_dst;
  for (std::size_t i = 0; i < n; ++i) {
    if (changes[i].at <= t) dst = changes[i].to_dst;
  }
  return dst ? tz.dst_utoff : tz.std_utoff;
}

// ---- the TZif file ----

struct Table {
  std::vector<std::int64_t> times;   // transition instants, strictly ascending
  std::vector<std::uint8_t> types;   // the local time type from each transition on
  std::vector<std::int32_t> utoffs;  // local time types (only the offset is kept); never empty
  std::optional<PosixTz> footer;     // after the last transition; absent: the last type stays
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view b) : b_(b) {}
  std::size_t left() const { return b_.size() - pos_; }
  // The callers check left() first.
  std::string_view take(std::size_t n) {
    auto v = b_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  std::uint8_t u8() { return static_cast<std::uint8_t>(b_[pos_++]); }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | u8();
    return v;
  }
  std::int64_t i64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | u8();
    return static_cast<std::int64_t>(v);  // two's complement (defined since C++20)
  }
  std::int64_t time(int size) {
    return size == 8 ? i64() : static_cast<std::int64_t>(static_cast<std::int32_t>(u32()));
  }

 private:
  std::string_view b_;
  std::size_t pos_ = 0;
};

struct Header {
  char version = 0;
  std::uint32_t isutcnt = 0, isstdcnt = 0, leapcnt = 0, timecnt = 0, typecnt = 0, charcnt = 0;
  std::uint64_t block_size(std::uint64_t time_size) const {
    return timecnt * (time_size + 1) + typecnt * std::uint64_t{6} + charcnt +
           leapcnt * (time_size + 4) + isstdcnt + isutcnt;
  }
};

std::string read_header(ByteReader& r, Header& h, const char* which) {
  if (r.left() < kHeaderSize) {
    return std::string("truncated: the ") + which + " needs 44 bytes, " +
           std::to_string(r.left()) + " are left";
  }
  if (r.take(4) != "TZif") return std::string("bad magic in the ") + which + " (not a TZif file)";
  h.version = static_cast<char>(r.u8());
  if (h.version != '\0' && (h.version < '2' || h.version > '4')) {
    return "unsupported TZif version byte " + std::to_string(static_cast<unsigned char>(h.version));
  }
  r.take(15);
  h.isutcnt = r.u32();
  h.isstdcnt = r.u32();
  h.leapcnt = r.u32();
  h.timecnt = r.u32();
  h.typecnt = r.u32();
  h.charcnt = r.u32();
  return "";
}

// Checks the counts against each other and against the bytes that follow.
std::string check_counts(const Header& h, std::uint64_t time_size, std::size_t left) {
  if (h.typecnt == 0 || h.typecnt > 256) return "the number of local time types is not 1-256";
  if (h.charcnt == 0) return "there are no time zone designations";
  if (h.isutcnt != 0 && h.isutcnt != h.typecnt) return "isutcnt is neither 0 nor typecnt";
  if (h.isstdcnt != 0 && h.isstdcnt != h.typecnt) return "isstdcnt is neither 0 nor typecnt";
  const std::uint64_t need = h.block_size(time_size);
  if (need > left) {
    return "truncated or counts too big: the header's counts need " + std::to_string(need) +
           " bytes of data, " + std::to_string(left) + " are left";
  }
  return "";
}

std::string read_block(ByteReader& r, const Header& h, int time_size, Table& out) {
  out.times.resize(h.timecnt);
  for (auto& t : out.times) t = r.time(time_size);
  for (std::size_t i = 1; i < out.times.size(); ++i) {
    if (out.times[i] <= out.times[i - 1]) return "the transition times are not ascending";
  }
  out.types.resize(h.timecnt);
  for (auto& type : out.types) {
    type = r.u8();
    if (type >= h.typecnt) {
      return "a transition names local time type " + std::to_string(type) + " of " +
             std::to_string(h.typecnt);
    }
  }
  std::vector<std::uint8_t> desig(h.typecnt);
  out.utoffs.resize(h.typecnt);
  for (std::size_t i = 0; i < h.typecnt; ++i) {
    const auto utoff = static_cast<std::int32_t>(r.u32());
    const std::uint8_t isdst = r.u8();
    desig[i] = r.u8();
    if (utoff < kMinUtoff || utoff > kMaxUtoff) {
      return "local time type " + std::to_string(i) + " has UTC offset " + std::to_string(utoff) +
             " s, beyond -25 h to +26 h";
    }
    if (isdst > 1) return "local time type " + std::to_string(i) + " has isdst other than 0/1";
    out.utoffs[i] = utoff;
  }
  const std::string_view chars = r.take(h.charcnt);
  for (std::size_t i = 0; i < desig.size(); ++i) {
    if (desig[i] >= chars.size() || chars.find('\0', desig[i]) == std::string_view::npos) {
      return "local time type " + std::to_string(i) + " has a designation index out of range";
    }
  }
  r.take(h.leapcnt * (static_cast<std::size_t>(time_size) + 4));  // leap seconds: ignored
  for (std::size_t i = 0; i < std::size_t{h.isstdcnt} + h.isutcnt; ++i) {
    if (r.u8() > 1) return "a standard/wall or UT/local indicator is not 0/1";
  }
  return "";
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return s.size() > 80 ? out + "..." : out;
}

std::string read_footer(ByteReader& r, Table& out) {
  if (r.left() == 0 || r.u8() != '\n') return "the footer (TZ string) is missing";
  const std::string_view rest = r.take(r.left());
  const std::size_t nl = rest.find('\n');
  if (nl == std::string_view::npos) return "truncated: the footer (TZ string) has no final newline";
  if (nl + 1 != rest.size()) return "unexpected data after the footer";
  const std::string_view text = rest.substr(0, nl);
  if (text.empty()) return "";  // no rule: the last transition's type stays in effect
  PosixTz tz;
  if (auto why = TzStringParser(text).parse(tz); !why.empty()) {
    return "bad footer TZ string \"" + printable(text) + "\": " + why;
  }
  out.footer = tz;
  return "";
}

std::string read_tzif(std::string_view bytes, Table& out) {
  if (bytes.empty()) return "empty input, not a TZif file";
  ByteReader r(bytes);
  Header h;
  if (auto why = read_header(r, h, "header"); !why.empty()) return why;
  if (h.version == '\0') {  // version 1: 32-bit times, no footer
    if (auto why = check_counts(h, 4, r.left()); !why.empty()) return why;
    if (auto why = read_block(r, h, 4, out); !why.empty()) return why;
    return r.left() == 0 ? "" : "unexpected data after the version 1 data block";
  }
  // Version 2+: the 32-bit block is only skipped (RFC 8536 4: readers should ignore it).
  const std::uint64_t v1_size = h.block_size(4);
  if (v1_size > r.left()) {
    return "truncated or counts too big: the version 1 block needs " + std::to_string(v1_size) +
           " bytes, " + std::to_string(r.left()) + " are left";
  }
  r.take(static_cast<std::size_t>(v1_size));
  const char version = h.version;
  if (auto why = read_header(r, h, "second (64-bit) header"); !why.empty()) return why;
  if (h.version != version) return "the two headers give different versions";
  if (auto why = check_counts(h, 8, r.left()); !why.empty()) return why;
  if (auto why = read_block(r, h, 8, out); !why.empty()) return why;
  return read_footer(r, out);
}

std::int64_t to_seconds(double unix_ts) {
  if (std::isnan(unix_ts)) return 0;
  return static_cast<std::int64_t>(std::floor(std::clamp(unix_ts, -kMaxSeconds, kMaxSeconds)));
}

}  // namespace

struct TimeZone::Data {
  std::string name;
  Table table;
};

TimeZone::TimeZone() {
  // One table for every UTC value; a function-local static is initialised thread-safely.
  static const std::shared_ptr<const Data> kUtc = [] {
    auto d = std::make_shared<Data>();
    d->name = "UTC";
    d->table.utoffs = {0};
    return d;
  }();
  data_ = kUtc;
}

TimeZone TimeZone::utc() { return TimeZone(); }

TimeZone TimeZone::fixed(int offset_seconds) {
  if (offset_seconds == 0) return utc();
  auto d = std::make_shared<Data>();
  const int a = offset_seconds < 0 ? -offset_seconds : offset_seconds;
  char name[32];
  std::snprintf(name, sizeof name, "UTC%c%02d:%02d", offset_seconds < 0 ? '-' : '+', a / 3600,
                a / 60 % 60);
  d->name = name;
  d->table.utoffs = {offset_seconds};
  return TimeZone(std::move(d));
}

Result<TimeZone> TimeZone::parse(std::string_view tzif_bytes, std::string name) {
  auto data = std::make_shared<Data>();
  data->name = std::move(name);
  if (auto why = read_tzif(tzif_bytes, data->table); !why.empty()) {
    return Status::Error("time zone " + data->name + ": " + why);
  }
  return TimeZone(std::move(data));
}

Result<TimeZone> TimeZone::load(std::string_view name) {
  if (name == "UTC") return utc();
  // A relative path below the zone directory, without "..": a name of the tz database.
  const bool name_ok =
      !name.empty() && name[0] != '/' && name.find("..") == std::string_view::npos &&
      std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '/' || c == '_' || c == '-' || c == '+';
      });
  // Files of the zone directory that are not a household's zone, though TZif: the
  // machine's own (localtime, posixrules), the placeholder Factory, and the posix/ and
  // right/ copies (right/ counts leap seconds). Browsers (the dashboard's Intl) know none
  // of them, nor "Europe//Berlin".
  const bool zone_name = name_ok && name.find("//") == std::string_view::npos &&
                         name.back() != '/' && name != "localtime" && name != "posixrules" &&
                         name != "Factory" && !name.starts_with("posix/") &&
                         !name.starts_with("right/");
  if (!zone_name) {
    return Status::Error("time zone \"" + printable(name) +
                         "\": not a name of the tz database, like Europe/Berlin");
  }
  const char* env = std::getenv("TZDIR");
  const std::string file = std::string(env && *env ? env : "/usr/share/zoneinfo") + "/" +
                           std::string(name);
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::Error("time zone " + std::string(name) + ": cannot open " + file);
  std::string bytes(kMaxFileSize + 1, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (in.bad() || (!in && !in.eof())) return Status::Error("time zone " + file + ": cannot read");
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  if (bytes.size() > kMaxFileSize) {
    return Status::Error("time zone " + file + ": larger than 1 MiB, not a TZif file");
  }
  auto zone = parse(bytes, std::string(name));
  if (!zone) return Status::Error(zone.status().message() + " (file " + file + ")");
  return zone;
}

int TimeZone::utc_offset_at(double unix_ts) const {
  const Table& tz = data_->table;
  const std::int64_t t = to_seconds(unix_ts);
  // RFC 8536 3.2: with no transitions the footer (else type 0) rules all time; before the
  // first transition type 0 does; after the last the footer (else the last type) does.
  if (tz.times.empty()) return tz.footer ? footer_offset(*tz.footer, t) : tz.utoffs[0];
  if (t < tz.times.front()) return tz.utoffs[0];
  if (t > tz.times.back() && tz.footer) return footer_offset(*tz.footer, t);
  const auto next = std::upper_bound(tz.times.begin(), tz.times.end(), t);
  return tz.utoffs[tz.types[static_cast<std::size_t>(next - tz.times.begin() - 1)]];
}

double TimeZone::from_local(double local, double near) const {
  constexpr double kDay = 86400;
  // At most one change lies within a day of any time: the offsets a day before and a day
  // after are the two that can apply.
  const double before = local - utc_offset_at(local - kDay);
  const double after = local - utc_offset_at(local + kDay);
  const bool before_ok = to_local(before) == local;
  const bool after_ok = to_local(after) == local;
  if (before_ok && after_ok) {
    return std::fabs(before - near) <= std::fabs(after - near) ? before : after;
  }
  if (before_ok) return before;
  if (after_ok) return after;
  return before;  // skipped: as if the clocks had not changed yet
}

const std::string& TimeZone::name() const { return data_->name; }

std::optional<double> parse_local_time(std::string_view t) {
  // YYYY-MM-DD?HH:MM:SS[.fff]
  if (t.size() < 19 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') ||
      t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  auto digits = [&t](std::size_t at, std::size_t n) -> int {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (t[i] < '0' || t[i] > '9') return -1;
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  const int y = digits(0, 4), mo = digits(5, 2), d = digits(8, 2);
  const int h = digits(11, 2), mi = digits(14, 2), sec = digits(17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 ||
      sec > 59) {
    return std::nullopt;
  }
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > kDays[mo - 1] + (mo == 2 && is_leap(y) ? 1 : 0)) return std::nullopt;
  double frac = 0;
  if (t.size() > 19) {
    if (t[19] != '.' || t.size() == 20 || t.size() > 29) return std::nullopt;
    double scale = 0.1;
    for (std::size_t i = 20; i < t.size(); ++i, scale /= 10) {
      if (t[i] < '0' || t[i] > '9') return std::nullopt;
      frac += (t[i] - '0') * scale;
    }
  }
  return static_cast<double>(days_from_civil(y, mo, d)) * 86400 + h * 3600 + mi * 60 + sec + frac;
}

std::optional<double> parse_local_date(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  return parse_local_time(std::string(text) + "T00:00:00");
}

}  // namespace larder
